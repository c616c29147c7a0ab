// The per-request families render exactly what Prometheus' text format expects: cumulative,
// upper-inclusive buckets, +Inf, _sum and _count, escaped label values, one line per label set.
import { describe, expect, it } from 'vitest';
import { CounterFamily, GaugeFamily, HistogramFamily } from '../../../src/metrics/cells';

describe('cell families', () => {
  it('renders a histogram with cumulative, upper-inclusive buckets', () => {
    const h = new HistogramFamily({ name: 'x_seconds', help: 'X.', labels: ['model'], kind: 'histogram', buckets: [0.5, 1] });
    const cell = h.cell('m');
    for (const v of [0.2, 0.5, 0.7, 3]) cell.observe(v);
    expect(h.render()).toBe(
      [
        '# HELP x_seconds X.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{model="m",le="0.5"} 2',
        'x_seconds_bucket{model="m",le="1"} 3',
        'x_seconds_bucket{model="m",le="+Inf"} 4',
        'x_seconds_sum{model="m"} 4.4',
        'x_seconds_count{model="m"} 4',
        '',
      ].join('\n'),
    );
  });

  it('hands out one cell per label set and escapes label values', () => {
    const c = new CounterFamily({ name: 'y_total', help: 'Y.', labels: ['model', 'kind'], kind: 'counter' });
    c.cell('a"b\\c', 'prompt').inc(2);
    c.cell('a"b\\c', 'prompt').inc(3);
    expect(c.all()).toHaveLength(1);
    expect(c.render()).toContain('y_total{model="a\\"b\\\\c",kind="prompt"} 5\n');
  });

  it('renders a gauge as one sample per label set, going down as well as up', () => {
    const g = new GaugeFamily({ name: 'z_in_flight', help: 'Z.', labels: ['model'], kind: 'gauge' });
    g.cell('m').inc(3);
    g.cell('m').dec();
    expect(g.render()).toBe('# HELP z_in_flight Z.\n# TYPE z_in_flight gauge\nz_in_flight{model="m"} 2\n');
  });
});

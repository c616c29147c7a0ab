// The per-request families kept as plain numbers, one cell per label set, rendered in the text
// exposition format when Prometheus scrapes. prom-client validates and hashes the label object on
// every observation (about a microsecond each); a finished exchange touches up to ten series, so
// the request path updates a cell it holds instead (a few nanoseconds), and the cost moves to the
// scrape, where it is paid once per series rather than once per request.
import type { MetricDefinition } from './catalogue';

export type Labels = Readonly<Record<string, string>>;

export class CounterCell {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class GaugeCell {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

export class HistogramCell {
  /** Observations per bucket (not cumulative); the last slot is above every bound (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  observe(value: number): void {
    // Prometheus buckets are upper-inclusive: `le="0.5"` counts 0.5.
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const number = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Number.POSITIVE_INFINITY ? '+Inf' : v === Number.NEGATIVE_INFINITY ? '-Inf' : String(v));
const labelText = (labels: Labels, extra = '') => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(extra);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

/** One family: a cell per label set, made on first use (label values in the definition's order). */
abstract class CellFamily<C extends { labels: Labels }> {
  private readonly cells = new Map<string, C>();

  constructor(readonly def: MetricDefinition) {}

  protected abstract make(labels: Labels): C;

  /** The cell of these label values; callers keep it, so the lookup is off the request path. */
  cell(...values: string[]): C {
    const key = values.join('\u0000');
    let c = this.cells.get(key);
    if (!c) {
      const labels = Object.fromEntries(this.def.labels.map((name, i) => [name, values[i] ?? '']));
      this.cells.set(key, (c = this.make(labels)));
    }
    return c;
  }

  all(): C[] {
    return [...this.cells.values()];
  }

  protected header(): string {
    return `# HELP ${this.def.name} ${escapeHelp(this.def.help)}\n# TYPE ${this.def.name} ${this.def.kind}\n`;
  }

  abstract render(): string;
}

/** A family whose cells hold one number each (counters, gauges): one sample line per cell. */
abstract class ValueFamily<C extends { labels: Labels; value: number }> extends CellFamily<C> {
  render(): string {
    return (
      this.header() +
      this.all()
        .map((c) => `${this.def.name}${labelText(c.labels)} ${number(c.value)}\n`)
        .join('')
    );
  }
}

export class CounterFamily extends ValueFamily<CounterCell> {
  protected make(labels: Labels): CounterCell {
    return new CounterCell(labels);
  }
}

export class GaugeFamily extends ValueFamily<GaugeCell> {
  protected make(labels: Labels): GaugeCell {
    return new GaugeCell(labels);
  }
}

export class HistogramFamily extends CellFamily<HistogramCell> {
  private readonly bounds: readonly number[];

  constructor(def: MetricDefinition) {
    super(def);
    this.bounds = [...(def.buckets ?? [])].sort((a, b) => a - b);
  }

  protected make(labels: Labels): HistogramCell {
    return new HistogramCell(labels, this.bounds);
  }

  render(): string {
    const { name } = this.def;
    const lines: string[] = [];
    for (const c of this.all()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += c.counts[i]!;
        lines.push(`${name}_bucket${labelText(c.labels, `le="${number(bound)}"`)} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labelText(c.labels, 'le="+Inf"')} ${c.count}`);
      lines.push(`${name}_sum${labelText(c.labels)} ${number(c.sum)}`);
      lines.push(`${name}_count${labelText(c.labels)} ${c.count}`);
    }
    return this.header() + lines.map((l) => `${l}\n`).join('');
  }
}

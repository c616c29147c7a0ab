// The committed Grafana files are what `npm run dashboards` generates from the catalogue, and
// every query in them names only metrics and labels the catalogue defines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardFiles, SCHEMA_VERSION } from '../../../scripts/dashboards/build';
import { identifiersIn, rate } from '../../../scripts/dashboards/promql';
import { metricNames, windowsExporter, type MetricDefinition } from '../../../src/metrics';
import { dashboardExpressions, type DashboardJson } from '../../helpers/dashboard';

const root = join(import.meta.dirname, '..', '..', '..', 'dashboards');
const committed = JSON.parse(readFileSync(join(root, 'aegis.json'), 'utf8')) as DashboardJson;

/** Every series name a query may use: each definition, and a histogram's _bucket/_sum/_count. */
function knownSeries(): Set<string> {
  const defs: MetricDefinition[] = [...Object.values(metricNames), ...Object.values(windowsExporter)];
  return new Set(defs.flatMap((d) => (d.kind === 'histogram' ? [`${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`] : [d.name])));
}

describe('dashboards/', () => {
  it('holds exactly what `npm run dashboards` generates (run it after changing the catalogue)', () => {
    for (const [path, text] of Object.entries(dashboardFiles())) {
      expect(readFileSync(join(root, path), 'utf8'), `dashboards/${path} is stale: run npm run dashboards`).toBe(text);
    }
  });

  it('states its schema version and filters by a model variable', () => {
    expect(committed.schemaVersion).toBe(SCHEMA_VERSION);
    const model = committed.templating.list.find((v) => v.name === 'model');
    expect(model?.query).toBe('label_values(aegis_requests_total, model)');
    expect(dashboardExpressions(committed).filter((e) => e.includes('$model')).length).toBeGreaterThan(20);
  });

  it('has the rows an operator reads, the Windows host row collapsed', () => {
    const rows = committed.panels.filter((p) => p.type === 'row');
    expect(rows.map((r) => r.title)).toEqual([
      'Traffic',
      'Latency',
      'Tokens',
      'Models and memory',
      'Queue',
      'Policy',
      'Context, tools and MCP',
      'RAG recording',
      'Errors and upstreams',
      'Gateway process',
      'Windows host (windows_exporter)',
    ]);
    expect(rows.at(-1)).toMatchObject({ collapsed: true });
    expect(rows.at(-1)?.panels?.length).toBe(4);
  });

  it('queries only metrics the catalogue defines', () => {
    const known = knownSeries();
    const used = dashboardExpressions(committed).flatMap(identifiersIn);
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it('charts every family of the catalogue', () => {
    const used = new Set(
      dashboardExpressions(committed)
        .flatMap(identifiersIn)
        .map((n) => n.replace(/_(bucket|sum|count)$/, '')),
    );
    expect(
      Object.values(metricNames)
        .filter((d) => !used.has(d.name))
        .map((d) => d.name),
    ).toEqual([]);
  });

  it('refuses to build a query on a label the metric does not have, or a rate of a gauge', () => {
    expect(() => rate(metricNames.requests, ['upstream'])).toThrow(/has no label "upstream"/);
    expect(() => rate(metricNames.requestsInFlight)).toThrow(/is a gauge/);
  });
});

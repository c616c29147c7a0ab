// A real Prometheus (Debian's) scrapes an Aegis that ran a workload, with the scrape key, and a
// windows_exporter stand-in; every PromQL expression of the committed dashboard, sent through the
// HTTP query API as Grafana would send it, parses and returns data. Families the workload leaves
// quiet (MCP, still to come; context fitting and tool calls) need only parse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifiersIn } from '../../../scripts/dashboards/promql';
import { metricNames, type MetricDefinition } from '../../../src/metrics';
import { dashboardExpressions, expand, type DashboardJson } from '../../helpers/dashboard';
import { opsKey, runWorkload, scrapeKey, startOpsGateway, type OpsGateway } from '../../helpers/ops-workload';
import { until } from '../../helpers/wait';
import { startWindowsExporterFixture, type WindowsExporterFixture } from '../../helpers/windows-exporter-fixture';
import { startPrometheus, type PrometheusServer } from '../../world/prometheus';
import { world } from '../../world/use-world';

const [llamacpp, prometheus] = await Promise.all([world('llamacpp'), world('prometheus')]);
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'dashboards', 'aegis.json'), 'utf8')) as DashboardJson;
const seriesOf = (defs: MetricDefinition[]) => defs.flatMap((d) => [d.name, `${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`]);
/**
 * Families with nothing to report after the workload: those nobody reports yet (MCP, issue 23), and
 * the context and tool-call families, which appear only once a prompt is cut or a request has tools
 * (the workload's small model has neither; the in-process tests cover them).
 */
const quietNames = new Set(
  seriesOf([
    ...Object.values(metricNames).filter((d) => d.pending),
    metricNames.contextTruncations,
    metricNames.contextDroppedTokens,
    metricNames.contextDroppedMessages,
    metricNames.contextCuts,
    metricNames.contextRefusals,
    metricNames.toolCalls,
    metricNames.toolParseFailures,
    metricNames.toolRepairs,
    metricNames.toolRetries,
  ]),
);
const quiet = (expr: string) => identifiersIn(expr).every((n) => quietNames.has(n));

describe.skipIf(!llamacpp || !prometheus)('the dashboard on a real Prometheus', () => {
  let gw: OpsGateway;
  let windows: WindowsExporterFixture;
  let prom: PrometheusServer;

  beforeAll(async () => {
    gw = await startOpsGateway(llamacpp!.url);
    windows = await startWindowsExporterFixture();
    prom = await startPrometheus(prometheus!.bin, [
      { job: 'aegis', address: new URL(gw.url).host, bearer: scrapeKey },
      { job: 'windows', address: windows.address },
    ]);
    await until(async () => (await prom.scraped('aegis')) && (await prom.scraped('windows')), 30_000, 'the first scrapes');
    await runWorkload(gw);
    // More traffic after the first samples, so rates have something to measure.
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: opsKey, maxRetries: 0 });
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'smol', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
    // Rates need two samples of each new series in their window.
    await until(
      async () => {
        const r = await prom.query('min(count_over_time(aegis_scheduler_evictions_total[1m]))');
        return r.status === 'success' && Number(r.data.result[0]?.value[1] ?? 0) >= 3;
      },
      30_000,
      'three scrapes after the workload',
    );
  }, 300_000);

  afterAll(async () => {
    await prom?.stop();
    await windows?.close();
    await gw?.close();
  });

  it('scrapes Aegis with the metrics key', async () => {
    expect(await prom.scraped('aegis')).toBe(true);
  });

  const exprs = dashboardExpressions(dashboard);

  it('has queries to check', () => {
    expect(exprs.length).toBeGreaterThan(60);
  });

  it.each(exprs.map((e) => [e]))('%s', async (expr) => {
    const result = await prom.query(expand(expr));
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'success' });
    if (result.status !== 'success') return;
    if (quiet(expr)) return;
    expect(result.data.result.length, 'no series').toBeGreaterThan(0);
  });
});

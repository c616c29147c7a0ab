// A real Prometheus (Debian's) scrapes an Aegis that ran a workload, with the scrape key, and a
// windows_exporter stand-in; every PromQL expression of the committed dashboard, sent through the
// HTTP query API as Grafana would send it, parses and returns data: the workload exercises every
// family the dashboard shows, context fitting, tool calls and MCP included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardExpressions, expand, type DashboardJson } from '../../helpers/dashboard';
import { opsKey, runWorkload, scrapeKey, startOpsGateway, type OpsGateway } from '../../helpers/ops-workload';
import { until } from '../../helpers/wait';
import { startWindowsExporterFixture, type WindowsExporterFixture } from '../../helpers/windows-exporter-fixture';
import { startPrometheus, type PrometheusServer } from '../../world/prometheus';
import { world } from '../../world/use-world';

const [llamacpp, mcpservers, prometheus] = await Promise.all([world('llamacpp'), world('mcpservers'), world('prometheus')]);
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'dashboards', 'aegis.json'), 'utf8')) as DashboardJson;
describe.skipIf(!llamacpp || !mcpservers || !prometheus)('the dashboard on a real Prometheus', () => {
  let gw: OpsGateway;
  let windows: WindowsExporterFixture;
  let prom: PrometheusServer;

  beforeAll(async () => {
    gw = await startOpsGateway({ llamacpp: llamacpp!.url, mcpEverything: mcpservers!.everything });
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
    // Rates need two samples of each new series in their window, those of the workload's last
    // steps (a manual eviction, context cuts, tool calls, MCP calls) included.
    const newest = ['aegis_scheduler_evictions_total', 'aegis_context_cuts_total', 'aegis_tool_call_retries_total', 'aegis_mcp_tool_calls_total'];
    const scrapedThrice = async (name: string) => {
      const r = await prom.query(`min(count_over_time(${name}[1m]))`);
      return r.status === 'success' && Number(r.data.result[0]?.value[1] ?? 0) >= 3;
    };
    await until(async () => (await Promise.all(newest.map(scrapedThrice))).every(Boolean), 30_000, 'three scrapes after the workload');
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
    expect(result.data.result.length, 'no series').toBeGreaterThan(0);
  });
});

// A Prometheus server for one test: a generated scrape config pointing at the test's targets, a
// fresh TSDB directory, a free loopback port, and the HTTP query API.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpOk, startServer, type ServerProcess } from './process';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  metricsPath?: string;
  /** Sent as `Authorization: Bearer …` (Aegis with metrics.requireKey). */
  bearer?: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export type QueryResult = { status: 'success'; data: { resultType: string; result: PromSample[] } } | { status: 'error'; errorType: string; error: string };

export interface PrometheusServer {
  url: string;
  server: ServerProcess;
  /** An instant query through /api/v1/query. */
  query(expr: string): Promise<QueryResult>;
  /** Resolves once every target of `job` was scraped successfully. */
  scraped(job: string): Promise<boolean>;
  stop(): Promise<void>;
}

export function scrapeConfig(targets: readonly ScrapeTarget[], intervalSeconds: number): string {
  const lines = ['global:', `  scrape_interval: ${intervalSeconds}s`, `  evaluation_interval: ${intervalSeconds}s`, 'scrape_configs:'];
  for (const t of targets) {
    lines.push(`  - job_name: ${JSON.stringify(t.job)}`, `    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}`);
    if (t.bearer) lines.push('    authorization:', '      type: Bearer', `      credentials: ${JSON.stringify(t.bearer)}`);
    lines.push('    static_configs:', `      - targets: [${JSON.stringify(t.address)}]`);
  }
  return `${lines.join('\n')}\n`;
}

export async function startPrometheus(bin: string, targets: readonly ScrapeTarget[], { intervalSeconds = 1 } = {}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, scrapeConfig(targets, intervalSeconds));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startServer({
    name: 'prometheus',
    cmd: bin,
    args: [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    healthy: () => httpOk(`${url}/-/ready`),
  });
  const query = async (expr: string): Promise<QueryResult> => {
    const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
    return (await res.json()) as QueryResult;
  };
  return {
    url,
    server,
    query,
    async scraped(job) {
      const res = await query(`up{job=${JSON.stringify(job)}}`);
      return res.status === 'success' && res.data.result.length > 0 && res.data.result.every((s) => s.value[1] === '1');
    },
    stop: () => server.stop(),
  };
}

// `npm run soak`: a real `aegis serve` (recording to its embedded store, scheduler and policy on)
// under 200 concurrent streams plus 200 requests a second for `--minutes` (default 10), against a
// mock upstream that fails 5 % of requests at random. Reports the gateway's RSS slope after
// warm-up, the scheduler's leases after the load (must be 0) and records against requests (must
// be equal), and writes bench/results/soak-<date>-<sha>.md. Not part of `npm test`.
//   npm run soak -- [--minutes 10] [--streams 200] [--rps 200] [--fault-rate 0.05]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { flag, parseArgs } from '../src/cli/args';
import { hashKey } from '../src/gateway';
import { readProc } from './harness/proc-stats';
import { repoRoot } from './harness/processes';

const args = parseArgs(process.argv.slice(2));
const num = (name: string, fallback: number) => Number(flag(args, name) ?? fallback);
const o = { minutes: num('minutes', 10), streams: num('streams', 200), rps: num('rps', 200), faultRate: num('fault-rate', 0.05) };
const log = (line: string) => process.stdout.write(`${line}\n`);
const key = 'aegis-soak-key-0123456789abcdef';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const children: ChildProcess[] = [];
function start(name: string, script: string, argv: string[], out: string): ChildProcess {
  const fd = openSync(out, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...argv], { cwd: repoRoot, stdio: ['ignore', fd, fd] });
  child.on('exit', (code, signal) => log(`  ${name} exited (${code ?? signal})`));
  children.push(child);
  return child;
}
const stopAll = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
};
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

async function waitUntilUp(url: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {}
    if (Date.now() > end) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxy / sxx;
}

interface Tally {
  sent: number;
  /** HTTP responses read to the end, by status. */
  byStatus: Map<number, number>;
  /** Streams that ended in an SSE error event then [DONE] (an upstream fault after the stream started). */
  streamErrors: number;
  /** Streams that ended without [DONE]: a silent close, never acceptable. */
  silentCloses: number;
  /** The request never got an HTTP response (connection refused or reset). */
  transportErrors: number;
  latencies: number[];
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'aegis-soak-'));
  const [mockPort, gwPort] = [await freePort(), await freePort()];
  const config = {
    server: { host: '127.0.0.1', port: gwPort },
    auth: { keys: [{ id: 'soak', name: 'soak', hash: hashKey(key), roles: ['admin'] }] },
    rag: { spool: { dir: join(work, 'spool') }, embedded: { path: join(work, 'aegis.db') } },
    scheduler: { enabled: true },
    upstreams: [
      {
        name: 'mock',
        type: 'openai',
        url: `http://127.0.0.1:${mockPort}`,
        discover: false,
        connections: 1024,
        timeouts: { connectMs: 2_000, headersMs: 5_000, bodyMs: 1_000 },
      },
    ],
    models: [{ name: 'soak', upstream: 'mock' }],
  };
  const configFile = join(work, 'aegis.json');
  writeFileSync(configFile, JSON.stringify(config));
  log(`soak: ${o.minutes} min, ${o.streams} streams + ${o.rps} req/s, ${(o.faultRate * 100).toFixed(1)} % upstream faults; work dir ${work}`);
  start('mock', 'bench/soak/faulty-upstream.ts', ['--port', String(mockPort), '--fault-rate', String(o.faultRate)], join(work, 'mock.log'));
  const gateway = start('gateway', 'src/cli/main.ts', ['serve', '--config', configFile], join(work, 'gateway.log'));
  const url = `http://127.0.0.1:${gwPort}`;
  await waitUntilUp(`http://127.0.0.1:${mockPort}/v1/models`);
  await waitUntilUp(`${url}/readyz`);

  const agent = new Agent({ connections: o.streams + o.rps * 2, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const tally: Tally = { sent: 0, byStatus: new Map(), streamErrors: 0, silentCloses: 0, transportErrors: 0, latencies: [] };
  const one = async (stream: boolean): Promise<void> => {
    tally.sent++;
    const started = performance.now();
    try {
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'soak', stream, messages: [{ role: 'user', content: `soak ${tally.sent}` }] }),
        dispatcher: agent,
      });
      const text = await res.body.text();
      tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
      if (!stream) tally.latencies.push(performance.now() - started);
      if (stream && res.statusCode === 200) {
        if (!text.trimEnd().endsWith('data: [DONE]')) tally.silentCloses++;
        else if (text.includes('data: {"error"')) tally.streamErrors++;
      }
    } catch {
      tally.transportErrors++;
    }
  };

  const durationMs = o.minutes * 60_000;
  const warmupMs = Math.min(120_000, durationMs * 0.3);
  const started = Date.now();
  let running = true;
  const streamers = Array.from({ length: o.streams }, async () => {
    while (running) await one(true);
  });
  const inflight = new Set<Promise<void>>();
  // Open loop: requests go out on the clock whether or not earlier ones have answered.
  const tickMs = 50;
  let due = 0;
  const ticker = setInterval(() => {
    due += (o.rps * tickMs) / 1000;
    for (; due >= 1; due--) {
      const p = one(false).finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }, tickMs);
  const samples: { x: number; y: number }[] = [];
  const sampler = setInterval(() => {
    const proc = readProc(gateway.pid!);
    if (!proc) return;
    const minute = (Date.now() - started) / 60_000;
    samples.push({ x: minute, y: proc.rssMiB });
  }, 5_000);
  const progress = setInterval(() => {
    const s = samples.at(-1);
    log(
      `  ${((Date.now() - started) / 60_000).toFixed(1)} min: ${tally.sent} requests, RSS ${s?.y.toFixed(0) ?? '?'} MiB, ${tally.transportErrors} transport errors`,
    );
  }, 30_000);
  await new Promise((r) => setTimeout(r, durationMs));
  running = false;
  clearInterval(ticker);
  clearInterval(progress);
  await Promise.all([...streamers, ...inflight]);
  clearInterval(sampler);
  log(`load stopped after ${((Date.now() - started) / 60_000).toFixed(1)} min; checking leases and records`);

  // Leases: every one given back once the load is gone.
  await new Promise((r) => setTimeout(r, 1_000));
  const ps = (await (await fetch(`${url}/admin/ps`, { headers })).json()) as { inFlight?: number };
  const leases = ps.inFlight ?? Number.NaN;
  // Records: stop the gateway (it drains, then delivers or spools every record), then count.
  gateway.kill('SIGTERM');
  await new Promise((r) => gateway.once('exit', r));
  const db = new Database(join(work, 'aegis.db'), { readonly: true });
  const records = (db.prepare('SELECT count(*) AS n FROM exchanges').get() as { n: number }).n;
  db.close();
  // Unreplayed records: the spool's segment files (its lock and commit files do not count).
  const spoolLeft = readdirSync(join(work, 'spool'))
    .filter((f) => f.startsWith('seg-'))
    .reduce((n, f) => n + statSync(join(work, 'spool', f)).size, 0);
  const mockStats = (await (await fetch(`http://127.0.0.1:${mockPort}/__soak/stats`)).json()) as { requests: number; faults: Record<string, number> };
  await agent.close();
  stopAll();

  const answered = [...tally.byStatus.values()].reduce((a, b) => a + b, 0);
  const after = samples.filter((s) => s.x * 60_000 >= warmupMs);
  const rssSlope = slope(after);
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
  const sha = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const verdict = (ok: boolean) => (ok ? 'pass' : '**FAIL**');
  const lines = [
    `# Soak ${new Date().toISOString().slice(0, 10)} (${sha})`,
    '',
    `\`npm run soak -- --minutes ${o.minutes} --streams ${o.streams} --rps ${o.rps} --fault-rate ${o.faultRate}\`: a real \`aegis serve\``,
    '(embedded store, scheduler, shipped policy) against `bench/soak/faulty-upstream.ts`, which fails',
    `${(o.faultRate * 100).toFixed(1)} % of requests at random (HTTP 500, 429, socket cut, stall past bodyMs). Warm-up: first ${(warmupMs / 60_000).toFixed(1)} min.`,
    '',
    '| figure | value | target |',
    '| --- | --- | --- |',
    `| requests sent | ${tally.sent} | |`,
    `| answered (by status) | ${answered} (${[...tally.byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}) | every request answered |`,
    `| streams ended by an SSE error event then [DONE] | ${tally.streamErrors} | the upstream's mid-stream faults |`,
    `| streams closed without [DONE] | ${tally.silentCloses} | 0 ${verdict(tally.silentCloses === 0)} |`,
    `| transport errors (no HTTP response) | ${tally.transportErrors} | 0 ${verdict(tally.transportErrors === 0)} |`,
    `| upstream requests / injected faults | ${mockStats.requests} / ${Object.entries(mockStats.faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} | |`,
    `| non-streaming latency p50 / p99 | ${pct(0.5).toFixed(1)} / ${pct(0.99).toFixed(1)} ms | |`,
    `| gateway RSS first / last sample | ${samples[0]?.y.toFixed(0)} / ${samples.at(-1)?.y.toFixed(0)} MiB | |`,
    `| RSS slope after warm-up (${after.length} samples) | ${rssSlope.toFixed(2)} MiB/min | ≤ 0.5 ${verdict(rssSlope <= 0.5)} |`,
    `| scheduler leases in flight after the load | ${leases} | 0 ${verdict(leases === 0)} |`,
    `| records in the store after shutdown | ${records} | = requests sent (${tally.sent}) ${verdict(records === tally.sent)} |`,
    `| spool segments left unreplayed | ${spoolLeft} bytes | 0 ${verdict(spoolLeft === 0)} |`,
    '',
    `RSS samples (minute, MiB): ${samples.map((s) => `${s.x.toFixed(1)}:${s.y.toFixed(0)}`).join(' ')}`,
    '',
  ];
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `soak-${new Date().toISOString().slice(0, 10)}-${sha}${o.minutes < 10 ? `-${o.minutes}min` : ''}.md`);
  writeFileSync(file, lines.join('\n'));
  log(lines.join('\n'));
  log(`written to ${file}`);
  const ok = tally.silentCloses === 0 && tally.transportErrors === 0 && leases === 0 && records === tally.sent && rssSlope <= 0.5;
  process.exitCode = ok ? 0 : 1;
  // A failed soak keeps its logs and database for a look.
  if (ok) rmSync(work, { recursive: true, force: true });
  else log(`FAILED; the gateway's and the mock's logs and the database are in ${work}`);
}

main().catch((err: unknown) => {
  log(`soak failed: ${(err as Error).stack ?? String(err)}`);
  stopAll();
  process.exit(1);
});

// The embedded store under a real `aegis serve`: writing five times the byte cap keeps the newest
// records and deletes the oldest, dropping none; a `kill -9` while records are being written (some
// stored, some waiting in the spool because another process holds the database's write lock)
// loses none of them after a restart; `aegis records` reads the database while the gateway runs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { until } from '../../helpers/wait';

interface Served {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

async function serve(config: string, dir: string): Promise<Served> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config], {
    cwd: process.cwd(),
    env: { ...process.env, AEGIS_RUNTIME_DIR: join(dir, 'run'), AEGIS_API_KEY: '', MONGODB_URI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await until(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(output), 30_000, 'aegis listening');
  return { child, url: /"url":"(http:\/\/[^"]+)"/.exec(output)![1]!, output: () => output, exited };
}

function writeConfig(dir: string, upstream: string, embedded: Record<string, number | string>): string {
  const path = join(dir, 'aegis.yaml');
  const rag = { spool: { dir: join(dir, 'spool') }, embedded: { path: join(dir, 'aegis.db'), ...embedded }, queue: { retryMinMs: 200, retryMaxMs: 400 } };
  writeFileSync(
    path,
    `server: { port: 0, shutdownGraceMs: 2000 }\npolicy: { enabled: false }\nscheduler: { enabled: false }\nrag: ${JSON.stringify(rag)}\nupstreams:\n  - { name: fake, type: openai, url: "${upstream}", discover: false }\nmodels:\n  - { name: fake, upstream: fake }\n`,
  );
  return path;
}

async function ask(url: string, content: string): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-request-id')!;
}

/** `aegis_rag_records_total{kind="exchange",outcome=…}` and the store gauges from /metrics. */
async function metrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^aegis_rag_records_total\{kind="exchange",outcome="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  for (const m of text.matchAll(/^(aegis_rag_store_\w+) (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function records(config: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'records', ...args, '--config', config], {
      env: { ...process.env, MONGODB_URI: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const listedIds = async (config: string): Promise<string[]> =>
  (JSON.parse((await records(config, 'list', '--json', '--limit', '1000')).stdout) as { id: string }[]).map((r) => r.id);

describe('aegis serve on the embedded store', () => {
  let up: FakeUpstream;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'noted' });
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await up.close();
  });

  it('keeps the newest records within the byte cap, deletes the oldest, drops none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-serve-cap-'));
    const maxBytes = 200_000;
    const config = writeConfig(dir, up.url, { maxBytes, sweepIntervalMs: 1_000 });
    const gw = await serve(config, dir);
    children.push(gw.child);
    // Each record holds its prompt about three times (record, RAG text, full-text index): ~10 KB.
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await ask(gw.url, `note ${i}: ${'lorem ipsum dolor '.repeat(190)}`));
    await until(async () => (await metrics(gw.url)).expired! > 0 && (await metrics(gw.url)).inserted === 100, 20_000, 'a retention sweep');
    await until(async () => (await metrics(gw.url)).aegis_rag_store_bytes! <= maxBytes, 20_000, 'the store under its cap');
    const m = await metrics(gw.url);
    expect(m).toMatchObject({ enqueued: 100, inserted: 100, dropped: 0, aegis_rag_store_max_bytes: maxBytes, aegis_rag_store_disk_full: 0 });
    // Read while the gateway runs: exactly the newest survive, and what went is counted.
    const kept = await listedIds(config);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(50);
    expect(kept).toEqual(ids.slice(-kept.length).reverse());
    expect(m.expired).toBe(100 - kept.length);
    expect(gw.output()).toContain('retention deleted the oldest records');
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  it('loses no accepted record to a kill -9 during writes, and aegis records reads it all back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-serve-kill-'));
    const config = writeConfig(dir, up.url, {});
    const first = await serve(config, dir);
    children.push(first.child);
    const stored: string[] = [];
    for (let i = 0; i < 30; i++) stored.push(await ask(first.url, `stored ${i}`));
    await until(async () => (await metrics(first.url)).inserted === 30, 10_000, '30 records stored');

    // Another process takes the write lock: the gateway's inserts fail and records go to the spool.
    const holder = new Database(join(dir, 'aegis.db'));
    holder.exec('BEGIN IMMEDIATE');
    const spooled: string[] = [];
    for (let i = 0; i < 30; i++) spooled.push(await ask(first.url, `spooled ${i}`));
    await until(async () => (await metrics(first.url)).spooled! >= 30, 15_000, '30 records spooled');
    expect((await metrics(first.url)).aegis_rag_store_disk_full).toBe(0);

    // Writes still going on when the process is killed.
    let stop = false;
    const inFlight = Promise.all(
      Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; !stop; i++) await ask(first.url, `late ${w}-${i}`).catch(() => {});
      }),
    );
    let accepted = 0;
    for (let i = 0; i < 5; i++) {
      const m = await metrics(first.url);
      accepted = m.inserted! + m.spooled!;
      await new Promise((r) => setTimeout(r, 60));
    }
    first.child.kill('SIGKILL');
    stop = true;
    await first.exited;
    await inFlight;
    holder.exec('ROLLBACK');
    holder.close();

    const second = await serve(config, dir);
    children.push(second.child);
    await until(async () => (await metrics(second.url)).replayed! > 0 && (await listedIds(config)).length >= accepted, 20_000, 'the spool replayed');
    const ids = await listedIds(config);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [...stored, ...spooled]) expect(ids).toContain(id);
    expect(ids.length).toBeGreaterThanOrEqual(accepted);
    expect(second.output()).toContain('the spool holds records from an earlier run; storing them');

    const shown = await records(config, 'show', spooled[7]!, '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id: spooled[7],
      requestId: spooled[7],
      messages: [{ role: 'user', content: 'spooled 7' }],
      answer: 'noted',
    });
    const missing = await records(config, 'show', 'no-such-request', '--json');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    const db = new Database(join(dir, 'aegis.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

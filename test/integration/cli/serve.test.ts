// `aegis serve` as a process: it starts from a config file, logs JSON without secrets, and on
// SIGTERM lets an in-flight stream finish before exiting.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../../src/gateway';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { until } from '../../helpers/wait';

const key = 'aegis-cli-test-key-abcdefghijklmnop';

describe('aegis serve', () => {
  let up: FakeUpstream;
  let child: ChildProcess;
  let url = '';
  let output = '';

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 30, gapMs: 30 });
    const dir = mkdtempSync(join(tmpdir(), 'aegis-serve-'));
    const config = join(dir, 'aegis.yaml');
    writeFileSync(
      config,
      `server: { port: 0, shutdownGraceMs: 5000 }\nauth:\n  keys:\n    - { id: ops, hash: "${hashKey(key)}", roles: [user] }\nupstreams:\n  - { name: fake, type: openai, url: "${up.url}", discover: false }\nmodels:\n  - { name: fake, upstream: fake }\n`,
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config], {
      cwd: process.cwd(),
      env: { ...process.env, AEGIS_RUNTIME_DIR: join(dir, 'run') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const end = Date.now() + 30_000;
    while (!url && Date.now() < end) {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (m) url = m[1]!;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, output).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  afterAll(async () => {
    child.kill('SIGKILL');
    await up.close();
  });

  it('keeps an idle keep-alive connection open past Node’s 5 s default (no ECONNRESET for pooled clients)', async () => {
    // The server's own timeouts are asserted in-process (test/unit/cli/runtime-keep-alive.test.ts);
    // here the running process tells clients how long it keeps an idle socket, and reuses it.
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('close', () => (closed = true));
    const ask = () => socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
    const answers = () => received.split('HTTP/1.1 200').length - 1;
    ask();
    await until(() => answers() === 1, 5_000, 'the first answer');
    // Longer than nginx's 60 s upstream keepalive, so far past Node's 5 s default.
    expect(Number(/keep-alive: timeout=(\d+)/i.exec(received)?.[1])).toBeGreaterThan(60);
    ask();
    await until(() => answers() === 2, 5_000, 'the second answer on the same socket');
    expect(closed).toBe(false);
    socket.destroy();
  });

  it('drains an in-flight stream on SIGTERM, then exits 0 and stops accepting', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).toContain('t29');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'shutting down: draining in-flight requests')).toBe(true);
    expect(output).not.toContain(key);
    expect(output).not.toContain('"hi"');
  });
});

describe('aegis serve without keys', () => {
  let up: FakeUpstream;
  let child: ChildProcess;
  let url = '';
  let output = '';
  const dir = mkdtempSync(join(tmpdir(), 'aegis-serve-'));
  const runDir = join(dir, 'run');
  const env = { ...process.env, AEGIS_RUNTIME_DIR: runDir, AEGIS_API_KEY: '' };

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 30, gapMs: 30 });
    const config = join(dir, 'aegis.yaml');
    writeFileSync(
      config,
      `server: { port: 0, shutdownGraceMs: 5000 }\npolicy: { enabled: false }\nrag: { enabled: false }\nupstreams:\n  - { name: fake, type: openai, url: "${up.url}", discover: false }\nmodels:\n  - { name: fake, upstream: fake }\n`,
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config], {
      cwd: process.cwd(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(output), 30_000, 'aegis listening');
    url = /"url":"(http:\/\/[^"]+)"/.exec(output)![1]!;
  });

  afterAll(async () => {
    child.kill('SIGKILL');
    await up.close();
  });

  const tokenPath = () => join(runDir, `gateway-${new URL(url).port}.json`);

  it('keeps admin routes from the anonymous local user', async () => {
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    const res = await fetch(`${url}/admin/ps`);
    expect(res.status).toBe(403);
  });

  it('writes an operator token only this user can read, which `aegis ps` uses', async () => {
    const doc = JSON.parse(readFileSync(tokenPath(), 'utf8')) as { url: string; token: string; pid: number };
    expect(doc).toMatchObject({ url, pid: child.pid });
    expect(statSync(tokenPath()).mode & 0o777).toBe(0o600);
    expect(output).not.toContain(doc.token);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ps', '--url', url, '--json'], { env });
    expect(JSON.parse(stdout)).toHaveProperty('models');
  });

  it('drains an in-flight stream on SIGHUP (a closed terminal), removes its token and exits 0', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGHUP');
    const text = await res.text();
    expect(text).toContain('t29');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await exited).toBe(0);
    expect(existsSync(tokenPath())).toBe(false);
  });
});

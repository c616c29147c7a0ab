// `aegis serve` as a process: it starts from a config file, logs JSON without secrets, and on
// SIGTERM lets an in-flight stream finish before exiting.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../../src/gateway';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';

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
    writeFileSync(config, `server: { port: 0, shutdownGraceMs: 5000 }\nauth:\n  keys:\n    - { id: ops, hash: "${hashKey(key)}", roles: [user] }\nupstreams:\n  - { name: fake, type: openai, url: "${up.url}", discover: false }\nmodels:\n  - { name: fake, upstream: fake }\n`);
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
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
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('close', () => (closed = true));
    const ask = () => socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
    const answers = () => received.split('HTTP/1.1 200').length - 1;
    ask();
    while (answers() < 1) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 6_000));
    expect(closed).toBe(false);
    ask();
    const end = Date.now() + 5_000;
    while (answers() < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(answers()).toBe(2);
    socket.destroy();
  }, 20_000);

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

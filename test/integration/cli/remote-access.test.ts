// A gateway bound beyond loopback, called from another host (a network namespace): a config edit
// that removes every key must not open it to that host, and no key means no admin.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../../src/gateway';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { createRemoteHost, netnsUnavailable, type RemoteHost } from '../../helpers/netns';
import { until } from '../../helpers/wait';

const key = 'aegis-remote-test-key-0123456789';
const unavailable = netnsUnavailable();
if (unavailable && process.env.CI === 'true') throw new Error(`remote-access tests cannot run: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('a gateway bound beyond loopback, called from another host', () => {
  let up: FakeUpstream;
  let host: RemoteHost;
  let child: ChildProcess;
  let output = '';
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'aegis-remote-'));
  const configFile = join(dir, 'aegis.yaml');
  const config = (keys: string) =>
    `server: { port: 0 }\nauth:\n  keys: ${keys}\npolicy: { enabled: false }\nrag: { enabled: false }\nupstreams:\n  - { name: fake, type: openai, url: "${up.url}", discover: false }\nmodels:\n  - { name: m1, upstream: fake }\n`;
  const withKey = `\n    - { id: ops, hash: "${hashKey(key)}", roles: [user, admin] }`;

  /** Calls the gateway from the remote host; returns the status it saw. */
  const remote = (method: string, path: string, bearer?: string): number => {
    const headers = bearer ? `{ authorization: 'Bearer ${bearer}' }` : '{}';
    const out = host.node(`const r = await fetch('${url}${path}', { method: '${method}', headers: ${headers} }); process.stdout.write(String(r.status));`);
    return Number(out.trim());
  };

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    host = createRemoteHost();
    writeFileSync(configFile, config(withKey));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', configFile, '--host', host.localAddress], {
      cwd: process.cwd(),
      env: { ...process.env, AEGIS_RUNTIME_DIR: join(dir, 'run') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until(() => /"url":"http:\/\/10\.231\.[^"]+"/.test(output), 30_000, 'aegis listening');
    url = /"url":"(http:\/\/10\.231\.[^"]+)"/.exec(output)![1]!;
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    host?.remove();
    await up?.close();
  });

  it('serves the remote host with a key and refuses it without one', () => {
    expect(remote('GET', '/v1/models', key)).toBe(200);
    expect(remote('GET', '/v1/models')).toBe(401);
    expect(remote('GET', '/admin/ps')).toBe(401);
    expect(remote('POST', '/admin/models/m1/load')).toBe(401);
  });

  it('refuses a reload that would remove every key, keeping the previous config', async () => {
    const before = output.length;
    writeFileSync(configFile, config('[]'));
    await until(() => output.slice(before).includes('config reload rejected'), 10_000, 'the reload to be rejected');
    expect(output.slice(before)).toMatch(/no API keys.*beyond loopback/);
    expect(remote('GET', '/v1/models')).toBe(401);
    expect(remote('GET', '/admin/ps')).toBe(401);
    expect(remote('POST', '/admin/models/m1/load')).toBe(401);
    expect(remote('GET', '/v1/models', key)).toBe(200);
  });
});

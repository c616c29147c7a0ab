// Config and policy reloads while requests stream through: none fails, and none sees a half-applied
// config. Every config edit renames the upstream (so the runtime builds a new one and retires the
// old) and changes the policy data; every bundle edit swaps the policy wasm.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../src/cli/wiring';
import { loadConfigFile, type ConfigWatcher } from '../../src/config';
import { MemoryLogger } from '../../src/core';
import { GatewayRuntime } from '../../src/cli/runtime';
import { hashKey, type AuditEvent } from '../../src/gateway';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { testKey } from '../helpers/gateway';
import { until } from '../helpers/wait';
import { chatBody, dataEvents, headers } from './harness';

const shippedBundle = join(import.meta.dirname, '..', '..', 'policy', 'bundle');

/** The same policy with a custom section appended: valid wasm, a different sha, so a real reload. */
function bundleVariant(wasm: Buffer, n: number): { wasm: Buffer; manifest: string } {
  const name = Buffer.from('aegis-fault');
  const payload = Buffer.from(String(n));
  const body = Buffer.concat([Buffer.from([name.length]), name, payload]);
  const variant = Buffer.concat([wasm, Buffer.from([0, body.length]), body]);
  const manifest = JSON.parse(readFileSync(join(shippedBundle, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return { wasm: variant, manifest: JSON.stringify({ ...manifest, wasm_sha256: createHash('sha256').update(variant).digest('hex') }) };
}

describe('reloads under load', () => {
  let up: FakeUpstream | undefined;
  let runtime: GatewayRuntime | undefined;
  let watcher: ConfigWatcher | undefined;
  afterEach(async () => {
    watcher?.close();
    await runtime?.close(2_000);
    await up?.close();
    up = runtime = watcher = undefined;
  });

  it('fails no request while the config and the policy bundle are reloaded again and again', async () => {
    // Answers each request as it asked: a stream or a whole completion.
    up = await startFakeUpstream({ kind: 'script', script: () => ({ content: 'a few words' }) });
    const dir = mkdtempSync(join(tmpdir(), 'aegis-fault-reload-'));
    const bundle = join(dir, 'bundle');
    cpSync(shippedBundle, bundle, { recursive: true });
    const wasm = readFileSync(join(bundle, 'policy.wasm'));
    const file = join(dir, 'aegis.json');
    // Version n: the upstream is called `up<n>`, the `user` role's max_tokens cap is 4000 + n.
    const config = (n: number) =>
      JSON.stringify({
        auth: { keys: [{ id: 'test', name: 'test', hash: hashKey(testKey), roles: ['user'] }] },
        policy: { bundle, data: { roles: { user: { endpoints: ['chat'], model_groups: ['*'], max_tokens: 4_000 + n, quotas: {} } } } },
        rag: { enabled: false },
        scheduler: { enabled: false },
        upstreams: [{ name: `up${n}`, type: 'openai', url: up!.url, discover: false }],
        models: [{ name: 'fake', upstream: `up${n}` }],
      });
    writeFileSync(file, config(0));
    const audits: AuditEvent[] = [];
    const logger = new MemoryLogger();
    runtime = await GatewayRuntime.create(loadConfigFile(file), { logger, extend: extendRuntime({ logger, audit: (e) => void audits.push(e) }) });
    const { url } = await runtime.listen('127.0.0.1', 0);
    watcher = runtime.watchConfigFile(file, { debounceMs: 10 });

    const failures: string[] = [];
    const upstreamsSeen = new Set<string>();
    let sent = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const stream = sent++ % 2 === 0;
        const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody('fake', stream) });
        const text = await res.text();
        upstreamsSeen.add(res.headers.get('x-aegis-upstream') ?? '');
        if (res.status !== 200) failures.push(`${res.status} ${text}`);
        else if (stream && (dataEvents(text).at(-1) !== '[DONE]' || text.includes('"error"'))) failures.push(text);
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, client));

    const reloads = () => audits.filter((a) => a.outcome === 'ok');
    const configReloads = () => reloads().filter((a) => a.type === 'config.reload').length;
    const bundleReloads = () => reloads().filter((a) => a.type === 'policy.reload' && a.target === 'bundle').length;
    try {
      for (let n = 1; n <= 10; n++) {
        writeFileSync(file, config(n));
        const v = bundleVariant(wasm, n);
        writeFileSync(join(bundle, '.policy.wasm.tmp'), v.wasm);
        writeFileSync(join(bundle, '.manifest.json.tmp'), v.manifest);
        renameSync(join(bundle, '.policy.wasm.tmp'), join(bundle, 'policy.wasm'));
        renameSync(join(bundle, '.manifest.json.tmp'), join(bundle, 'manifest.json'));
        await until(() => configReloads() >= n && bundleReloads() >= n, 5_000, `config and policy reload ${n}`);
      }
    } finally {
      running = false;
      await load;
    }

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    expect(audits.filter((a) => a.outcome === 'error')).toEqual([]);
    expect(configReloads()).toBe(10);
    expect(bundleReloads()).toBe(10);
    // Requests were served by upstreams of several config versions, each whole: the upstream a
    // response names is always one a complete config version defined.
    expect(upstreamsSeen.size).toBeGreaterThan(3);
    for (const name of upstreamsSeen) expect(name).toMatch(/^up([0-9]|10)$/);
  });
});

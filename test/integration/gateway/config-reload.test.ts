// Hot reload: a good file is applied, a broken one keeps the gateway serving on the old config.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, type ConfigWatcher } from '../../../src/config';
import { MemoryLogger } from '../../../src/core';
import { GatewayRuntime } from '../../../src/cli/runtime';
import type { AuditEvent } from '../../../src/gateway';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';

const yaml = (url: string, model: string) =>
  `upstreams:\n  - name: fake\n    type: openai\n    url: ${url}\n    discover: false\nmodels:\n  - name: ${model}\n    upstream: fake\n`;

describe('config hot reload', () => {
  let up: FakeUpstream;
  let runtime: GatewayRuntime;
  let url: string;
  let watcher: ConfigWatcher;
  const audits: AuditEvent[] = [];
  const errors = () => audits.filter((a) => a.outcome === 'error').map((a) => String(a.details?.reason));
  const file = join(mkdtempSync(join(tmpdir(), 'aegis-cfg-')), 'aegis.yaml');

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    writeFileSync(file, yaml(up.url, 'alpha'));
    runtime = await GatewayRuntime.create(loadConfigFile(file), { logger: new MemoryLogger(), extend: () => ({ audit: (e) => audits.push(e) }) });
    url = (await runtime.listen('127.0.0.1', 0)).url;
    watcher = runtime.watchConfigFile(file, { debounceMs: 20 });
  });

  afterAll(async () => {
    watcher.close();
    await runtime.close(1_000);
    await up.close();
  });

  const models = async () => ((await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] }).data.map((m) => m.id);
  const chat = (model: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
    });

  it('applies a valid change', async () => {
    writeFileSync(file, yaml(up.url, 'beta'));
    expect(await watcher.reload()).toBe(true);
    expect(await models()).toEqual(['beta']);
    expect((await chat('beta')).status).toBe(200);
  });

  it('keeps serving the old config when the new file is broken, and says why with the key path', async () => {
    writeFileSync(file, yaml(up.url, 'beta').replace('type: openai', 'type: banana'));
    expect(await watcher.reload()).toBe(false);
    expect(errors().at(-1)).toMatch(/upstreams\[0\]\.type/);
    writeFileSync(file, 'upstreams: [');
    expect(await watcher.reload()).toBe(false);
    expect(await models()).toEqual(['beta']);
    expect((await chat('beta')).status).toBe(200);
  });

  it('audits every reload, accepted or rejected, with the reason', async () => {
    audits.length = 0;
    writeFileSync(file, yaml(up.url, 'gamma'));
    expect(await watcher.reload()).toBe(true);
    writeFileSync(file, yaml(up.url, 'gamma').replace('upstream: fake', 'upstream: nowhere'));
    expect(await watcher.reload()).toBe(false);
    expect(audits).toMatchObject([
      { type: 'config.reload', actor: 'operator', target: file, outcome: 'ok', details: { models: 1, upstreams: 1 } },
      {
        type: 'config.reload',
        actor: 'operator',
        target: file,
        outcome: 'error',
        details: { reason: expect.stringMatching(/models\[0\]\.upstream: unknown upstream "nowhere"/), path: 'models[0].upstream' },
      },
    ]);
    expect(await models()).toEqual(['gamma']);
  });
});

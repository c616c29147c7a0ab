// Stored responses live in the record store: a conversation continued with previous_response_id
// and GET /v1/responses/{id} still work after the gateway restarts on the same embedded database.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey } from '../../helpers/gateway';

describe('stored responses across a restart', () => {
  let up: FakeUpstream;
  const dir = mkdtempSync(join(tmpdir(), 'aegis-responses-'));
  const config = () => ({
    rag: { spool: { dir: join(dir, 'spool') }, embedded: { path: join(dir, 'aegis.db') } },
    upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
    models: [{ name: 'fake', upstream: 'fake' }],
  });
  const start = () => startGateway(config(), { extend: extendRuntime({ logger: new MemoryLogger(), cwd: dir }) });
  const auth = { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'stored answer' });
  });
  afterAll(async () => {
    await up.close();
  });

  it('finds a response stored before the restart and continues from it', async () => {
    const first = await start();
    const created = await fetch(`${first.url}/v1/responses`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'fake', input: 'remember me' }) });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    await first.close();

    const second = await start();
    try {
      const got = await fetch(`${second.url}/v1/responses/${id}`, { headers: auth });
      expect(got.status).toBe(200);
      expect(((await got.json()) as { id: string }).id).toBe(id);
      const items = await fetch(`${second.url}/v1/responses/${id}/input_items`, { headers: auth });
      expect(JSON.stringify(await items.json())).toContain('remember me');
      const next = await fetch(`${second.url}/v1/responses`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ model: 'fake', input: 'and now?', previous_response_id: id }),
      });
      expect(next.status).toBe(200);
      // The earlier turn reached the model again, from the store.
      expect(JSON.stringify(up.requests.at(-1))).toContain('remember me');
    } finally {
      await second.close();
    }
  });
});

// The agent doors go through the same stages as chat: the shipped policy (denials, the max_tokens
// cap, tools removed), quotas shared across doors, and recording into MongoDB with the API named.
// Each door answers in its own envelope.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { hashKey } from '../../../src/gateway';
import { agentScript } from '../../helpers/agent-world';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';

const keys = { user: 'aegis-user-key-000000000000000000', guest: 'aegis-guest-key-00000000000000000', batch: 'aegis-batch-key-00000000000000000' };
const tools = {
  responses: [{ type: 'function', name: 'run_shell', parameters: { type: 'object' } }],
  messages: [{ name: 'run_shell', input_schema: { type: 'object' } }],
};

function doors(url: string) {
  const post = (path: string, key: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    responses: (key: string, extra: Record<string, unknown> = {}) => post('/v1/responses', key, { model: 'fake', input: 'hello', ...extra }),
    messages: (key: string, extra: Record<string, unknown> = {}) =>
      post('/v1/messages', key, { model: 'fake', max_tokens: 100_000, messages: [{ role: 'user', content: 'hello' }], ...extra }),
  };
}

describe('policy on the agent doors', () => {
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'script', script: () => ({ content: 'ok' }) });
    gw = await startGateway(
      {
        auth: {
          keys: [
            { id: 'u1', hash: hashKey(keys.user), roles: ['user'] },
            { id: 'g1', hash: hashKey(keys.guest), roles: ['guest'] },
            { id: 'b1', hash: hashKey(keys.batch), roles: ['batch'] },
          ],
        },
        policy: {},
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('refuses a key the policy denies, each door in its own envelope, with the decision id', async () => {
    const d = doors(gw.url);
    const r = await d.responses(keys.guest);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-aegis-decision-id')).toBeTruthy();
    expect(await r.json()).toMatchObject({ error: { code: 'policy_denied', type: 'permission_error' } });
    const m = await d.messages(keys.guest);
    expect(m.status).toBe(403);
    expect(m.headers.get('x-aegis-decision-id')).toBeTruthy();
    expect(await m.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', decision_id: m.headers.get('x-aegis-decision-id') } });
    expect(up.requests).toHaveLength(0);
  });

  it('caps max_tokens to the role limit and tags every answer with the decision id', async () => {
    const d = doors(gw.url);
    const r = await d.responses(keys.user, { max_output_tokens: 100_000 });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-aegis-decision-id')).toBeTruthy();
    expect(up.requests.at(-1)!.max_tokens).toBe(4096);
    const m = await d.messages(keys.user, { stream: true });
    expect(m.status).toBe(200);
    expect(m.headers.get('x-aegis-decision-id')).toBeTruthy();
    expect(await m.text()).toContain('event: message_stop');
    expect(up.requests.at(-1)!.max_tokens).toBe(4096);
  });

  it('removes tools the role may not use, whichever door offered them', async () => {
    const d = doors(gw.url);
    expect((await d.responses(keys.batch, { tools: tools.responses })).status).toBe(200);
    expect(up.requests.at(-1)!.tools).toBeUndefined();
    expect((await d.messages(keys.batch, { tools: tools.messages })).status).toBe(200);
    expect(up.requests.at(-1)!.tools).toBeUndefined();
  });
});

describe('quotas across the agent doors', () => {
  const key = 'aegis-quota-key-0000000000000000';
  let up: FakeUpstream;
  let gw: TestGateway;
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'script', script: () => ({ content: 'ok' }) });
    gw = await startGateway(
      {
        auth: { keys: [{ id: 'q1', hash: hashKey(key), roles: ['limited'] }] },
        policy: { data: { roles: { limited: { endpoints: ['chat'], model_groups: ['general'], quotas: { requests_per_minute: 2 } } } } },
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { clock, extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('counts both doors against one quota and answers 429 with Retry-After in each envelope', async () => {
    const d = doors(gw.url);
    expect((await d.responses(key)).status).toBe(200);
    expect((await d.messages(key, { max_tokens: 10 })).status).toBe(200);
    clock.advance(10_000);
    const r = await d.responses(key);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('50');
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(await r.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', type: 'rate_limit_error' } });
    const m = await d.messages(key, { max_tokens: 10 });
    expect(m.status).toBe(429);
    expect(m.headers.get('retry-after')).toBe('50');
    expect(await m.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(up.requests).toHaveLength(2);
  });
});

const ferret = await world('ferretdb');

describe.skipIf(!ferret)('recording of the agent doors', () => {
  it('records each exchange with the API the client used, its translated messages and its answer', async () => {
    const database = `aegis_agents_${Date.now()}`;
    const up = await startFakeUpstream({ kind: 'script', script: agentScript() });
    const gw = await startGateway(
      {
        mongodb: { uri: ferret!.uri, database },
        rag: { spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-agents-spool-')) } },
        policy: {},
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
    const client = new MongoClient(ferret!.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const d = doors(gw.url);
      const r = await d.responses(testKey, { instructions: 'Be brief.', input: 'hello from responses', stream: true });
      await r.text();
      const m = await d.messages(testKey, { max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'hello from messages' }] });
      await m.json();
      const exchanges = client.db(database).collection('exchanges');
      const docs = await until(
        async () => {
          const found = await exchanges.find().toArray();
          return found.length === 2 ? found : undefined;
        },
        20_000,
        'two recorded exchanges',
      );
      const byApi = Object.fromEntries(docs.map((doc) => [String(doc.api), doc]));
      expect(byApi.responses).toMatchObject({
        route: 'chat',
        stream: true,
        status: 200,
        answer: 'Hello from the script.',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello from responses' },
        ],
        decisionId: r.headers.get('x-aegis-decision-id'),
      });
      expect(byApi.messages).toMatchObject({
        route: 'chat',
        stream: false,
        status: 200,
        answer: 'Hello from the script.',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello from messages' },
        ],
        decisionId: m.headers.get('x-aegis-decision-id'),
      });
    } finally {
      await client.close();
      await gw.close();
      await up.close();
    }
  });
});

// Policy at the HTTP surface: the shipped policies.rego through the gateway's request path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey, type AuditEvent } from '../../../src/gateway';
import { extendRuntime } from '../../../src/cli/wiring';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

const keys = { user: 'aegis-user-key-000000000000000000', guest: 'aegis-guest-key-00000000000000000', batch: 'aegis-batch-key-00000000000000000' };

describe('policy enforcement through the gateway', () => {
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
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

  const chat = (key: string, body: Record<string, unknown>) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hello' }], ...body }),
    });

  it('refuses a key without a role that grants the model: 403 with reasons and a decision id', async () => {
    const res = await chat(keys.guest, {});
    expect(res.status).toBe(403);
    const id = res.headers.get('x-aegis-decision-id');
    expect(id).toMatch(/[0-9a-f-]{36}/);
    const body = (await res.json()) as { error: { code: string; type: string; reasons: string[]; decision_id: string } };
    expect(body.error).toMatchObject({ code: 'policy_denied', type: 'permission_error', decision_id: id });
    expect(body.error.reasons.length).toBeGreaterThan(0);
    expect(up.requests).toHaveLength(0);
  });

  it('caps max_tokens to the role limit and tags the response with the decision id', async () => {
    const res = await chat(keys.user, { max_tokens: 100_000 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aegis-decision-id')).toBeTruthy();
    expect(up.requests.at(-1)!.max_tokens).toBe(4096);
    await chat(keys.user, {});
    expect(up.requests.at(-1)!.max_tokens).toBe(4096);
  });

  it('removes tools the role may not use (batch role: no tools)', async () => {
    const tools = [{ type: 'function', function: { name: 'run_shell', parameters: { type: 'object' } } }];
    const res = await chat(keys.batch, { tools, tool_choice: 'auto' });
    expect(res.status).toBe(200);
    expect(up.requests.at(-1)!.tools).toBeUndefined();
    expect(up.requests.at(-1)!.tool_choice).toBeUndefined();
    expect(up.requests.at(-1)!.max_tokens).toBe(8192);
  });

  it('denies a prompt that carries a private key', async () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----';
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: `store this ${pem}` }] }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { reasons: string[] } }).error.reasons.join(' ')).toMatch(/private key/i);
  });

  it('exports decision counters', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/aegis_policy_decisions_total\{result="deny"\} [1-9]/);
    expect(text).toMatch(/aegis_policy_decisions_total\{result="allow"\} [1-9]/);
  });
});

describe('quotas through the shipped policy', () => {
  const key = 'aegis-quota-key-0000000000000000';
  const audits: AuditEvent[] = [];
  let up: FakeUpstream;
  let gw: TestGateway;
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    gw = await startGateway(
      {
        auth: { keys: [{ id: 'q1', hash: hashKey(key), roles: ['limited'] }] },
        policy: {
          data: { roles: { limited: { endpoints: ['chat'], model_groups: ['general'], quotas: { requests_per_minute: 2, tokens_per_day: 1_000_000 } } } },
        },
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { clock, extend: extendRuntime({ logger: new MemoryLogger(), audit: (e) => audits.push(e) }) },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const chat = () =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hello' }] }),
    });

  it('answers 429 with Retry-After and x-ratelimit headers, and counts only admitted requests', async () => {
    expect((await chat()).status).toBe(200);
    clock.advance(15_000);
    expect((await chat()).status).toBe(200);
    for (let i = 0; i < 20; i++) {
      clock.advance(1_000);
      const res = await chat();
      expect(res.status).toBe(429);
      expect((await res.json()) as unknown).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      expect(Number(res.headers.get('retry-after'))).toBe(60 - 15 - (i + 1));
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    }
    // The first admission leaves the window at t = 60 s; refused attempts did not refill it.
    clock.advance(25_000);
    expect((await chat()).status).toBe(200);
    expect(up.requests).toHaveLength(3);
  });

  it('audits policy data reloads, accepted or rejected with the reason', async () => {
    const config = gw.runtime.currentConfig;
    const withData = (data: object) => ({ ...config, policy: { ...config.policy, data } });
    await gw.runtime.reload(withData({ roles: { limited: { endpoints: ['chat'], model_groups: ['general'], quotas: { requests_per_minute: 5 } } } }));
    // Straight to the runtime: the config schema would refuse this document before any reload.
    await gw.runtime.reload(withData({ roles: { limited: { endpoints: 'chat' } } }));
    expect(audits.filter((a) => a.type === 'policy.reload')).toMatchObject([
      { actor: 'operator', target: 'data', outcome: 'ok', details: { revision: expect.any(String) } },
      { actor: 'operator', target: 'data', outcome: 'error', details: { reason: expect.stringMatching(/endpoints/) } },
    ]);
  });
});

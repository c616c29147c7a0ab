// Policy at the HTTP surface: the shipped policies.rego through the gateway's request path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../../src/gateway';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
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

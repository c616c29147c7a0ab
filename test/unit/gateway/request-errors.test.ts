// Requests the gateway refuses before any upstream call, in process: quotas as rate limits, the
// wrong method, documents nested deep enough to overflow a recursive walk, malformed admin paths.
import { describe, expect, it } from 'vitest';
import { opaRequestPolicy } from '../../../src/gateway/policy-adapter';
import { UsageMeter } from '../../../src/gateway/usage-meter';
import { FakePolicyEngine } from '../../../src/policy';
import { fromAddress, inProcessApp } from '../../helpers/app';
import { emptySchedulerSnapshot } from './fixtures';

const local = fromAddress('127.0.0.1');
const chat = (body: unknown = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('quotas', () => {
  function withQuota(limit: number) {
    // The quota rule of policies.rego, on the facts the gateway hands in.
    const engine = new FakePolicyEngine((input) => {
      const used = input.usage?.requests_last_minute ?? 0;
      return {
        allow: used < limit,
        reasons: used < limit ? [] : [`quota exceeded: ${used} requests in the last minute, limit ${limit}`],
        obligations: { quotas: { requests_per_minute: limit, tokens_per_day: 1_000 } },
      };
    });
    return inProcessApp({ policy: (clock, audit) => opaRequestPolicy(engine, clock, new UsageMeter(clock), audit) });
  }

  it('answers 429 rate_limit_exceeded with Retry-After and the x-ratelimit headers', async () => {
    const { app, clock } = withQuota(2);
    expect((await app.request('/v1/chat/completions', chat(), local)).status).toBe(200);
    clock.advance(20_000);
    expect((await app.request('/v1/chat/completions', chat(), local)).status).toBe(200);
    clock.advance(10_000);
    const res = await app.request('/v1/chat/completions', chat(), local);
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // The first admission (t = 0) leaves the window at t = 60 s: 30 s from now.
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(res.headers.get('x-ratelimit-reset-requests')).toBe('30s');
    expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
  });

  it('does not count refused attempts, so a retrying client gets back in when the window moves', async () => {
    const { app, clock } = withQuota(2);
    await app.request('/v1/chat/completions', chat(), local);
    await app.request('/v1/chat/completions', chat(), local);
    for (let i = 0; i < 50; i++) {
      clock.advance(1_000);
      expect((await app.request('/v1/chat/completions', chat(), local)).status).toBe(429);
    }
    clock.advance(10_001);
    expect((await app.request('/v1/chat/completions', chat(), local)).status).toBe(200);
  });

  it('keeps other denials at 403 policy_denied', async () => {
    const harness = inProcessApp({
      policy: (clock) =>
        opaRequestPolicy(
          new FakePolicyEngine(() => ({ allow: false, reasons: ['model not allowed', 'quota exceeded: 5 requests in the last minute, limit 5'] })),
          clock,
          new UsageMeter(clock),
          undefined,
        ),
    });
    const res = await harness.app.request('/v1/chat/completions', chat(), local);
    expect(res.status).toBe(403);
    expect(res.headers.get('retry-after')).toBeNull();
  });
});

describe('the wrong method on a known path', () => {
  it('answers 405 method_not_allowed with Allow', async () => {
    const { app } = inProcessApp();
    const res = await app.request('/v1/chat/completions', {}, local);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const del = await app.request('/v1/models', { method: 'DELETE' }, local);
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    expect((await app.request('/v1/nothing-here', {}, local)).status).toBe(404);
  });
});

describe('deeply nested bodies', () => {
  it('answers 400 for 100k nested arrays and 50k nested objects, without calling the upstream', async () => {
    const { app, upstream } = inProcessApp();
    const arrays = `{"model":"m","messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const objects = `{"model":"m","messages":[{"role":"user","content":"x"}],"extra":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    for (const body of [arrays, objects]) {
      const res = await app.request('/v1/chat/completions', chat(body), local);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/deeper than 128 levels/);
    }
    expect(upstream.calls).toHaveLength(0);
  });

  it('still accepts a deep but reasonable tool schema', async () => {
    const { app } = inProcessApp();
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 30; i++) schema = { type: 'object', properties: { a: schema } };
    const res = await app.request(
      '/v1/chat/completions',
      chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: schema } }] }),
      local,
    );
    expect(res.status).toBe(200);
  });
});

describe('admin paths', () => {
  it('answers 400 to a model name that is not valid percent-encoding, not a 500', async () => {
    let loads = 0;
    const { app } = inProcessApp({
      admin: { ps: emptySchedulerSnapshot, load: async () => ({ loads: ++loads }), unload: async () => ({}) },
      options: { anonymous: { allowed: true, admin: true } },
    });
    for (const path of ['/admin/models/%/load', '/admin/models/m%zz/unload']) {
      const res = await app.request(path, { method: 'POST' }, local);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    expect(loads).toBe(0);
  });
});

// Who may reach the gateway: loopback-only anonymous access, admin only with a key or the operator
// token, Host and Origin checks against DNS rebinding and cross-site requests.
import { describe, expect, it } from 'vitest';
import { hashKey, KeyStore, operatorKeyStore } from '../../../src/gateway';
import { RATE_LIMIT_HEADERS } from '../../../src/gateway/quota-error';
import { fromAddress, inProcessApp } from '../../helpers/app';
import { schedulerSnapshot } from '../../helpers/scheduler-snapshot';

const chat = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
const post = (headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: chat });

describe('anonymous access (no keys configured)', () => {
  it('serves a loopback caller as the local user', async () => {
    const { app } = inProcessApp();
    const res = await app.request('/v1/chat/completions', post(), fromAddress('127.0.0.1'));
    expect(res.status).toBe(200);
    expect((await app.request('/v1/models', {}, fromAddress('::ffff:127.0.0.1'))).status).toBe(200);
  });

  it('refuses a caller from another address even though no keys are configured', async () => {
    const { app, upstream } = inProcessApp();
    const res = await app.request('/v1/chat/completions', post(), fromAddress('10.1.2.3'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    expect((await app.request('/admin/ps', {}, fromAddress('10.1.2.3'))).status).toBe(401);
    expect(upstream.calls).toHaveLength(0);
  });

  it('does not make the anonymous local user an admin', async () => {
    const { app } = inProcessApp({ admin: { ps: () => schedulerSnapshot(), load: async () => ({}), unload: async () => ({}) } });
    const res = await app.request('/admin/ps', {}, fromAddress('127.0.0.1'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
  });

  it('makes it an admin only when auth.anonymousAdmin says so', async () => {
    const { app } = inProcessApp({
      admin: { ps: () => schedulerSnapshot(), load: async () => ({}), unload: async () => ({}) },
      options: { anonymous: { allowed: true, admin: true } },
    });
    expect((await app.request('/admin/ps', {}, fromAddress('127.0.0.1'))).status).toBe(200);
  });

  it('ignores the placeholder key an SDK sends when no keys are configured', async () => {
    const { app } = inProcessApp();
    expect((await app.request('/v1/chat/completions', post({ authorization: 'Bearer none' }), fromAddress('127.0.0.1'))).status).toBe(200);
  });
});

describe('the operator token', () => {
  const admin = { ps: () => schedulerSnapshot(), load: async () => ({}), unload: async () => ({}) };

  it('grants admin to a loopback caller, with or without configured keys', async () => {
    const keyed = inProcessApp({
      admin,
      keys: new KeyStore([{ id: 'k', name: 'k', hash: hashKey('user-key'), roles: ['user'] }]),
      operator: operatorKeyStore('op-token'),
    });
    expect((await keyed.app.request('/admin/ps', { headers: { authorization: 'Bearer op-token' } }, fromAddress('127.0.0.1'))).status).toBe(200);
    expect((await keyed.app.request('/admin/ps', { headers: { authorization: 'Bearer user-key' } }, fromAddress('127.0.0.1'))).status).toBe(403);
    const keyless = inProcessApp({ admin, operator: operatorKeyStore('op-token') });
    expect((await keyless.app.request('/admin/ps', { headers: { authorization: 'Bearer op-token' } }, fromAddress('127.0.0.1'))).status).toBe(200);
  });

  it('is refused from any other address', async () => {
    const { app } = inProcessApp({
      admin,
      keys: new KeyStore([{ id: 'k', name: 'k', hash: hashKey('user-key'), roles: ['user'] }]),
      operator: operatorKeyStore('op-token'),
    });
    expect((await app.request('/admin/ps', { headers: { authorization: 'Bearer op-token' } }, fromAddress('192.168.1.9'))).status).toBe(401);
  });
});

describe('Host and Origin', () => {
  it('refuses a request addressed to a name that is not loopback (DNS rebinding)', async () => {
    const { app, upstream } = inProcessApp();
    const res = await app.request('http://attacker.example:4000/v1/models', {}, fromAddress('127.0.0.1'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/attacker\.example.*server\.allowedHosts/);
    expect((await app.request('http://attacker.example:4000/v1/chat/completions', post(), fromAddress('127.0.0.1'))).status).toBe(403);
    expect(upstream.calls).toHaveLength(0);
  });

  it('accepts loopback names and the configured hosts', async () => {
    const { app } = inProcessApp({ options: { allowedHosts: ['gateway.lan'] } });
    for (const url of [
      'http://localhost:4000/v1/models',
      'http://127.0.0.1:4000/v1/models',
      'http://[::1]:4000/v1/models',
      'http://gateway.lan:4000/v1/models',
    ]) {
      expect((await app.request(url, {}, fromAddress('127.0.0.1'))).status, url).toBe(200);
    }
  });

  it('refuses a web page of another origin, even a "simple" text/plain POST to an admin route', async () => {
    let loads = 0;
    const { app } = inProcessApp({
      admin: { ps: () => schedulerSnapshot(), load: async () => ({ loads: ++loads }), unload: async () => ({}) },
      options: { anonymous: { allowed: true, admin: true } },
    });
    const res = await app.request(
      '/admin/models/m/load',
      { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body: 'x' },
      fromAddress('127.0.0.1'),
    );
    expect(res.status).toBe(403);
    expect(loads).toBe(0);
    expect((await app.request('/v1/models', { headers: { origin: 'null' } }, fromAddress('127.0.0.1'))).status).toBe(403);
  });

  it("refuses another origin or host on /v1/messages in Anthropic's envelope, which its SDKs read", async () => {
    const { app } = inProcessApp();
    const body = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const refused: Record<string, string>[] = [{ origin: 'https://evil.example' }, { host: 'attacker.example' }];
    for (const headers of refused) {
      const res = await app.request(
        'http://127.0.0.1/v1/messages',
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
        fromAddress('127.0.0.1'),
      );
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', message: expect.any(String) } });
    }
  });

  it('lets a configured origin call, with CORS headers and preflight', async () => {
    const { app } = inProcessApp({ options: { allowedOrigins: ['https://app.example'] } });
    const res = await app.request('/v1/chat/completions', post({ origin: 'https://app.example' }), fromAddress('127.0.0.1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    // A browser client backs off from a quota denial only if it may read the headers it carries.
    const exposed = res.headers.get('access-control-expose-headers')!.split(', ');
    for (const h of ['retry-after', ...RATE_LIMIT_HEADERS]) expect(exposed, h).toContain(h);
    const pre = await app.request(
      '/v1/chat/completions',
      {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      },
      fromAddress('127.0.0.1'),
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
  });
});

describe('failed authentication', () => {
  it('is counted per source address and logged and audited once per window', async () => {
    const keys = new KeyStore([{ id: 'k', name: 'k', hash: hashKey('good'), roles: ['user'] }]);
    const { app, clock, logger, audit, deps } = inProcessApp({ keys });
    for (let i = 0; i < 5; i++) await app.request('/v1/models', { headers: { authorization: 'Bearer bad' } }, fromAddress('10.0.0.7'));
    await app.request('/v1/models', {}, fromAddress('10.0.0.8'));
    const logged = () => logger.lines.filter((l) => l.msg === 'request without a valid API key refused');
    expect(logged().map((l) => [l.address, l.failures])).toEqual([
      ['10.0.0.7', 1],
      ['10.0.0.8', 1],
    ]);
    clock.advance(61_000);
    await app.request('/v1/models', { headers: { authorization: 'Bearer bad' } }, fromAddress('10.0.0.7'));
    // The entry after the window stands for itself and the four held back.
    expect(logged().at(-1)).toMatchObject({ address: '10.0.0.7', failures: 5, reason: 'invalid_api_key' });
    expect(audit.filter((e) => e.type === 'auth.failure').map((e) => [e.actor, e.details?.failures])).toEqual([
      ['10.0.0.7', 1],
      ['10.0.0.8', 1],
      ['10.0.0.7', 5],
    ]);
    expect(logger.text()).not.toContain('bad"');
    expect(await deps.metrics.registry.getSingleMetricAsString('aegis_auth_failures_total')).toMatch(/reason="invalid_api_key"} 6/);
  });
});

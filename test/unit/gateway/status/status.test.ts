// GET /status and /status.json in process: the document joins the scheduler's snapshot with the
// catalog, health, recording and the metrics registry; the page is locked down by its CSP; access
// follows /admin when keys are configured, with Basic credentials for browsers.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/core';
import { hashKey, KeyStore, type StatusDocument } from '../../../../src/gateway';
import { fromAddress, inProcessApp, scriptedUpstream } from '../../../helpers/app';
import { modelSnapshot, schedulerSnapshot } from '../../../helpers/scheduler-snapshot';

const GiB = 2 ** 30;
const admin = (
  models = [
    modelSnapshot({ id: 'u/m', state: 'ready', inFlight: 1, queued: 2, footprint: { estimated: { ram: GiB }, counted: { ram: 2 * GiB }, source: 'measured' } }),
  ],
) => ({
  ps: () =>
    schedulerSnapshot({
      models,
      resources: [{ id: 'ram', totalBytes: 16 * GiB, budgetBytes: 8 * GiB, reserveBytes: GiB, limitBytes: 7 * GiB, usedBytes: 2 * GiB, freeBytes: 5 * GiB }],
      inFlight: 1,
      queued: 2,
    }),
  load: async () => ({}),
  unload: async () => ({}),
});
const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;
const keys = new KeyStore([
  { id: 'ops', name: 'ops', hash: hashKey('admin-key'), roles: ['admin'] },
  { id: 'user', name: 'user', hash: hashKey('user-key'), roles: ['user'] },
]);

describe('/status.json', () => {
  it('shows each model under its public names with memory, slots, queue and counts', async () => {
    const upstream = scriptedUpstream();
    const { app } = inProcessApp({
      upstream,
      admin: admin(),
      health: async () => ({ u: true }),
      recording: () => ({ mode: 'spooling', storeUp: false, queueDepth: 3, spoolBytes: 4096, spoolSegments: 1, spoolOldestAt: Date.UTC(2026, 0, 1, 11, 59) }),
    });
    upstream.script = { kind: 'fail', error: new GatewayError('upstream_unavailable', 'Upstream "u" is unreachable (ECONNREFUSED).') };
    await app.request(
      '/v1/chat/completions',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) },
      fromAddress('127.0.0.1'),
    );
    const res = await app.request('/status.json', {}, fromAddress('127.0.0.1'));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as StatusDocument;
    expect(doc.models).toEqual([
      expect.objectContaining({
        names: ['m'],
        id: 'u/m',
        upstream: 'u',
        state: 'ready',
        inFlight: 1,
        queued: 2,
        memory: { ram: 2 * GiB },
        requests: 1,
        errors: 1,
      }),
    ]);
    expect(doc.scheduler.resources[0]).toMatchObject({ id: 'ram', limitBytes: 7 * GiB, usedBytes: 2 * GiB });
    expect(doc.upstreams).toEqual([{ name: 'u', kind: 'openai', up: true }]);
    expect(doc.recording).toMatchObject({ mode: 'spooling', storeUp: false, spoolBytes: 4096, spoolOldestAgeSeconds: 60 });
    expect(doc.recentErrors).toEqual([expect.objectContaining({ model: 'm', status: 502, code: 'upstream_unavailable' })]);
  });

  it('lists the catalog as unmanaged models when no scheduler runs', async () => {
    const { app } = inProcessApp();
    const doc = (await (await app.request('/status.json', {}, fromAddress('127.0.0.1'))).json()) as StatusDocument;
    expect(doc.scheduler.enabled).toBe(false);
    expect(doc.models).toEqual([expect.objectContaining({ names: ['m'], state: 'unmanaged' })]);
    expect(doc.recording).toBeNull();
  });
});

describe('access to the status page', () => {
  it('asks a browser for credentials, takes the key as Basic password, and wants the admin role', async () => {
    const { app } = inProcessApp({ admin: admin(), keys });
    const anonymous = await app.request('/status', {}, fromAddress('127.0.0.1'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="Aegis status"/);
    expect((await app.request('/status', { headers: { authorization: basic('user-key') } }, fromAddress('127.0.0.1'))).status).toBe(403);
    expect((await app.request('/status.json', { headers: { authorization: basic('admin-key') } }, fromAddress('10.0.0.7'))).status).toBe(200);
    expect((await app.request('/status.json', { headers: { authorization: 'Bearer admin-key' } }, fromAddress('10.0.0.7'))).status).toBe(200);
    // Basic credentials are for the status page only.
    expect((await app.request('/admin/ps', { headers: { authorization: basic('admin-key') } }, fromAddress('127.0.0.1'))).status).toBe(401);
  });

  it('lets loopback callers look when no keys are configured, and nobody else', async () => {
    const { app } = inProcessApp({ admin: admin() });
    expect((await app.request('/status.json', {}, fromAddress('127.0.0.1'))).status).toBe(200);
    expect((await app.request('/status.json', {}, fromAddress('192.168.1.9'))).status).toBe(401);
  });

  it('serves the page with a CSP that admits exactly its own inline script and style', async () => {
    const { app } = inProcessApp();
    const res = await app.request('/status', {}, fromAddress('127.0.0.1'));
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    // Zero cloud: nothing on the page is fetched from elsewhere.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
});

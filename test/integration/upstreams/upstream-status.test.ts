// What a client sees over HTTP when the upstream answers with an error status: the upstream's own
// Retry-After on saturation, and a gateway-side 502 when the upstream refuses Aegis' credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';

interface Envelope {
  error: { message: string; type: string; param: string | null; code: string };
}

describe('upstream error statuses through the gateway', () => {
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    gw = await startGateway({
      upstreams: [{ name: 'fake', type: 'openai', url: up.url, apiKey: 'sk-upstream-key-not-for-clients', discover: false }],
      models: [{ name: 'fake', upstream: 'fake' }],
    });
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  async function chat(): Promise<{ res: Response; body: Envelope }> {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { res, body: (await res.json()) as Envelope };
  }

  it("passes the upstream's Retry-After through on 429 and 503", async () => {
    up.behaviour = { kind: 'status', status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '17' } };
    const limited = await chat();
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get('retry-after')).toBe('17');
    expect(limited.body.error.code).toBe('rate_limited');
    up.behaviour = { kind: 'status', status: 503, body: { error: 'loading model' }, headers: { 'retry-after': '42' } };
    const loading = await chat();
    expect(loading.res.status).toBe(503);
    expect(loading.res.headers.get('retry-after')).toBe('42');
  });

  it('answers an upstream 401 or 403 with 502 upstream_auth_failed, not a client error', async () => {
    for (const status of [401, 403]) {
      up.behaviour = { kind: 'status', status, body: { error: { message: 'Incorrect API key provided: sk-ups***ents' } } };
      const { res, body } = await chat();
      expect(res.status).toBe(502);
      expect(body.error.code).toBe('upstream_auth_failed');
      expect(body.error.type).toBe('server_error');
      expect(body.error.message).toContain('apiKey');
      // The upstream's message may quote the key Aegis sent; clients must not see it.
      expect(body.error.message).not.toContain('sk-ups');
    }
  });
});

// Every error status of the OpenAI surface, each with the one envelope, and keys that never
// reach the logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';

interface Envelope {
  error: { message: string; type: string; param: string | null; code: string };
}

describe('error envelope and statuses', () => {
  let up: FakeUpstream;
  let hang: FakeUpstream;
  let gw: TestGateway;
  const auth = { authorization: `Bearer ${testKey}` };
  const json = { ...auth, 'content-type': 'application/json' };

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    hang = await startFakeUpstream({ kind: 'hang' });
    gw = await startGateway({
      server: { bodyLimitBytes: 4096 },
      upstreams: [
        { name: 'fake', type: 'openai', url: up.url, discover: false },
        { name: 'slow', type: 'openai', url: hang.url, discover: false, timeouts: { headersMs: 300 } },
        { name: 'down', type: 'openai', url: 'http://127.0.0.1:9', discover: false },
      ],
      models: [
        { name: 'fake', upstream: 'fake' },
        { name: 'slow', upstream: 'slow' },
        { name: 'down', upstream: 'down' },
        { name: 'no-embed', upstream: 'fake', capabilities: { embeddings: false } },
      ],
    });
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
    await hang.close();
  });

  async function post(path: string, body: string, headers: Record<string, string> = json) {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
    return { res, body: (await res.json()) as Envelope };
  }

  function expectEnvelope(body: Envelope, code: string, type: string) {
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.code).toBe(code);
    expect(body.error.type).toBe(type);
    expect(body.error.message.length).toBeGreaterThan(0);
  }

  const chat = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('answers a valid request', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: json, body: chat('fake') });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-aegis-model')).toMatch(/^fake@/);
    expect(((await res.json()) as { model: string }).model).toBe('fake');
  });

  it('400 for a body that is not JSON', async () => {
    const { res, body } = await post('/v1/chat/completions', '{"model": ');
    expect(res.status).toBe(400);
    expectEnvelope(body, 'invalid_json', 'invalid_request_error');
  });

  it('400 with the param for a field of the wrong type', async () => {
    const { res, body } = await post('/v1/chat/completions', chat('fake', { temperature: 'hot' }));
    expect(res.status).toBe(400);
    expectEnvelope(body, 'invalid_request', 'invalid_request_error');
    expect(body.error.param).toBe('temperature');
  });

  it('400 for a message with an unknown role', async () => {
    const { res, body } = await post('/v1/chat/completions', JSON.stringify({ model: 'fake', messages: [{ role: 'robot', content: 'x' }] }));
    expect(res.status).toBe(400);
    expect(body.error.param).toBe('messages[0].role');
  });

  it('400 when the model lacks the capability', async () => {
    const { res, body } = await post('/v1/embeddings', JSON.stringify({ model: 'no-embed', input: 'x' }));
    expect(res.status).toBe(400);
    expectEnvelope(body, 'capability_not_supported', 'invalid_request_error');
  });

  it('401 without a key and with a wrong key', async () => {
    const missing = await post('/v1/chat/completions', chat('fake'), { 'content-type': 'application/json' });
    expect(missing.res.status).toBe(401);
    expectEnvelope(missing.body, 'missing_api_key', 'authentication_error');
    const wrong = await post('/v1/chat/completions', chat('fake'), { authorization: 'Bearer sk-wrong-secret-value-123', 'content-type': 'application/json' });
    expect(wrong.res.status).toBe(401);
    expectEnvelope(wrong.body, 'invalid_api_key', 'authentication_error');
    const logs = gw.logger.text();
    // One line per address and minute: the wrong key right after counts into the next one.
    expect(logs).toMatch(/"address":"127\.0\.0\.1".*"reason":"missing_api_key".*request without a valid API key refused/);
    expect(logs).not.toContain('sk-wrong-secret-value-123');
    expect(logs).not.toContain(testKey);
  });

  it('404 for an unknown model and an unknown path', async () => {
    const { res, body } = await post('/v1/chat/completions', chat('nope'));
    expect(res.status).toBe(404);
    expectEnvelope(body, 'model_not_found', 'not_found_error');
    expect(body.error.param).toBe('model');
    const path = await fetch(`${gw.url}/v1/nothing`, { headers: auth });
    expect(path.status).toBe(404);
    expectEnvelope((await path.json()) as Envelope, 'not_found', 'not_found_error');
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const big = chat('fake', { padding: 'x'.repeat(10_000) });
    const { res, body } = await post('/v1/chat/completions', big);
    expect(res.status).toBe(413);
    expectEnvelope(body, 'body_too_large', 'invalid_request_error');
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: json, body: chunked, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('415 for a body that is not application/json', async () => {
    const { res, body } = await post('/v1/chat/completions', chat('fake'), { ...auth, 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expectEnvelope(body, 'unsupported_media_type', 'invalid_request_error');
  });

  it('429 and 503 from a saturated upstream keep Retry-After', async () => {
    up.behaviour = { kind: 'status', status: 429, body: { error: { message: 'busy' } } };
    const busy = await post('/v1/chat/completions', chat('fake'));
    expect(busy.res.status).toBe(429);
    expect(busy.res.headers.get('retry-after')).toBe('1');
    expectEnvelope(busy.body, 'rate_limited', 'rate_limit_error');
    up.behaviour = { kind: 'status', status: 503, body: { error: 'server busy, please try again.  maximum pending requests exceeded' } };
    const full = await post('/v1/chat/completions', chat('fake'));
    expect(full.res.status).toBe(503);
    expect(full.res.headers.get('retry-after')).toBeTruthy();
    expect(full.body.error.message).toContain('maximum pending requests');
    up.behaviour = { kind: 'json', content: 'ok' };
  });

  it('400 context_length_exceeded from an upstream that says so', async () => {
    up.behaviour = {
      kind: 'status',
      status: 400,
      body: { error: { message: 'request (9000 tokens) exceeds the available context size (2048 tokens), try increasing it' } },
    };
    const { res, body } = await post('/v1/chat/completions', chat('fake'));
    expect(res.status).toBe(400);
    expect(body.error.code).toBe('context_length_exceeded');
    up.behaviour = { kind: 'json', content: 'ok' };
  });

  it('502 when the upstream is unreachable and on an upstream 500', async () => {
    const down = await post('/v1/chat/completions', chat('down'));
    expect(down.res.status).toBe(502);
    expectEnvelope(down.body, 'upstream_unavailable', 'server_error');
    up.behaviour = { kind: 'status', status: 500, body: { detail: 'boom' } };
    const failed = await post('/v1/chat/completions', chat('fake'));
    expect(failed.res.status).toBe(502);
    expect(failed.body.error.message).toContain('boom');
    up.behaviour = { kind: 'json', content: 'ok' };
  });

  it('504 when the upstream does not answer in time', async () => {
    const { res, body } = await post('/v1/chat/completions', chat('slow'));
    expect(res.status).toBe(504);
    expectEnvelope(body, 'upstream_timeout', 'server_error');
  });
});

// What an OpenAI-compatible upstream receives for OpenAI's newer message shapes: the safe shapes by
// default, the client's own with `messages: keep`, and nothing at all for images to a text model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';

const messages = [
  { role: 'developer', content: 'Be terse.' },
  { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Say' },
      { type: 'text', text: 'hi.' },
    ],
  },
];
const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };

describe('message shapes sent to an OpenAI-compatible upstream', () => {
  let safe: FakeUpstream;
  let keeps: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    safe = await startFakeUpstream({ kind: 'json', content: 'ok' });
    keeps = await startFakeUpstream({ kind: 'json', content: 'ok' });
    gw = await startGateway({
      upstreams: [
        { name: 'safe', type: 'openai', url: safe.url, discover: false },
        { name: 'keeps', type: 'openai', url: keeps.url, discover: false, messages: { developerRole: 'keep', textParts: 'keep' } },
      ],
      models: [
        { name: 'text-model', upstream: 'safe' },
        { name: 'vision-model', upstream: 'safe', capabilities: { vision: true } },
        { name: 'keeps-model', upstream: 'keeps' },
      ],
    });
  });

  afterAll(async () => {
    await gw.close();
    await safe.close();
    await keeps.close();
  });

  function chat(body: Record<string, unknown>): Promise<Response> {
    return fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('sends developer as system and text-part arrays as one string by default', async () => {
    const res = await chat({ model: 'text-model', messages });
    expect(res.status).toBe(200);
    expect(safe.requests.at(-1)?.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Say\nhi.' },
    ]);
  });

  it("passes the client's shapes through to an upstream configured to keep them", async () => {
    const res = await chat({ model: 'keeps-model', messages });
    expect(res.status).toBe(200);
    expect(keeps.requests.at(-1)?.messages).toEqual(messages);
  });

  it('keeps image parts for a model with vision', async () => {
    const withImage = [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, image] }];
    const res = await chat({ model: 'vision-model', messages: withImage });
    expect(res.status).toBe(200);
    expect(safe.requests.at(-1)?.messages).toEqual(withImage);
  });

  it('refuses image parts for a model without vision before calling the upstream', async () => {
    const before = safe.requests.length;
    const res = await chat({ model: 'text-model', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, image] }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; type: string; param: string | null; message: string } };
    expect(body.error).toMatchObject({ code: 'capability_not_supported', type: 'invalid_request_error', param: 'messages' });
    expect(body.error.message).toContain('text-model');
    expect(safe.requests.length).toBe(before);
  });
});

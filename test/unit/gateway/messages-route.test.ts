import { describe, expect, it } from 'vitest';
import { isFunctionTool, type ExchangeFinished } from '../../../src/core';
import { KeyStore, hashKey } from '../../../src/gateway';
import { inProcessApp } from '../../helpers/app';
import { scriptUpstream, type Script } from '../../helpers/chat-script';
import { parseSse, typesOf } from '../../helpers/sse';
import { modelEntry } from './fixtures';

function setup(script: Script = () => ({ content: 'Hello there.' }), over: Parameters<typeof inProcessApp>[0] = {}) {
  const upstream = scriptUpstream(script);
  const finished: ExchangeFinished[] = [];
  // A model with native tools: these tests check the translation, so tools reach the upstream as sent.
  const native = modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools: 'native', vision: false } });
  const harness = inProcessApp({ upstream, models: [native], sinks: [{ exchangeFinished: (e) => void finished.push(e) }], ...over });
  const post = (body: unknown, headers: Record<string, string> = {}, path = '/v1/messages') =>
    harness.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify(body),
    });
  return { ...harness, upstream, finished, post };
}

const weatherTool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

describe('POST /v1/messages', () => {
  it('answers a whole request as an Anthropic message and records the API used', async () => {
    const { post, finished, upstream } = setup();
    const res = await post({ model: 'm', max_tokens: 100, system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'text', text: 'Hello there.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 7 },
    });
    expect(String(body.id)).toMatch(/^msg_/);
    expect(upstream.calls[0]).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 100,
    });
    expect(finished.map((e) => [e.route, e.api, e.status])).toEqual([['chat', 'messages', 200]]);
  });

  it('streams a tool call as Anthropic events, the input split into input_json_delta', async () => {
    const { post } = setup(() => ({ content: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'toolu_1' }] }));
    const res = await post({ model: 'm', max_tokens: 100, stream: true, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] });
    const events = parseSse(await res.text());
    expect(events.every((e) => e.event === e.data.type)).toBe(true);
    expect(typesOf(events)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[7]!.data).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
    });
    const json = events
      .filter((e) => (e.data.delta as { type?: string } | undefined)?.type === 'input_json_delta')
      .map((e) => (e.data.delta as { partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ city: 'Paris' });
    expect(events.at(-2)!.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7, input_tokens: 11 } });
  });

  it('ends a failed stream with an error event in Anthropic terms', async () => {
    const upstream = scriptUpstream(() => ({ content: 'partial answer' }), { failAfter: 2 });
    const { post } = setup(undefined, { upstream });
    const res = await post({ model: 'm', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const events = parseSse(await res.text());
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', error: { type: 'api_error' } } });
    expect(typesOf(events)).not.toContain('message_stop');
  });

  it('renders every failure in Anthropic envelope and status, authentication included', async () => {
    const keys = new KeyStore([{ id: 'k', name: 'k', hash: hashKey('sk-ant-right-0123456789'), roles: ['user'] }]);
    const { post } = setup(undefined, { keys });
    const body = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] };
    const denied = await post(body, { 'x-api-key': 'sk-ant-wrong' });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, request_id: expect.any(String) });
    const ok = await post(body, { 'x-api-key': 'sk-ant-right-0123456789' });
    expect(ok.status).toBe(200);
    const noMax = await post({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, { 'x-api-key': 'sk-ant-right-0123456789' });
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
    const unknown = await post({ ...body, model: 'nope' }, { 'x-api-key': 'sk-ant-right-0123456789' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    // Other paths keep OpenAI's envelope.
    const chat = await post({ model: 'm', messages: [] }, { 'x-api-key': 'sk-ant-right-0123456789' }, '/v1/chat/completions');
    expect(await chat.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('clamps max_tokens beyond the model context and says so', async () => {
    const { post, upstream } = setup(undefined, { models: [modelEntry({ contextLength: 2048 })] });
    const res = await post({ model: 'm', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aegis-max-tokens-clamped')).toContain('32000 to 2048');
    expect(upstream.calls[0]!.max_tokens).toBe(2048);
  });

  it('drops Anthropic-typed tools and names them', async () => {
    const { post, upstream } = setup();
    const res = await post({
      model: 'm',
      max_tokens: 10,
      tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(res.headers.get('x-aegis-dropped-tools')).toBe('web_search_20250305:web_search');
    expect((upstream.calls[0]!.tools ?? []).filter(isFunctionTool).map((t) => t.function.name)).toEqual(['get_weather']);
  });
});

describe('POST /v1/messages/count_tokens', () => {
  it('estimates the prompt, tools included, for a known model', async () => {
    const { post } = setup();
    const small = await post({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, {}, '/v1/messages/count_tokens');
    const withTools = await post({ model: 'm', tools: [weatherTool], messages: [{ role: 'user', content: 'Hi' }] }, {}, '/v1/messages/count_tokens');
    const a = (await small.json()) as { input_tokens: number };
    const b = (await withTools.json()) as { input_tokens: number };
    expect(a.input_tokens).toBeGreaterThan(0);
    expect(b.input_tokens).toBeGreaterThan(a.input_tokens);
    const unknown = await post({ model: 'nope', messages: [{ role: 'user', content: 'Hi' }] }, {}, '/v1/messages/count_tokens');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

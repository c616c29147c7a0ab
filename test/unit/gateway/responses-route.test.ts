import { describe, expect, it } from 'vitest';
import { isFunctionTool, type ExchangeFinished } from '../../../src/core';
import { KeyStore, hashKey } from '../../../src/gateway';
import { inProcessApp } from '../../helpers/app';
import { scriptUpstream, type Script } from '../../helpers/chat-script';
import { parseSse, typesOf } from '../../helpers/sse';
import { modelEntry } from './fixtures';

const hello: Script = () => ({ content: 'Hello there.' });

function setup(script: Script = hello, over: Parameters<typeof inProcessApp>[0] = {}) {
  const upstream = scriptUpstream(script);
  const finished: ExchangeFinished[] = [];
  // A model with native tools: these tests check the translation, so tools reach the upstream as sent.
  const native = modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools: 'native', vision: false } });
  const harness = inProcessApp({ upstream, models: [native], sinks: [{ exchangeFinished: (e) => void finished.push(e) }], ...over });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    harness.app.request('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { ...harness, upstream, finished, post };
}

describe('POST /v1/responses', () => {
  it('answers a whole request with a Response object and records the API used', async () => {
    const { post, finished, upstream } = setup();
    const res = await post({ model: 'm', input: 'Hi', instructions: 'Be brief.', max_output_tokens: 50, metadata: { k: 'v' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'm',
      instructions: 'Be brief.',
      max_output_tokens: 50,
      metadata: { k: 'v' },
      store: true,
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello there.', annotations: [] }] }],
      usage: { input_tokens: 11, output_tokens: 7, total_tokens: 18, input_tokens_details: { cached_tokens: 0 } },
    });
    expect(String(body.id)).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(upstream.calls[0]).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      ],
      max_tokens: 50,
    });
    expect(finished.map((e) => [e.route, e.api, e.status, e.answer])).toEqual([['chat', 'responses', 200, 'Hello there.']]);
  });

  it('streams the documented events, each numbered, ending in response.completed without [DONE]', async () => {
    const { post } = setup(() => ({ content: 'Hello there.', pieces: 3 }));
    const res = await post({ model: 'm', input: 'Hi', stream: true });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await res.text());
    expect(typesOf(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.every((e) => e.event === e.data.type)).toBe(true);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1)!.data.response as { status: string; output: unknown[]; usage: { output_tokens: number } };
    expect(completed.status).toBe('completed');
    expect(completed.usage.output_tokens).toBe(7);
    expect(events[7]!.data.text).toBe('Hello there.');
  });

  it('opens the stream with response.created before the model’s first token', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base = scriptUpstream(hello);
    const upstream = {
      ...base,
      async chat(...args: Parameters<typeof base.chat>) {
        const out = await base.chat(...args);
        if (out.kind !== 'stream') return out;
        const chunks = out.chunks;
        return {
          kind: 'stream' as const,
          chunks: (async function* () {
            await gate;
            yield* chunks;
          })(),
        };
      },
    };
    const { post } = setup(undefined, { upstream });
    const res = await post({ model: 'm', input: 'Hi', stream: true });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(typesOf(parseSse(first))).toEqual(['response.created', 'response.in_progress']);
    release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(typesOf(parseSse(rest)).at(-1)).toBe('response.completed');
    expect(typesOf(parseSse(rest))).not.toContain('response.created');
  });

  it('ends a stream whose upstream died with response.failed, keeping what was produced', async () => {
    const upstream = scriptUpstream(() => ({ content: 'partial answer', pieces: 2 }), { failAfter: 2 });
    const { post, finished } = setup(undefined, { upstream });
    const res = await post({ model: 'm', input: 'Hi', stream: true });
    const events = parseSse(await res.text());
    const last = events.at(-1)!.data as { type: string; response: { status: string; error: { code: string }; output: { type: string }[] } };
    expect(last.type).toBe('response.failed');
    expect(last.response.status).toBe('failed');
    expect(last.response.error.code).toBe('server_error');
    expect(last.response.output.map((o) => o.type)).toEqual(['message']);
    expect(typesOf(events)).toContain('response.output_item.done');
    expect(finished.map((e) => [e.api, e.status, e.errorCode])).toEqual([['responses', 502, 'upstream_error']]);
  });

  it('names dropped hosted tools in x-aegis-dropped-tools and offers the rest as functions', async () => {
    const { post, upstream } = setup();
    const res = await post({
      model: 'm',
      input: 'Hi',
      tools: [
        { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
        { type: 'web_search', external_web_access: true },
        { type: 'file_search', vector_store_ids: ['vs_1'] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aegis-dropped-tools')).toBe('web_search, file_search');
    expect((upstream.calls[0]!.tools ?? []).filter(isFunctionTool).map((t) => t.function.name)).toEqual(['exec_command']);
  });

  it('clamps max_output_tokens to the model context and says so', async () => {
    const { post, upstream } = setup(hello, { models: [modelEntry({ contextLength: 2048 })] });
    const res = await post({ model: 'm', input: 'Hi', max_output_tokens: 32_000 });
    expect(res.headers.get('x-aegis-max-tokens-clamped')).toBe("32000 to 2048 (the model's context length)");
    expect(upstream.calls[0]!.max_tokens).toBe(2048);
  });

  it('refuses bad input in the OpenAI envelope with the field named, never a 500', async () => {
    const { post } = setup();
    const res = await post({ model: 'm', input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_id: 'f1' }] }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'input[0].content[0].type' } });
    const missing = await post({ model: 'm' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { param: 'input' } });
    const unknown = await post({ model: 'nope', input: 'Hi' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found' } });
  });
});

describe('stored responses', () => {
  const keys = new KeyStore([
    { id: 'alice', name: 'alice', hash: hashKey('key-alice-0123456789'), roles: ['user'] },
    { id: 'bob', name: 'bob', hash: hashKey('key-bob-0123456789ab'), roles: ['user'] },
  ]);
  const alice = { authorization: 'Bearer key-alice-0123456789' };
  const bob = { authorization: 'Bearer key-bob-0123456789ab' };

  it('continues a conversation from previous_response_id on the stored history', async () => {
    let turn = 0;
    const { post, upstream } = setup(
      () => (turn++ === 0 ? { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'call_w' }] } : { content: 'Sunny.' }),
      {
        keys,
      },
    );
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const first = (await (await post({ model: 'm', input: 'Weather in Paris?', tools }, alice)).json()) as {
      id: string;
      output: { type: string; call_id: string }[];
    };
    expect(first.output).toMatchObject([{ type: 'function_call', name: 'get_weather', call_id: 'call_w', arguments: '{"city":"Paris"}' }]);
    const second = await post(
      { model: 'm', previous_response_id: first.id, tools, input: [{ type: 'function_call_output', call_id: 'call_w', output: 'sunny, 21 C' }] },
      alice,
    );
    expect(second.status).toBe(200);
    expect(upstream.calls[1]!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w', content: 'sunny, 21 C' },
    ]);
    const other = await post({ model: 'm', previous_response_id: first.id, input: 'Hi' }, bob);
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: { code: 'previous_response_not_found', param: 'previous_response_id' } });
  });

  it('serves GET, input_items and DELETE to the key that created the response only', async () => {
    const { app, post } = setup(hello, { keys });
    const created = (await (
      await post(
        {
          model: 'm',
          input: [
            { role: 'user', content: 'one' },
            { role: 'user', content: 'two' },
          ],
        },
        alice,
      )
    ).json()) as {
      id: string;
    };
    const get = (path: string, headers: Record<string, string>, method = 'GET') => app.request(path, { method, headers });
    const got = await get(`/v1/responses/${created.id}`, alice);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: created.id, status: 'completed' });
    expect((await get(`/v1/responses/${created.id}`, bob)).status).toBe(404);

    const items = (await (await get(`/v1/responses/${created.id}/input_items?order=asc&limit=1`, alice)).json()) as {
      data: { id: string }[];
      has_more: boolean;
      first_id: string;
    };
    expect(items).toMatchObject({ object: 'list', has_more: true, data: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'one' }] }] });
    type Page = { data: { content: { text: string }[] }[] };
    const texts = async (query: string) =>
      ((await (await get(`/v1/responses/${created.id}/input_items${query}`, alice)).json()) as Page).data.map((d) => d.content[0]!.text);
    expect(await texts(`?order=asc&after=${items.first_id}`)).toEqual(['two']);
    expect(await texts('')).toEqual(['two', 'one']);
    expect((await get(`/v1/responses/${created.id}/input_items?limit=500`, alice)).status).toBe(400);

    expect((await get(`/v1/responses/${created.id}`, bob, 'DELETE')).status).toBe(404);
    const deleted = await get(`/v1/responses/${created.id}`, alice, 'DELETE');
    expect(await deleted.json()).toEqual({ id: created.id, object: 'response', deleted: true });
    const gone = await get(`/v1/responses/${created.id}`, alice);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { type: 'not_found_error', message: `Response with id '${created.id}' not found.` } });
  });

  it('keeps nothing for store: false', async () => {
    const { app, post } = setup();
    const created = (await (await post({ model: 'm', input: 'Hi', store: false })).json()) as { id: string; store: boolean };
    expect(created.store).toBe(false);
    expect((await app.request(`/v1/responses/${created.id}`)).status).toBe(404);
  });
});

describe('GET /v1/models', () => {
  it('says which front doors can use each model', async () => {
    const { app } = inProcessApp({
      models: [modelEntry(), modelEntry({ name: 'e', capabilities: { chat: false, completion: false, embeddings: true, tools: 'none', vision: false } })],
    });
    const list = (await (await app.request('/v1/models')).json()) as { data: { id: string; aegis: { endpoints: string[] } }[] };
    expect(Object.fromEntries(list.data.map((m) => [m.id, m.aegis.endpoints]))).toEqual({
      m: ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/completions'],
      e: ['/v1/embeddings'],
    });
  });
});

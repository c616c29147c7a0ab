// Tool calls through the whole pipeline in process: what the upstream is sent for each mode, and
// what the client gets back, whole and streamed, from recorded raw model outputs.
import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatCompletion, ChatRequest, ExchangeFinished, ToolCall } from '../../../src/core';
import { defaultToolsConfig, type ToolsConfig } from '../../../src/tools';
import type { Upstream } from '../../../src/upstreams';
import { fromAddress, inProcessApp } from '../../helpers/app';
import { tools, weather } from '../tools/fixtures';
import { modelEntry } from './fixtures';

const local = fromAddress('127.0.0.1');
const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ask = (over: Record<string, unknown> = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, ...over });

type Script = (
  request: ChatRequest,
  call: number,
) => { content?: string | string[]; message?: Partial<ChatCompletion['choices'][number]['message']>; finish?: string };

/** An upstream that answers each call from `script`: whole, or streamed in the given pieces. */
function rawUpstream(script: Script, tooling?: Upstream['tooling']): Upstream & { calls: ChatRequest[] } {
  const calls: ChatRequest[] = [];
  return {
    name: 'u',
    kind: 'openai',
    onDisconnect: 'cancel',
    pool: { connections: 64, scope: 'upstream' },
    tooling,
    calls,
    async chat(request) {
      calls.push(request);
      const { content = '', message = {}, finish = 'stop' } = script(request, calls.length);
      const text = Array.isArray(content) ? content.join('') : content;
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      if (!request.stream) {
        const body: ChatCompletion = {
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: text, ...message }, finish_reason: finish }],
          usage,
        };
        return { kind: 'json', body };
      }
      const pieces = Array.isArray(content) ? content : [content];
      const chunk = (delta: ChatChunk['choices'][number]['delta'], finish_reason: string | null = null): ChatChunk => ({
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta, finish_reason }],
      });
      const chunks: ChatChunk[] = [chunk({ role: 'assistant', content: '' }), ...pieces.map((p) => chunk({ content: p }))];
      // Each call in a chunk of its own, all at index 0, as some Ollama-compatible servers send them.
      for (const c of message.tool_calls ?? []) chunks.push(chunk({ tool_calls: [{ index: 0, ...c }] }));
      chunks.push(chunk({}, finish), { ...chunk({}), choices: [], usage });
      return {
        kind: 'stream',
        chunks: (async function* () {
          yield* chunks;
        })(),
      };
    },
    complete: async () => {
      throw new Error('not scripted');
    },
    embed: async () => {
      throw new Error('not scripted');
    },
    listModels: async () => [],
    health: async () => true,
    close: async () => {},
  };
}

function app(script: Script, opts: { tools?: Partial<ToolsConfig>; support?: 'native' | 'emulated' | 'none'; tooling?: Upstream['tooling'] } = {}) {
  const upstream = rawUpstream(script, opts.tooling);
  const finished: ExchangeFinished[] = [];
  const built = inProcessApp({
    upstream,
    models: [modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools: opts.support ?? 'emulated', vision: false } })],
    options: { tools: { ...defaultToolsConfig, ...opts.tools } },
    sinks: [{ exchangeFinished: (e) => finished.push(e) }],
  });
  return { ...built, upstream, finished };
}

async function sse(res: Response): Promise<ChatChunk[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)) as ChatChunk);
}

/** What an OpenAI client assembles from a stream. */
function assemble(chunks: readonly ChatChunk[]) {
  let content = '';
  const calls: ToolCall[] = [];
  let finish: string | null = null;
  for (const c of chunks) {
    const choice = c.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? '';
    for (const d of choice.delta.tool_calls ?? []) {
      const call = (calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      call.function.name += d.function?.name ?? '';
      call.function.arguments += d.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  return { content, calls, finish };
}

const hermes = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

describe('emulated tools, free decoding', () => {
  const lenient = { tools: { decoding: 'lenient' as const } };

  it('sends the tools as instructions and no tools field, and returns the parsed call', async () => {
    const { app: a, upstream } = app(() => ({ content: hermes }), lenient);
    const res = await a.request('/v1/chat/completions', post(ask()), local);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ChatCompletion;
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(body.choices[0]!.message.content).toBeNull();
    const call = body.choices[0]!.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    const sent = upstream.calls[0]!;
    expect(sent.tools).toBeUndefined();
    expect(sent.response_format).toBeUndefined();
    expect(String(sent.messages[0]!.content)).toContain('<tool_call>');
    expect(String(sent.messages[0]!.content)).toContain('"name":"get_weather"');
  });

  it('rewrites the tool history of a follow-up into text the template can render', async () => {
    const { app: a, upstream } = app(() => ({ content: 'It is 20 degrees in Paris.' }), lenient);
    const followUp = ask({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp": 20}' },
      ],
    });
    const body = (await (await a.request('/v1/chat/completions', post(followUp), local)).json()) as ChatCompletion;
    expect(body.choices[0]!.message.content).toBe('It is 20 degrees in Paris.');
    expect(body.choices[0]!.finish_reason).toBe('stop');
    const sent = upstream.calls[0]!.messages;
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[1]!.content).toContain('<tool_call>\n{"name":"get_weather","arguments":{"city":"Paris"}}\n</tool_call>');
    expect(sent[1]!.tool_calls).toBeUndefined();
    expect(sent[2]!.content).toBe('<tool_response>\n{"name":"get_weather","content":{"temp":20}}\n</tool_response>');
  });

  it('streams content until a tag could begin, then the call as delta.tool_calls, name first', async () => {
    const pieces = ['Let me', ' check. <tool', '_call>\n{"name": "get_wea', 'ther", "arguments": {"city": "Par', 'is"}}\n</tool_call>'];
    const { app: a } = app(() => ({ content: pieces }), lenient);
    const chunks = await sse(await a.request('/v1/chat/completions', post(ask({ stream: true })), local));
    const got = assemble(chunks);
    expect(got.content).toBe('Let me check. ');
    expect(got.finish).toBe('tool_calls');
    expect(got.calls).toHaveLength(1);
    expect(got.calls[0]!.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    for (const c of chunks) expect(c.choices[0]?.delta.content ?? '').not.toMatch(/<|tool_call/);
    const callChunks = chunks.filter((c) => c.choices[0]?.delta.tool_calls);
    expect(callChunks[0]!.choices[0]!.delta.tool_calls![0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(chunks.every((c) => c.model === 'm')).toBe(true);
  });

  it('gives an invalid call one constrained retry, and returns the retry’s call', async () => {
    const {
      app: a,
      upstream,
      finished,
      deps,
    } = app(
      (_req, n) =>
        n === 1
          ? { content: '<tool_call>{"name": "get_weather", "arguments": {"town": "Paris"}}</tool_call>' }
          : { content: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}' },
      lenient,
    );
    const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
    expect(body.choices[0]!.message.tool_calls![0]!.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(upstream.calls).toHaveLength(2);
    const retry = upstream.calls[1]!;
    expect(retry.stream).toBe(false);
    expect(JSON.stringify(retry.response_format)).toContain('"const":"get_weather"');
    expect(finished[0]!.tools).toEqual({ mode: 'emulated', calls: 1, parseFailures: 1, repairs: 0, retry: 'repaired' });
    expect(finished[0]!.turns).toBe(2);
    expect(finished[0]!.toolCalls.map((c) => c.function.name)).toEqual(['get_weather']);
    expect(finished[0]!.usage?.total_tokens).toBe(30);
    const metrics = (await deps.metrics.exposition()).body;
    expect(metrics).toContain('aegis_tool_call_retries_total{model="m",result="repaired"} 1');
    expect(metrics).toContain('aegis_tool_call_parse_failures_total{model="m",mode="emulated"} 1');
  });

  it('retries a streamed invalid call too, and streams the repaired call in its place', async () => {
    const { app: a, upstream } = app(
      (_req, n) =>
        n === 1
          ? { content: ['Sure. <tool_call>{"name": "get_weather", ', '"arguments": {"unit": "kelvin"}}</tool_call>'] }
          : { content: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Rome"}}]}' },
      lenient,
    );
    const got = assemble(await sse(await a.request('/v1/chat/completions', post(ask({ stream: true })), local)));
    expect(upstream.calls).toHaveLength(2);
    expect(got.content).toBe('Sure. ');
    expect(got.calls.map((c) => c.function)).toEqual([{ name: 'get_weather', arguments: '{"city":"Rome"}' }]);
    expect(got.finish).toBe('tool_calls');
  });

  it('without a retry, returns an invalid call as content with finish_reason invalid_tool_call', async () => {
    const raw = '<tool_call>{"name": "get_weather", "arguments": {"town": "Paris"}}</tool_call>';
    const { app: a, upstream } = app(() => ({ content: raw }), { tools: { decoding: 'lenient', retry: false } });
    const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
    expect(body.choices[0]!.message).toMatchObject({ content: raw });
    expect(body.choices[0]!.message.tool_calls).toBeUndefined();
    expect(body.choices[0]!.finish_reason).toBe('invalid_tool_call');
    expect(upstream.calls).toHaveLength(1);
  });
});

describe('constrained tools', () => {
  it('decodes under a schema built from the tools and reads the JSON back as calls', async () => {
    const { app: a, upstream, finished } = app(() => ({ content: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}' }));
    const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
    expect(body.choices[0]!.message.tool_calls![0]!.function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    const format = upstream.calls[0]!.response_format as { type: string; json_schema: { schema: { anyOf: unknown[] } } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.schema.anyOf).toHaveLength(2);
    expect(finished[0]!.tools?.mode).toBe('constrained');
  });

  // Cut before the later call's name is written, its repair is no call at all (`{"name": null}`,
  // `{}`): it must not take the complete calls down with it (Gemma 3 270M did, in bench:tools).
  it.each(['{"name": "get_time", "argu', '{"name', '{"name": ', '{', ''])(
    'keeps the calls written in full when max_tokens cuts off a later one at %j',
    async (tail) => {
      const cut = `{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}, ${tail}`;
      const { app: a } = app(() => ({ content: cut, finish: 'length' }));
      const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
      expect(body.choices[0]!.message.tool_calls!.map((c) => c.function)).toEqual([{ name: 'get_weather', arguments: '{"city":"Oslo"}' }]);
      expect(body.choices[0]!.message.content).toBeNull();
      expect(body.choices[0]!.finish_reason).toBe('length');
    },
  );

  it('returns a constrained plain answer as content', async () => {
    const { app: a } = app(() => ({ content: '{"response": "Hello!"}' }));
    const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
    expect(body.choices[0]!.message.content).toBe('Hello!');
    expect(body.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams the response as content and a call’s arguments in pieces', async () => {
    const pieces = ['{"tool_calls": [{"name": "get_weather", "argu', 'ments": {"city": ', '"Lima"}}, {"name": "get_time", "arguments": {}}]}'];
    const { app: a } = app(() => ({ content: pieces }));
    const chunks = await sse(await a.request('/v1/chat/completions', post(ask({ stream: true })), local));
    const got = assemble(chunks);
    expect(got.calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { city: 'Lima' }],
      ['get_time', {}],
    ]);
    expect(got.calls[0]!.id).not.toBe(got.calls[1]!.id);
    expect(chunks.filter((c) => c.choices[0]?.delta.tool_calls?.[0]?.index === 0).length).toBeGreaterThan(2);
    expect(got.finish).toBe('tool_calls');
  });

  it('admits only the named tool when tool_choice names one', async () => {
    const { app: a, upstream } = app(() => ({ content: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}' }));
    await a.request('/v1/chat/completions', post(ask({ tool_choice: { type: 'function', function: { name: 'get_weather' } } })), local);
    const schema = JSON.stringify(upstream.calls[0]!.response_format);
    expect(schema).toContain('"const":"get_weather"');
    expect(schema).not.toContain('search_web');
    expect(schema).not.toContain('"response"');
  });
});

describe('native tools', () => {
  it('passes the tools through and normalises what comes back', async () => {
    const message = {
      tool_calls: [{ id: '', type: 'function' as const, function: { name: 'get_weather', arguments: { city: 'Paris' } as unknown as string } }],
    };
    const { app: a, upstream } = app(() => ({ content: '', message }), {
      support: 'native',
      tooling: { parsesCalls: true, honoursToolChoice: true, constrains: true },
    });
    const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
    expect(upstream.calls[0]!.tools).toHaveLength(3);
    const call = body.choices[0]!.message.tool_calls![0]!;
    expect(call.function.arguments).toBe('{"city":"Paris"}');
    expect(call.id).toMatch(/^call_/);
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('gives streamed native calls successive indexes even when the runtime reuses index 0', async () => {
    const message = {
      tool_calls: [
        { id: 'a', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"A"}' } },
        { id: 'b', type: 'function' as const, function: { name: 'get_time', arguments: '{}' } },
      ],
    };
    const { app: a } = app(() => ({ message }), { support: 'native', tooling: { parsesCalls: true, honoursToolChoice: true, constrains: true } });
    const chunks = await sse(await a.request('/v1/chat/completions', post(ask({ stream: true })), local));
    const got = assemble(chunks);
    expect(got.calls.map((c) => [c.id, c.function.name])).toEqual([
      ['a', 'get_weather'],
      ['b', 'get_time'],
    ]);
    expect(got.finish).toBe('tool_calls');
  });

  it('reads calls out of the text of a runtime that renders tools but does not parse them', async () => {
    const { app: a } = app(() => ({ content: hermes }), { support: 'native' });
    const body = (await (await a.request('/v1/chat/completions', post(ask()), local)).json()) as ChatCompletion;
    expect(body.choices[0]!.message.tool_calls![0]!.function.name).toBe('get_weather');
  });

  it('enforces a required call on a runtime that ignores tool_choice with the call schema', async () => {
    const { app: a, upstream } = app(() => ({ content: '{"tool_calls": [{"name": "get_time", "arguments": {}}]}' }), {
      support: 'native',
      tooling: { parsesCalls: true, honoursToolChoice: false, constrains: true },
    });
    const body = (await (await a.request('/v1/chat/completions', post(ask({ tool_choice: 'required' })), local)).json()) as ChatCompletion;
    expect(upstream.calls[0]!.tools).toBeUndefined();
    expect(upstream.calls[0]!.response_format).toBeDefined();
    expect(body.choices[0]!.message.tool_calls![0]!.function.name).toBe('get_time');
  });
});

describe('requests the gateway refuses or leaves alone', () => {
  it('refuses tools for a model without tool support before any upstream call', async () => {
    const { app: a, upstream } = app(() => ({ content: 'x' }), { support: 'none' });
    const res = await a.request('/v1/chat/completions', post(ask()), local);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error).toMatchObject({ code: 'capability_not_supported', param: 'tools' });
    expect(body.error.message).toContain('does not support tools');
    expect(upstream.calls).toHaveLength(0);
  });

  it('refuses a tool_choice naming an undeclared tool, and a tools schema Ajv cannot compile', async () => {
    const { app: a } = app(() => ({ content: 'x' }));
    const named = await a.request('/v1/chat/completions', post(ask({ tool_choice: { type: 'function', function: { name: 'nope' } } })), local);
    expect(named.status).toBe(400);
    expect(((await named.json()) as { error: { param: string } }).error.param).toBe('tool_choice');
    const broken = { ...weather, function: { ...weather.function, parameters: { type: 'object', properties: { a: { type: 'no-such-type' } } } } };
    const bad = await a.request('/v1/chat/completions', post(ask({ tools: [broken] })), local);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('tools[0].function.parameters');
  });

  it('sends a request without tools upstream as it came', async () => {
    const { app: a, upstream, finished } = app(() => ({ content: 'hi' }));
    const request = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };
    await a.request('/v1/chat/completions', post(request), local);
    expect(upstream.calls[0]).toEqual({ ...request, stream: false });
    expect(finished[0]!.tools).toBeUndefined();
  });
});

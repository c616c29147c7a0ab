// The context step through the whole gateway, in process: what reaches the upstream, the
// x-aegis-context header and usage.aegis_context, the x-aegis-truncate header, policy's truncation
// obligation, a runtime's refusal taught and retried, metrics and the finished exchange.
import { describe, expect, it } from 'vitest';
import { GatewayError, type ChatChunk, type ChatCompletion, type ChatMessage, type ChatRequest, type ExchangeFinished } from '../../../src/core';
import { opaRequestPolicy } from '../../../src/gateway/policy-adapter';
import { UsageMeter } from '../../../src/gateway/usage-meter';
import { FakePolicyEngine, type FakeAnswer } from '../../../src/policy';
import { exchangeRecord } from '../../../src/rag/exchange-record';
import type { Upstream } from '../../../src/upstreams';
import { fromAddress, inProcessApp, scriptedUpstream } from '../../helpers/app';
import { modelEntry } from './fixtures';

const local = fromAddress('127.0.0.1');

/** A conversation of `turns` exchanges of about `words` words each, after a system prompt with a marker. */
function conversation(turns: number, words = 60): ChatMessage[] {
  const ms: ChatMessage[] = [{ role: 'system', content: 'MARKER-7 You are terse.' }];
  for (let t = 0; t < turns; t++) {
    ms.push({ role: 'user', content: `question ${t} ${'word '.repeat(words)}` }, { role: 'assistant', content: `answer ${t} ${'word '.repeat(words)}` });
  }
  ms.push({ role: 'user', content: 'the last question' });
  return ms;
}

const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ model: 'm', ...body }),
});

function parseHeader(value: string | null): Record<string, string> {
  return Object.fromEntries((value ?? '').split('; ').map((kv) => kv.split('=') as [string, string]));
}

function app(over: { contextLength?: number; policy?: (input: unknown) => FakeAnswer; upstream?: Upstream & { calls: unknown[] } } = {}) {
  const finished: ExchangeFinished[] = [];
  const harness = inProcessApp({
    models: [modelEntry({ contextLength: over.contextLength ?? 1024 })],
    sinks: [{ exchangeFinished: (e) => void finished.push(e) }],
    policy: over.policy ? (clock, audit) => opaRequestPolicy(new FakePolicyEngine(over.policy), clock, new UsageMeter(clock), audit) : undefined,
  });
  if (over.upstream) (harness.deps.snapshot().upstreams as Map<string, Upstream>).set('u', over.upstream);
  const upstream = over.upstream ?? harness.upstream;
  const sent = () => upstream.calls.map((c) => (c as ChatRequest).messages);
  return { ...harness, finished, sent };
}

describe('context fitting in the gateway', () => {
  it('says what it did on every chat answer, even when nothing was cut', async () => {
    const { app: a, sent } = app();
    const res = await a.request('/v1/chat/completions', post({ messages: conversation(1) }), local);
    expect(res.status).toBe(200);
    const header = parseHeader(res.headers.get('x-aegis-context'));
    expect(header).toMatchObject({ limit: '1024', dropped: '0', shortened: '0', strategy: 'drop-oldest' });
    expect(Number(header.tokens)).toBeGreaterThan(100);
    const body = (await res.json()) as ChatCompletion & { usage: { aegis_context: Record<string, unknown> } };
    expect(body.usage.aegis_context).toMatchObject({ context_length: 1024, context_length_source: 'config', dropped_messages: 0, strategy: 'drop-oldest' });
    expect(body.usage.prompt_tokens).toBe(3);
    expect(sent()[0]).toHaveLength(4);
  });

  it('drops the oldest turns of a conversation three times the context, keeping the system prompt', async () => {
    const { app: a, sent, finished, deps } = app({ contextLength: 1024 });
    const ms = conversation(20);
    const res = await a.request('/v1/chat/completions', post({ messages: ms }), local);
    expect(res.status).toBe(200);
    const header = parseHeader(res.headers.get('x-aegis-context'));
    expect(Number(header.dropped)).toBeGreaterThan(20);
    expect(Number(header.tokens)).toBeLessThanOrEqual(1024 - 512);
    const upstream = sent()[0]!;
    expect(upstream[0]!.content).toMatch(/^MARKER-7/);
    expect(upstream.at(-1)!.content).toBe('the last question');
    expect(upstream.length + Number(header.dropped)).toBe(ms.length);
    // The finished exchange, the record and the metrics say the same.
    expect(finished[0]!.context).toMatchObject({ dropped: Number(header.dropped), strategy: 'drop-oldest', limit: 1024 });
    expect(finished[0]!.droppedMessages).toHaveLength(Number(header.dropped));
    const record = exchangeRecord(finished[0]!);
    expect(record.truncation).toMatchObject({ strategy: 'drop-oldest', droppedMessages: Number(header.dropped), contextLength: 1024 });
    expect(record.truncation?.dropped?.[0]?.content).toMatch(/^question 0/);
    const metrics = (await deps.metrics.exposition()).body;
    expect(metrics).toMatch(/aegis_context_truncations_total\{model="m",strategy="drop-oldest"\} 1/);
    expect(metrics).toMatch(new RegExp(`aegis_context_dropped_messages_total\\{model="m"\\} ${header.dropped}`));
  });

  it('keeps the cut stable across the turns of a conversation, so the prompt prefix stays the same', async () => {
    const { app: a, sent, deps } = app({ contextLength: 1024 });
    let ms = conversation(20);
    await a.request('/v1/chat/completions', post({ messages: ms }), local);
    ms = [...ms, { role: 'assistant', content: 'short answer' }, { role: 'user', content: 'follow-up' }];
    const res = await a.request('/v1/chat/completions', post({ messages: ms }), local);
    const [first, second] = sent();
    expect(second!.slice(0, first!.length - 1)).toEqual(first!.slice(0, -1));
    expect(parseHeader(res.headers.get('x-aegis-context')).dropped).toBe(String(ms.length - second!.length));
    expect((await deps.metrics.exposition()).body).toMatch(/aegis_context_cuts_total\{model="m",kind="reused"\} 1/);
  });

  it('refuses with x-aegis-truncate: error: 400 context_length_exceeded, param messages, the counts in the message', async () => {
    const { app: a, sent, deps } = app({ contextLength: 1024 });
    const res = await a.request('/v1/chat/completions', post({ messages: conversation(20) }, { 'x-aegis-truncate': 'error' }), local);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; type: string; param: string; message: string } };
    expect(body.error).toMatchObject({ code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' });
    expect(body.error.message).toMatch(/maximum context length is 1024 tokens. However, your messages resulted in \d+ tokens/);
    expect(sent()).toEqual([]);
    expect((await deps.metrics.exposition()).body).toMatch(/aegis_context_refusals_total\{model="m"\} 1/);
  });

  it('uses middle-out when the header asks for it', async () => {
    const { app: a, sent } = app({ contextLength: 2048 });
    const res = await a.request('/v1/chat/completions', post({ messages: conversation(20) }, { 'x-aegis-truncate': 'middle-out' }), local);
    expect(parseHeader(res.headers.get('x-aegis-context')).strategy).toBe('middle-out');
    expect(sent()[0]![1]!.content).toMatch(/^question 0/);
  });

  it('refuses an unknown x-aegis-truncate value with a 400', async () => {
    const { app: a } = app();
    const res = await a.request('/v1/chat/completions', post({ messages: conversation(1) }, { 'x-aegis-truncate': 'sometimes' }), local);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('x-aegis-truncate');
  });

  it('follows the policy: its first allowed strategy by default, refusing when it allows none', async () => {
    const forced = app({ contextLength: 1024, policy: () => ({ obligations: { truncation: ['middle-out'] } }) });
    const res = await forced.app.request('/v1/chat/completions', post({ messages: conversation(20) }), local);
    expect(parseHeader(res.headers.get('x-aegis-context')).strategy).toBe('middle-out');
    const none = app({ contextLength: 1024, policy: () => ({ obligations: { truncation: [] } }) });
    expect((await none.app.request('/v1/chat/completions', post({ messages: conversation(20) }), local)).status).toBe(400);
  });

  it('hands the requested strategy to the policy in its own words', async () => {
    const engine = new FakePolicyEngine();
    const h = inProcessApp({
      models: [modelEntry({ contextLength: 1024 })],
      policy: (clock, audit) => opaRequestPolicy(engine, clock, new UsageMeter(clock), audit),
    });
    await h.app.request('/v1/chat/completions', post({ messages: conversation(1) }, { 'x-aegis-truncate': 'error' }), local);
    expect(engine.inputs[0]?.request?.truncation).toBe('refuse');
  });

  it('learns the context length from a runtime that refuses, fits and retries once', async () => {
    const upstream = scriptedUpstream();
    const answer = upstream.chat.bind(upstream);
    upstream.chat = async (request, ctx) => {
      const n = request.messages.length;
      if (n > 12) {
        upstream.calls.push(request);
        throw new GatewayError(
          'context_length_exceeded',
          `Upstream "u" answered 400: This model's maximum context length is 900 tokens. However, you requested 5000 tokens.`,
        );
      }
      return answer(request, ctx);
    };
    const h = inProcessApp({ models: [modelEntry()] });
    (h.deps.snapshot().upstreams as Map<string, Upstream>).set('u', upstream);
    const first = await h.app.request('/v1/chat/completions', post({ messages: conversation(20) }), local);
    expect(first.status).toBe(200);
    expect(parseHeader(first.headers.get('x-aegis-context'))).toMatchObject({ limit: '900' });
    expect(upstream.calls).toHaveLength(2);
    // The next request is fitted at once.
    await h.app.request('/v1/chat/completions', post({ messages: conversation(21) }), local);
    expect(upstream.calls).toHaveLength(3);
    const models = (await (await h.app.request('/v1/models', {}, local)).json()) as { data: { aegis: Record<string, unknown> }[] };
    expect(models.data[0]!.aegis).toMatchObject({ context_length: 900, context_length_source: 'learned' });
  });

  it('retries a refusal that names no context length with a wider margin, once', async () => {
    const upstream = scriptedUpstream();
    upstream.chat = async (request) => {
      upstream.calls.push(request);
      throw new GatewayError('context_length_exceeded', 'Upstream "u" answered 500: the input length exceeds the context length');
    };
    const h = inProcessApp({ models: [modelEntry({ contextLength: 1024 })] });
    (h.deps.snapshot().upstreams as Map<string, Upstream>).set('u', upstream);
    const res = await h.app.request('/v1/chat/completions', post({ messages: conversation(20) }), local);
    // Fitted, refused, fitted again tighter, refused again: the second refusal goes to the client.
    expect(res.status).toBe(400);
    expect(upstream.calls).toHaveLength(2);
    const [first, second] = upstream.calls as ChatRequest[];
    expect(second!.messages.length).toBeLessThanOrEqual(first!.messages.length);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
  });

  it('does not retry a refusal when nobody knows the context length and the runtime names none', async () => {
    const upstream = scriptedUpstream();
    upstream.chat = async (request) => {
      upstream.calls.push(request);
      throw new GatewayError('context_length_exceeded', 'Upstream "u" answered 400: too many tokens');
    };
    const h = inProcessApp({ models: [modelEntry()] });
    (h.deps.snapshot().upstreams as Map<string, Upstream>).set('u', upstream);
    const res = await h.app.request('/v1/chat/completions', post({ messages: conversation(20) }), local);
    expect(res.status).toBe(400);
    expect(upstream.calls).toHaveLength(1);
  });

  it('adds aegis_context to the final usage chunk of a stream, and the header to the stream', async () => {
    const upstream = scriptedUpstream();
    upstream.chat = async (request) => {
      upstream.calls.push(request);
      const chunk = (content: string, finish: string | null, usage?: ChatChunk['usage']): ChatChunk => ({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content }, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      });
      return {
        kind: 'stream' as const,
        chunks: (async function* () {
          yield chunk('hi', null);
          yield chunk('', 'stop', { prompt_tokens: 400, completion_tokens: 1, total_tokens: 401 });
        })(),
      };
    };
    const h = inProcessApp({ models: [modelEntry({ contextLength: 1024 })] });
    (h.deps.snapshot().upstreams as Map<string, Upstream>).set('u', upstream);
    const res = await h.app.request('/v1/chat/completions', post({ messages: conversation(20), stream: true, stream_options: { include_usage: true } }), local);
    expect(parseHeader(res.headers.get('x-aegis-context')).strategy).toBe('drop-oldest');
    const events = (await res.text())
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)) as { usage?: { aegis_context?: Record<string, unknown> } });
    expect(events.at(-1)!.usage!.aegis_context).toMatchObject({ context_length: 1024, strategy: 'drop-oldest' });
    expect(Number(events.at(-1)!.usage!.aegis_context!.dropped_messages)).toBeGreaterThan(0);
  });

  it('shows the context length and its source in /v1/models', async () => {
    const { app: a } = app({ contextLength: 2048 });
    const body = (await (await a.request('/v1/models', {}, local)).json()) as { data: { aegis: Record<string, unknown> }[] };
    expect(body.data[0]!.aegis).toMatchObject({ context_length: 2048, context_length_source: 'config' });
  });
});

// The upstream's share of an exchange (ExchangeFinished.upstreamMs, from which the sink derives
// Aegis' overhead and tokens per second) covers every model call, through every door: the first,
// a constrained tool-call retry, and a stream until its last chunk, whatever codec the door uses.
// The only time that passes in process is the upstream's, so it must equal the whole duration.
import { describe, expect, it } from 'vitest';
import type { ChatRequest, ExchangeFinished, ManualClock } from '../../../src/core';
import { defaultToolsConfig } from '../../../src/tools';
import { fromAddress, inProcessApp } from '../../helpers/app';
import { scriptUpstream, type Reply } from '../../helpers/chat-script';
import { parseExposition, samples } from '../../helpers/prom-text';
import { tools } from '../tools/fixtures';
import { modelEntry } from './fixtures';

const local = fromAddress('127.0.0.1');
const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** An upstream answering from `script` that takes 100 ms to answer and 10 ms per streamed chunk. */
function slowApp(script: (request: ChatRequest, call: number) => Reply) {
  let clock: ManualClock | undefined;
  let call = 0;
  const inner = scriptUpstream((request) => script(request, ++call));
  const upstream: typeof inner = {
    ...inner,
    async chat(request, ctx) {
      clock?.advance(100);
      const out = await inner.chat(request, ctx);
      if (out.kind !== 'stream') return out;
      const chunks = out.chunks;
      return {
        kind: 'stream',
        chunks: (async function* () {
          for await (const c of chunks) {
            clock?.advance(10);
            yield c;
          }
        })(),
      };
    },
  };
  const finished: ExchangeFinished[] = [];
  const built = inProcessApp({
    upstream,
    models: [modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools: 'emulated', vision: false } })],
    options: { tools: { ...defaultToolsConfig, decoding: 'lenient' } },
    sinks: [{ exchangeFinished: (e) => finished.push(e) }],
  });
  clock = built.clock;
  return { ...built, finished };
}

const hello = (): Reply => ({ content: 'Hello there, friend.' });
const question = [{ role: 'user', content: 'Hi' }];
/** An emulated call whose arguments break the schema, then the constrained retry's valid one. */
const invalidThenRepaired = (_: ChatRequest, call: number): Reply =>
  call === 1
    ? { content: '<tool_call>{"name": "get_weather", "arguments": {"town": "Paris"}}</tool_call>' }
    : { content: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}' };

describe("the upstream's time of an exchange", () => {
  it.each([
    ['a whole chat answer', '/v1/chat/completions', { model: 'm', messages: question }, hello],
    ['a streamed chat answer', '/v1/chat/completions', { model: 'm', messages: question, stream: true }, hello],
    ['a streamed Responses answer', '/v1/responses', { model: 'm', input: 'Hi', stream: true }, hello],
    ['a streamed Messages answer', '/v1/messages', { model: 'm', max_tokens: 64, messages: question, stream: true }, hello],
    ['a whole answer with a tool-call retry', '/v1/chat/completions', { model: 'm', messages: question, tools }, invalidThenRepaired],
    ['a streamed answer with a tool-call retry', '/v1/chat/completions', { model: 'm', messages: question, tools, stream: true }, invalidThenRepaired],
  ] as const)('covers %s, leaving Aegis no overhead', async (_name, path, body, script) => {
    const { app, finished, deps } = slowApp(script);
    const res = await app.request(path, post(body), local);
    expect(res.status).toBe(200);
    await res.text();
    const [e] = finished;
    expect(e?.status).toBe(200);
    expect(e!.upstreamMs).toBeGreaterThanOrEqual(100);
    expect(e!.upstreamMs).toBe(e!.endedAt - e!.startedAt);
    const exposed = parseExposition((await deps.metrics.exposition()).body);
    expect(samples(exposed, 'aegis_gateway_overhead_seconds_count')[0]?.value).toBe(1);
    expect(samples(exposed, 'aegis_gateway_overhead_seconds_sum')[0]?.value).toBe(0);
  });
});

describe('the agent doors in the request series', () => {
  it('labels their traffic and their refusals with the API the client spoke', async () => {
    const { app, deps } = slowApp(hello);
    expect((await app.request('/v1/responses', post({ model: 'm', input: 'Hi' }), local)).status).toBe(200);
    expect((await app.request('/v1/messages', post({ model: 'nope', max_tokens: 8, messages: question }), local)).status).toBe(404);
    expect((await app.request('/v1/responses', post({ model: 'm' }), local)).status).toBe(400);
    const exposed = parseExposition((await deps.metrics.exposition()).body);
    expect(samples(exposed, 'aegis_requests_total', { route: 'responses', model: 'm', status: '200' })[0]?.value).toBe(1);
    expect(samples(exposed, 'aegis_refused_requests_total', { route: 'messages', code: 'model_not_found' })[0]?.value).toBe(1);
    expect(samples(exposed, 'aegis_refused_requests_total', { route: 'responses' })).toHaveLength(1);
    expect(samples(exposed, 'aegis_refused_requests_total', { route: 'chat' })).toEqual([]);
  });
});

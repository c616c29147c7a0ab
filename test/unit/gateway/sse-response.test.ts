import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExchangeFinished } from '../../../src/core';
import { anonymousPrincipal, chatDoor } from '../../../src/gateway';
import { prepareExchange } from '../../../src/gateway/pipeline';
import { sseResponse } from '../../../src/gateway/sse-response';
import type { Answer } from '../../../src/gateway/stages/transform';
import { inProcessApp } from '../../helpers/app';

type Chunk = { n: number };

/** An admitted streaming exchange whose finish is recorded in `finished`. */
function streamingExchange(finished: ExchangeFinished[] = []) {
  const { deps } = inProcessApp();
  const x = prepareExchange({
    deps,
    sinks: [{ exchangeFinished: (e) => void finished.push(e) }],
    snapshot: deps.snapshot(),
    door: chatDoor,
    requestId: 'req-1',
    startedAt: 0,
    principal: anonymousPrincipal,
    request: { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
  });
  // Without MCP tools preparing never waits.
  if (x instanceof Promise) throw new Error('expected a synchronous exchange');
  return x;
}

async function* chunks(n: number): AsyncGenerator<Chunk> {
  for (let i = 0; i < n; i++) yield { n: i };
}

const passThrough = (n: number): Answer<Chunk> => ({ kind: 'stream', chunks: chunks(n), codec: { chunk: (c) => c, end: () => [] } });

describe('sseResponse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no keep-alive timer behind when the upstream answered before the stream opened', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const finished: ExchangeFinished[] = [];
    const answer = Promise.resolve(passThrough(3));
    await answer;
    const res = sseResponse(streamingExchange(finished), answer, 5_000);
    const text = await res.text();
    expect(text).toBe('data: {"n":0}\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    expect(finished.map((e) => e.status)).toEqual([200]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends keep-alive comments while the upstream has not answered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let resolve!: (a: Answer<Chunk>) => void;
    const answer = new Promise<Answer<Chunk>>((r) => (resolve = r));
    const x = streamingExchange();
    x.progress = 'loading 40%';
    const res = sseResponse(x, answer, 1_000);
    const reader = res.body!.getReader();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': loading 40%\n\n');
    resolve(passThrough(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":0}\n\n');
    expect(vi.getTimerCount()).toBe(0);
  });
});

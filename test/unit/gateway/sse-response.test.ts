import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExchangeTracker } from '../../../src/gateway/exchange-tracker';
import { sseResponse } from '../../../src/gateway/sse-response';

/** The part of ExchangeTracker that sseResponse uses, recording the statuses it finishes with. */
function fakeTracker(statuses: number[] = []): ExchangeTracker {
  return { clientGone: false, markClientGone() {}, finish: (status: number) => void statuses.push(status), failure: (err: unknown) => err } as unknown as ExchangeTracker;
}

async function* chunks(n: number): AsyncGenerator<{ n: number }> {
  for (let i = 0; i < n; i++) yield { n: i };
}

describe('sseResponse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no keep-alive timer behind when the upstream answered before the stream opened', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const statuses: number[] = [];
    const start = Promise.resolve(chunks(3));
    await start;
    const res = sseResponse(fakeTracker(statuses), { start, progress: () => 'waiting', onChunk: (c) => c, onEnd: () => [] }, 5_000, {});
    const text = await res.text();
    expect(text).toBe('data: {"n":0}\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    expect(statuses).toEqual([200]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends keep-alive comments while the upstream has not answered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answer!: (c: AsyncIterable<{ n: number }>) => void;
    const start = new Promise<AsyncIterable<{ n: number }>>((r) => (answer = r));
    const res = sseResponse(fakeTracker(), { start, progress: () => 'loading 40%', onChunk: (c) => c, onEnd: () => [] }, 1_000, {});
    const reader = res.body!.getReader();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': loading 40%\n\n');
    answer(chunks(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":0}\n\n');
    expect(vi.getTimerCount()).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { GatewayRuntime } from '../../../src/cli/runtime';
import { parseConfig } from '../../../src/config';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { MemoryResponseStore, type StoredResponse } from '../../../src/gateway';
import { responses } from '../../../src/protocols';

function stored(id: string, owner = 'alice'): StoredResponse {
  const translation = responses.fromResponsesRequest(responses.responsesRequestSchema.parse({ model: 'm', input: 'hi' }), { newId: (p) => `${p}_1` });
  const response = responses.responseSkeleton(translation, { id, createdAt: 1, model: 'm' });
  return { id, owner, response, input: translation.input, previousResponseId: null };
}

describe('MemoryResponseStore', () => {
  it('shows a response to its owner only, and deletes it for its owner only', async () => {
    const store = new MemoryResponseStore();
    await store.put(stored('resp_a'));
    expect(await store.get('resp_a', 'alice')).toMatchObject({ id: 'resp_a' });
    expect(await store.get('resp_a', 'bob')).toBeUndefined();
    expect(await store.delete('resp_a', 'bob')).toBe(false);
    expect(await store.delete('resp_a', 'alice')).toBe(true);
    expect(await store.get('resp_a', 'alice')).toBeUndefined();
  });

  it('forgets the least recently used beyond its bound, and everything past its age', async () => {
    // Not 0: lru-cache reads a start time of 0 as "no TTL".
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new MemoryResponseStore({ maxResponses: 2, ttlMs: 60_000, clock });
    await store.put(stored('resp_1'));
    await store.put(stored('resp_2'));
    await store.get('resp_1', 'alice');
    await store.put(stored('resp_3'));
    expect(await store.get('resp_2', 'alice')).toBeUndefined();
    expect(await store.get('resp_1', 'alice')).toBeDefined();
    clock.advance(60_001);
    expect(await store.get('resp_1', 'alice')).toBeUndefined();
    expect(await store.get('resp_3', 'alice')).toBeUndefined();
  });

  it('keeps no more than its byte budget', async () => {
    const store = new MemoryResponseStore({ maxBytes: 3_000 });
    for (let i = 0; i < 10; i++) await store.put(stored(`resp_${i}`));
    expect(store.size).toBeLessThan(10);
    expect(await store.get('resp_9', 'alice')).toBeDefined();
  });

  it('is what `responses.store` configures when no durable store is wired', async () => {
    const config = parseConfig(JSON.stringify({ responses: { store: { maxResponses: 1 } } }), {}, 'test');
    const runtime = await GatewayRuntime.create(config, { logger: new MemoryLogger(), discoverOnStart: false });
    try {
      const store = runtime.deps.responseStore!;
      await store.put(stored('resp_1'));
      await store.put(stored('resp_2'));
      expect(await store.get('resp_1', 'alice')).toBeUndefined();
      expect(await store.get('resp_2', 'alice')).toBeDefined();
    } finally {
      await runtime.close(0);
    }
  });
});

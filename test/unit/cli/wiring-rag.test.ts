// The RAG wiring records exchanges once per event-loop turn (after the answers went out), so these
// pin what that deferral must never cost: an exchange finished just before shutdown is still
// recorded, `idle()` counts the ones waiting, and an outcome no record can be built from is logged
// instead of throwing outside any request.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { wireRag } from '../../../src/cli/wiring-rag';
import { parseConfig } from '../../../src/config';
import { MemoryLogger, systemClock, type ExchangeFinished } from '../../../src/core';
import { Metrics } from '../../../src/metrics';
import { SqliteRecordStore } from '../../../src/rag';

function outcome(requestId: string, extra: Partial<ExchangeFinished> = {}): ExchangeFinished {
  return {
    requestId,
    route: 'chat',
    api: 'chat',
    startedAt: 1_000,
    endedAt: 1_250,
    principalId: 'k1',
    model: 'm',
    modelVersion: '1',
    upstream: 'u',
    upstreamModel: 'm-1',
    stream: false,
    status: 200,
    messages: [{ role: 'user', content: `question ${requestId}` }],
    answer: 'answer',
    toolCalls: [],
    finishReason: 'stop',
    turns: 1,
    ...extra,
  };
}

async function wired() {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-wiring-rag-'));
  const logger = new MemoryLogger();
  const path = join(dir, 'aegis.db');
  const rag = await wireRag({ metrics: new Metrics(), clock: systemClock }, parseConfig(JSON.stringify({ rag: { spool: { dir }, embedded: { path } } })), {
    logger,
  });
  if (!rag) throw new Error('recording is on by default');
  const deps = { onExchange: (e: ExchangeFinished) => rag.sink.exchangeFinished(e) };
  const storage = { idle: () => rag.idle(), stats: () => rag.storage.stats(), close: () => rag.close({ timeoutMs: 5_000 }) };
  /** What the embedded store holds, oldest first (read after the storage closed it). */
  const stored = async () => {
    const store = SqliteRecordStore.open({ path });
    try {
      return (await store.exchanges({ limit: 100 })).reverse();
    } finally {
      await store.close();
    }
  };
  return { deps, storage, logger, stored };
}

describe('RAG wiring: exchanges recorded once per event-loop turn', () => {
  it('records exchanges that finished in the same turn as the shutdown', async () => {
    const { deps, storage, stored } = await wired();
    for (const id of ['r1', 'r2', 'r3']) deps.onExchange!(outcome(id));
    // Still waiting for the turn to end: not idle, and not yet in the queue.
    expect(storage.idle()).toBe(false);
    expect(storage.stats().exchange.enqueued).toBe(0);
    await storage.close();
    const records = await stored();
    expect(records.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
    expect(records[1]!.messages[0]!.content).toBe('question r2');
  });

  it('queues every exchange of a turn once the turn ends, and is idle only after that', async () => {
    const { deps, storage } = await wired();
    deps.onExchange!(outcome('a'));
    deps.onExchange!(outcome('b'));
    await nextTurn();
    expect(storage.stats().exchange.enqueued).toBe(2);
    deps.onExchange!(outcome('c'));
    await nextTurn();
    expect(storage.stats().exchange.enqueued).toBe(3);
    await storage.close();
    expect(storage.stats().exchange).toMatchObject({ inserted: 3, spooled: 0, dropped: 0 });
  });

  it('logs an outcome no record can be built from and still records the rest of its turn', async () => {
    const { deps, storage, logger, stored } = await wired();
    const broken = outcome('bad', { toolCalls: [{ id: 't1', type: 'function' } as unknown as ExchangeFinished['toolCalls'][number]] });
    deps.onExchange!(broken);
    deps.onExchange!(outcome('good'));
    await nextTurn();
    await storage.close();
    expect((await stored()).map((r) => r.id)).toEqual(['good']);
    expect(logger.lines.find((l) => l.msg === 'could not record the exchange')).toMatchObject({ level: 'error', requestId: 'bad' });
  });
});

// Recording on the embedded defaults, through the outbox: the byte cap enforced on the storage's
// timer (a ManualClock), records waiting in the spool while the disk is full, and a spool left by
// an earlier version imported into the database and then removed.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { defaultLingerMs, openRagStorage, Spool, SqliteRecordStore, type RagStorage, type RagStorageConfig } from '../../../src/rag';
import { until } from '../../helpers/wait';
import { makeRecord } from './fixtures';

const live: RagStorage[] = [];
const stores: SqliteRecordStore[] = [];

async function storage(config: RagStorageConfig): Promise<RagStorage> {
  const s = await openRagStorage({ queue: { retryMinMs: 20, retryMaxMs: 100 }, ...config });
  live.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.close({ timeoutMs: 2_000 })));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jsonl') && f.startsWith('seg-'));

describe('embedded recording', () => {
  it('keeps the newest records within the byte cap, deletes the oldest within 30 s, drops none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-cap-'));
    const clock = new ManualClock(Date.UTC(2025, 0, 2));
    const maxBytes = 100_000;
    const s = await storage({ embedded: { path: join(dir, 'aegis.db'), maxBytes }, spool: { dir: join(dir, 'spool') }, clock });
    // About 2.5 KB per record: 200 of them are five times the cap.
    const total = 200;
    for (let i = 0; i < total; i++) s.recorder.record(makeRecord(i, { answer: `${i} ${'z'.repeat(2_000)}` }));
    clock.advance(defaultLingerMs); // the batch's wait for company
    await until(() => s.idle(), 10_000, 'records stored');
    expect(s.health().bytes).toBeGreaterThan(5 * maxBytes);
    // Retention runs every 15 s on the storage's clock, so the cap holds within 30 s of being passed.
    clock.advance(15_000);
    await until(() => s.health().expired.exchange > 0, 5_000, 'a retention sweep');
    expect(s.health().bytes).toBeLessThanOrEqual(maxBytes);
    const kept = (await s.store.exchanges({ limit: 1_000 })).map((r) => Number(r.id.slice(4)));
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => total - 1 - i));
    expect(s.stats().exchange).toMatchObject({ enqueued: total, inserted: total, dropped: 0, expired: total - kept.length });
  });

  it('spools while the disk is full, says so, and stores everything once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-full-'));
    const clock = new ManualClock();
    const logger = new MemoryLogger();
    const store = SqliteRecordStore.open({ path: join(dir, 'aegis.db'), logger });
    stores.push(store);
    await store.writerPragma(`max_page_count = ${Number(store.db.pragma('page_count', { simple: true }))}`);
    const s = await storage({ store, spool: { dir: join(dir, 'spool') }, clock, logger });
    for (let i = 0; i < 30; i++) s.recorder.record(makeRecord(i, { answer: 'q'.repeat(3_000) }));
    clock.advance(defaultLingerMs);
    await until(() => s.stats().exchange.spooled === 30, 5_000, 'records spooled');
    expect(s.health().diskFull).toBe(true);
    expect(s.stats()).toMatchObject({ storeUp: false, exchange: { dropped: 0 } });
    await store.writerPragma('max_page_count = 1073741823');
    clock.advance(1_000);
    await until(() => s.idle(), 5_000, 'the spool replayed');
    expect(s.health().diskFull).toBe(false);
    expect(await store.exchanges({ limit: 100 })).toHaveLength(30);
    expect(s.stats().exchange).toMatchObject({ inserted: 30, dropped: 0 });
  });

  it('imports a spool left by an earlier version, then removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-legacy-'));
    const spoolDir = join(dir, 'spool');
    const old = await Spool.open({ dir: spoolDir });
    await old.append(Array.from({ length: 120 }, (_, i) => ({ kind: 'exchange' as const, id: `req-${i}`, data: makeRecord(i, { id: `req-${i}` }) })));
    await old.append([{ kind: 'audit', id: 'a1', data: { id: 'a1', time: makeRecord(0).time, type: 'key.create', actor: 'cli:x', outcome: 'ok' } }]);
    await old.close();
    expect(segments(spoolDir)).toHaveLength(1);
    const logger = new MemoryLogger();
    const s = await storage({ embedded: { path: join(dir, 'aegis.db') }, spool: { dir: spoolDir }, logger });
    await until(() => s.idle(), 10_000, 'the old spool imported');
    expect(await s.store.exchanges({ limit: 1_000 })).toHaveLength(120);
    expect((await s.store.auditEvents()).map((e) => e.id)).toEqual(['a1']);
    // The last segment is deleted just after its records count as stored.
    await until(() => segments(spoolDir).length === 0, 5_000, 'the old segments deleted');
    expect(s.stats().exchange).toMatchObject({ replayed: 120, inserted: 120 });
    await until(() => logger.lines.some((l) => l.msg === 'spool replayed: every record it held is in the store'), 5_000, 'the replay logged');
    expect(logger.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['the spool holds records from an earlier run; storing them', 'spool replayed: every record it held is in the store']),
    );
  });
});

// The spool knows when its oldest unreplayed record was written (aegis_rag_spool_oldest_age_seconds),
// to within a second, across replays and across a restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { Spool, type OutboxItem } from '../../../src/rag';
import { makeRecord } from './fixtures';

const item = (i: number): OutboxItem => ({ kind: 'exchange', id: `req-${i}`, data: makeRecord(i) });
const open: Spool[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function replayOne(spool: Spool): Promise<void> {
  const batch = await spool.read(1);
  await batch!.commit();
}

describe('Spool.oldestPendingAt', () => {
  it('follows replay: the oldest record not yet replayed, none once caught up', async () => {
    const clock = new ManualClock(1_000_000);
    const spool = await Spool.open({ dir: mkdtempSync(join(tmpdir(), 'aegis-spool-age-')), clock, fsyncEveryRecords: 1 });
    open.push(spool);
    expect(spool.oldestPendingAt()).toBeUndefined();
    await spool.append([item(1)]);
    clock.advance(200);
    await spool.append([item(2)]); // within a second of the first: one mark
    clock.advance(5_000);
    await spool.append([item(3)]);
    expect(spool.oldestPendingAt()).toBe(1_000_000);
    await replayOne(spool);
    await replayOne(spool);
    expect(spool.oldestPendingAt()).toBe(1_005_200);
    await replayOne(spool);
    expect(spool.oldestPendingAt()).toBeUndefined();
  });

  it('dates a previous process’ records by their segment file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-spool-age-'));
    const first = await Spool.open({ dir, fsyncEveryRecords: 1 });
    const before = Date.now();
    await first.append([item(1)]);
    await first.close();
    const again = await Spool.open({ dir, clock: new ManualClock(before + 60_000) });
    open.push(again);
    const at = again.oldestPendingAt()!;
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});

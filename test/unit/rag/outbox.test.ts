import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { MemoryExchangeStore, Outbox, Spool, type OutboxEvent, type OutboxItem, type OutboxOptions } from '../../../src/rag';
import { until } from '../../helpers/wait';
import { makeRecord } from './fixtures';

const item = (i: number): OutboxItem => ({ kind: 'exchange', id: `req-${i}`, data: makeRecord(i) });
const tmp = () => mkdtempSync(join(tmpdir(), 'aegis-outbox-'));
const live: Outbox[] = [];

// Time only moves when a test advances the clock: retries, insert timeouts and slow stores happen
// when the test says so, never because the machine was slow.
async function outboxIn(dir: string, { clock = new ManualClock(), ...options }: Partial<OutboxOptions> & { maxBytes?: number } = {}): Promise<Outbox> {
  const spool = await Spool.open({ dir, maxBytes: options.maxBytes, clock });
  const outbox = new Outbox({ spool, insertTimeoutMs: 200, retryMinMs: 20, retryMaxMs: 100, clock, ...options });
  outbox.start();
  live.push(outbox);
  return outbox;
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((o) => o.close({ timeoutMs: 1_000 })));
});

describe('Outbox', () => {
  it('inserts straight into a healthy store', async () => {
    const store = new MemoryExchangeStore();
    const outbox = await outboxIn(tmp(), { store });
    for (let i = 0; i < 25; i++) outbox.push(item(i));
    await until(() => outbox.idle());
    expect(store.of('exchange')).toHaveLength(25);
    expect(outbox.stats()).toMatchObject({ mode: 'direct', exchange: { enqueued: 25, inserted: 25, spooled: 0, dropped: 0 } });
  });

  it('spools while the store is down and replays in order, exactly once, when it returns', async () => {
    const clock = new ManualClock();
    const store = new MemoryExchangeStore();
    store.down = true;
    const events: OutboxEvent['type'][] = [];
    const outbox = await outboxIn(tmp(), { store, clock });
    outbox.onEvent((e) => events.push(e.type));
    for (let i = 0; i < 40; i++) outbox.push(item(i));
    await until(() => outbox.stats().exchange.spooled === 40);
    expect(outbox.stats().mode).toBe('spooling');
    expect(outbox.stats().spoolBytes).toBeGreaterThan(0);
    store.down = false;
    for (let i = 40; i < 50; i++) outbox.push(item(i));
    // Past the longest back-off: the replay starts.
    clock.advance(100);
    await until(() => outbox.idle());
    expect([...store.items.values()].map((x) => x.id)).toEqual(Array.from({ length: 50 }, (_, i) => `req-${i}`));
    expect(outbox.stats()).toMatchObject({ mode: 'direct', storeUp: true, spoolBytes: 0, exchange: { inserted: 50, dropped: 0 } });
    // No replay could start before the clock moved, so the last ten queued behind the first forty.
    expect(outbox.stats().exchange.replayed).toBe(50);
    expect(events).toContain('store_down');
    expect(events).toContain('store_up');
  });

  it('treats a slow store as down, and the late success only produces duplicates', async () => {
    const clock = new ManualClock();
    const store = new MemoryExchangeStore({ clock });
    store.delayMs = 400;
    const outbox = await outboxIn(tmp(), { store, clock });
    for (let i = 0; i < 5; i++) outbox.push(item(i));
    await until(() => store.calls === 1);
    clock.advance(200); // the insert timeout
    await until(() => outbox.stats().exchange.spooled === 5);
    expect(store.of('exchange')).toHaveLength(0);
    store.delayMs = 0;
    clock.advance(200); // the slow insert lands, and the replay is due
    await until(() => outbox.idle());
    expect(store.of('exchange')).toHaveLength(5);
    expect(outbox.stats().exchange).toMatchObject({ inserted: 0, duplicates: 5, replayed: 5 });
  });

  it('without a store keeps everything in the spool (the embedded default)', async () => {
    const dir = tmp();
    const outbox = await outboxIn(dir);
    outbox.push(item(1));
    outbox.push({ kind: 'audit', id: 'a1', data: { id: 'a1', time: new Date().toISOString(), type: 'model.promote', actor: 'cli:test', outcome: 'ok' } });
    await until(() => outbox.stats().exchange.spooled === 1 && outbox.stats().audit.spooled === 1);
    expect(outbox.stats().mode).toBe('outbox-only');
    expect(outbox.idle()).toBe(true);
  });

  it('counts what a full queue cannot take without waiting, and logs it once a second', async () => {
    const clock = new ManualClock();
    const store = new MemoryExchangeStore({ clock });
    store.delayMs = 10_000;
    const logger = new MemoryLogger();
    const outbox = await outboxIn(tmp(), { store, capacity: 5, logger, insertTimeoutMs: 5_000, clock });
    const fullLogged = () => logger.lines.filter((l) => l.level === 'error' && l.reason === 'queue_full').length;
    // `push` is synchronous: the pump cannot take anything off the queue during this loop.
    const accepted = Array.from({ length: 20 }, (_, i) => outbox.push(item(i)));
    expect(accepted).toEqual(Array.from({ length: 20 }, (_, i) => i < 5));
    expect(outbox.stats().exchange.dropped).toBe(15);
    expect(fullLogged()).toBe(1);
    await until(() => store.calls === 1); // the first five now wait in the slow insert
    for (let i = 20; i < 26; i++) outbox.push(item(i));
    expect(outbox.stats().exchange.dropped).toBe(16);
    expect(fullLogged()).toBe(1);
    clock.advance(1_000);
    expect(outbox.push(item(26))).toBe(false);
    expect(fullLogged()).toBe(2);
    clock.advance(10_000); // let the slow insert end so that close need not wait for it
  });

  it('counts and logs records lost when even the spool cannot take them', async () => {
    const store = new MemoryExchangeStore();
    store.down = true;
    const logger = new MemoryLogger();
    const dropped: number[] = [];
    const outbox = await outboxIn(tmp(), { store, logger, maxBytes: 3_000 });
    outbox.onEvent((e) => e.type === 'dropped' && dropped.push(e.count));
    const handled = () =>
      new Promise<void>((resolve) => {
        const off = outbox.onEvent((e) => {
          if (e.type !== 'spooled' && e.type !== 'dropped') return;
          off();
          resolve();
        });
      });
    // One record per batch, so the spool fills up record by record.
    for (let i = 0; i < 10; i++) {
      const next = handled();
      outbox.push(item(i));
      await next;
    }
    expect(outbox.stats().exchange.spooled + outbox.stats().exchange.dropped).toBe(10);
    expect(outbox.stats().exchange.dropped).toBeGreaterThan(0);
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(outbox.stats().exchange.dropped);
    expect(logger.lines.some((l) => l.level === 'error' && l.reason === 'spool_full')).toBe(true);
  });

  it('puts records the store refuses into the dead-letter file', async () => {
    const dir = tmp();
    const store = new MemoryExchangeStore();
    store.reject = (i) => (i.id === 'req-2' ? 'invalid document' : undefined);
    const outbox = await outboxIn(dir, { store });
    for (let i = 0; i < 4; i++) outbox.push(item(i));
    await until(() => outbox.idle());
    expect(store.of('exchange')).toHaveLength(3);
    expect(outbox.stats().exchange.rejected).toBe(1);
    expect(readFileSync(join(dir, 'rejected.jsonl'), 'utf8')).toContain('"id":"req-2"');
  });

  it('close spools what the down store could not take; the next process replays it', async () => {
    const dir = tmp();
    const store = new MemoryExchangeStore();
    store.down = true;
    const first = await outboxIn(dir, { store });
    for (let i = 0; i < 8; i++) first.push(item(i));
    await first.close({ timeoutMs: 2_000 });
    live.splice(live.indexOf(first), 1);
    expect(first.stats().exchange.spooled).toBe(8);
    expect(first.push(item(99))).toBe(false);
    store.down = false;
    const second = await outboxIn(dir, { store });
    await until(() => second.idle());
    expect(store.of('exchange').map((x) => x.id)).toEqual(Array.from({ length: 8 }, (_, i) => `req-${i}`));
  });

  it('close past its deadline spools the batch stuck in a hanging insert', async () => {
    const dir = tmp();
    const clock = new ManualClock();
    const store = new MemoryExchangeStore({ clock });
    store.delayMs = 3_000; // never elapses: this clock is not advanced
    const first = await outboxIn(dir, { store, insertTimeoutMs: 10_000, clock });
    first.push(item(1));
    await until(() => store.calls === 1); // in flight, no longer queued
    await first.close({ timeoutMs: 100 });
    live.splice(live.indexOf(first), 1);
    expect(first.stats().exchange.spooled).toBe(1);
  });

  describe("when the spool's disk is full", () => {
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

    async function fullDisk(store: MemoryExchangeStore, clock: ManualClock, logger = new MemoryLogger()) {
      const spool = await Spool.open({ dir: tmp(), clock });
      const real = spool.append.bind(spool);
      const disk = { full: true };
      vi.spyOn(spool, 'append').mockImplementation((items) => (disk.full ? Promise.reject(enospc()) : real(items)));
      const outbox = new Outbox({ spool, store, clock, logger, insertTimeoutMs: 200, retryMinMs: 20, retryMaxMs: 100 });
      outbox.start();
      live.push(outbox);
      return { outbox, disk, logger };
    }

    it('keeps the records in memory, says so once, and spools them in order when the disk has room', async () => {
      const clock = new ManualClock();
      const store = new MemoryExchangeStore();
      store.down = true;
      const { outbox, disk, logger } = await fullDisk(store, clock);
      const events: OutboxEvent['type'][] = [];
      outbox.onEvent((e) => events.push(e.type));
      for (let i = 0; i < 5; i++) outbox.push(item(i));
      await until(() => outbox.stats().spoolDiskFull);
      // More records arrive and wait behind the held batch; retries follow the back-off.
      for (let i = 5; i < 8; i++) outbox.push(item(i));
      clock.advance(20);
      await until(() => outbox.stats().queueDepth === 8);
      expect(outbox.stats()).toMatchObject({ spoolDiskFull: true, exchange: { spooled: 0, dropped: 0 } });
      const said = logger.lines.filter((l) => l.level === 'error' && String(l.msg).includes("spool's disk is full"));
      expect(said).toHaveLength(1);
      expect(events.filter((e) => e === 'spool_disk_full')).toHaveLength(1);

      disk.full = false;
      clock.advance(100);
      await until(() => outbox.stats().exchange.spooled === 8);
      expect(outbox.stats()).toMatchObject({ spoolDiskFull: false, exchange: { dropped: 0 } });
      expect(events).toContain('spool_writable');
      store.down = false;
      clock.advance(100);
      await until(() => outbox.idle());
      expect([...store.items.values()].map((x) => x.id)).toEqual(Array.from({ length: 8 }, (_, i) => `req-${i}`));
    });

    it('delivers the held records straight to the store once it is back, however many wait', async () => {
      const clock = new ManualClock();
      const store = new MemoryExchangeStore();
      store.down = true;
      const { outbox } = await fullDisk(store, clock);
      // More than the high-water mark (half the capacity) would otherwise send them to the spool.
      for (let i = 0; i < 6_000; i++) outbox.push(item(i));
      await until(() => outbox.stats().spoolDiskFull);
      store.down = false;
      clock.advance(100);
      await until(() => outbox.idle(), 10_000);
      expect(store.of('exchange')).toHaveLength(6_000);
      expect(outbox.stats()).toMatchObject({ spoolDiskFull: false, exchange: { inserted: 6_000, dropped: 0, spooled: 0 } });
    });

    it('counts what it still holds at close as lost, with the reason', async () => {
      const clock = new ManualClock();
      const store = new MemoryExchangeStore();
      store.down = true;
      const { outbox, logger } = await fullDisk(store, clock);
      for (let i = 0; i < 3; i++) outbox.push(item(i));
      await until(() => outbox.stats().spoolDiskFull);
      await outbox.close({ timeoutMs: 1_000 });
      expect(outbox.stats().exchange.dropped).toBe(3);
      expect(logger.lines.some((l) => l.level === 'error' && l.reason === 'spool_disk_full')).toBe(true);
    });
  });

  describe('lingering for a fuller batch', () => {
    // Lets the pump run as far as it can without the clock moving.
    const settle = () => new Promise<void>((r) => setImmediate(r));
    const inserted = (store: MemoryExchangeStore) => store.of('exchange').map((i) => i.id);
    /** An outbox on a manual clock in front of a memory store. */
    async function lingering(options: Partial<OutboxOptions>) {
      const clock = new ManualClock();
      const store = new MemoryExchangeStore({ clock });
      return { clock, store, outbox: await outboxIn(tmp(), { store, clock, ...options }) };
    }

    it('sends the first records together once the first has waited lingerMs', async () => {
      const { clock, store, outbox } = await lingering({ lingerMs: 20 });
      outbox.push(item(0));
      clock.advance(5);
      outbox.push(item(1));
      outbox.push(item(2));
      clock.advance(14);
      await settle();
      expect(store.calls).toBe(0);
      clock.advance(1);
      await until(() => outbox.idle());
      expect(store.calls).toBe(1);
      expect(inserted(store)).toEqual(['req-0', 'req-1', 'req-2']);
    });

    it('sends a full batch at once', async () => {
      const { clock, store, outbox } = await lingering({ lingerMs: 1_000, batchSize: 4 });
      for (let i = 0; i < 6; i++) outbox.push(item(i));
      await until(() => store.calls === 1);
      expect(inserted(store)).toEqual(['req-0', 'req-1', 'req-2', 'req-3']);
      // The two left over wait out the first record's linger.
      await settle();
      expect(store.calls).toBe(1);
      clock.advance(1_000);
      await until(() => outbox.idle());
      expect(store.calls).toBe(2);
    });

    it('sends what arrived during an insert right after it, without a new wait', async () => {
      const { clock, store, outbox } = await lingering({ lingerMs: 20 });
      store.delayMs = 10;
      outbox.push(item(0));
      clock.advance(20);
      await until(() => store.calls === 1);
      outbox.push(item(1));
      outbox.push(item(2));
      store.delayMs = 0;
      clock.advance(10); // the first insert lands
      await until(() => outbox.idle());
      expect(store.calls).toBe(2);
      expect(inserted(store)).toEqual(['req-0', 'req-1', 'req-2']);
    });

    it('does not keep a lingering batch from close', async () => {
      const { store, outbox } = await lingering({ lingerMs: 60_000 });
      outbox.push(item(0));
      await settle();
      await outbox.close({ timeoutMs: 1_000 });
      expect(inserted(store)).toEqual(['req-0']);
      expect(outbox.stats().exchange).toMatchObject({ inserted: 1, spooled: 0 });
    });
  });
});

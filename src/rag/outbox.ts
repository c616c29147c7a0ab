// The one durable pipeline behind exchanges and audit events: a bounded in-memory queue drained by
// a single pump into the store, falling back to the disk spool, replayed oldest-first when the store returns.
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../core';
import { countByKind, emptyCounters, type DropReason, type KindCounters, type OutboxEvent, type OutboxStats } from './outbox-stats';
import type { Spool } from './spool';
import type { ExchangeStore, InsertOutcome, OutboxItem, RecordKind } from './types';

export interface OutboxOptions {
  /** Without a store every record goes to the spool (the embedded default). */
  store?: ExchangeStore;
  spool: Spool;
  capacity?: number;
  /** Queue depth above which batches go to the spool instead of waiting on a slow store. */
  highWater?: number;
  batchSize?: number;
  /**
   * How long the first record of a batch may wait for company before the batch goes out (0: at
   * once). Each insert has a fixed cost (a transaction and its commit, a round trip): under load
   * it is spread over the records of a few milliseconds instead of paid by every record alone.
   */
  lingerMs?: number;
  /** An insert slower than this counts as a failure: the batch is spooled (a late success only makes duplicates). */
  insertTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  clock?: Clock;
  logger?: Logger;
}

class InsertTimeout extends Error {}

/** The disk under the spool is out of space (or quota): a state that passes, not a broken spool. */
const isDiskFull = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};

export class Outbox {
  private readonly queue: OutboxItem[] = [];
  private readonly counters: Record<RecordKind, KindCounters> = { exchange: emptyCounters(), audit: emptyCounters() };
  private corrupt = 0;
  private readonly listeners = new Set<(e: OutboxEvent) => void>();
  private inFlight: readonly OutboxItem[] = [];
  private wake?: () => void;
  /** Until then (or a full batch, or closing) the pump leaves a batch that started arriving alone. */
  private lingerUntil = 0;
  private pumping?: Promise<void>;
  private closing = false;
  private closed = false;
  private abandoned = false;
  private storeUp = true;
  private backoff = 0;
  private retryAt = 0;
  /** While the spool's disk is full, batches wait in the queue until this time, then try again. */
  private spoolDiskFull = false;
  private spoolRetryAt = 0;
  private spoolRetryWait = 0;
  private lastDropLog = Number.NEGATIVE_INFINITY;
  private readonly store?: ExchangeStore;
  private readonly spool: Spool;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly limits: Required<Omit<OutboxOptions, 'store' | 'spool' | 'clock' | 'logger'>>;

  constructor({
    store,
    spool,
    clock = systemClock,
    logger = silentLogger,
    capacity = 10_000,
    highWater,
    batchSize = 100,
    lingerMs = 0,
    insertTimeoutMs = 10_000,
    retryMinMs = 500,
    retryMaxMs = 30_000,
  }: OutboxOptions) {
    this.store = store;
    this.spool = spool;
    this.clock = clock;
    this.logger = logger;
    this.limits = { capacity, highWater: highWater ?? Math.floor(capacity / 2), batchSize, lingerMs, insertTimeoutMs, retryMinMs, retryMaxMs };
  }

  start(): void {
    this.pumping ??= this.pump().catch((err: unknown) => this.logger.error({ err }, 'outbox pump stopped unexpectedly'));
  }

  /** Synchronous and never throws: the request path only pays for an array push. */
  push(item: OutboxItem): boolean {
    const refused: DropReason | undefined = this.closed ? 'closed' : this.queue.length >= this.limits.capacity ? 'queue_full' : undefined;
    if (refused) {
      this.drop(countByKind([item]), refused);
      return false;
    }
    // Records that arrive during an insert keep the passed deadline: they go out right after it.
    const first = this.queue.length === 0 && this.inFlight.length === 0;
    if (first && this.limits.lingerMs > 0) this.lingerUntil = this.clock.now() + this.limits.lingerMs;
    this.queue.push(item);
    this.counters[item.kind].enqueued++;
    // The first record wakes the pump to set its timer; then only a full batch wakes it early.
    if (first || this.limits.lingerMs <= 0 || this.queue.length >= this.limits.batchSize) this.wake?.();
    return true;
  }

  /** Counts a record that never reached the queue (a policy said `log: none`, or it was malformed). */
  note(kind: RecordKind, what: 'suppressed' | DropReason): void {
    if (what === 'suppressed') this.counters[kind].suppressed++;
    else this.drop({ exchange: 0, audit: 0, [kind]: 1 }, what);
  }

  onEvent(listener: (e: OutboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OutboxStats {
    const spooling = this.spool.hasPending();
    return {
      exchange: { ...this.counters.exchange },
      audit: { ...this.counters.audit },
      corrupt: this.corrupt,
      queueDepth: this.queue.length + this.inFlight.length,
      spoolBytes: this.spool.pendingBytes(),
      spoolSegments: this.spool.segmentCount(),
      spoolOldestAt: this.spool.oldestPendingAt(),
      mode: !this.store ? 'outbox-only' : spooling ? 'spooling' : 'direct',
      storeUp: this.storeUp,
      spoolDiskFull: this.spoolDiskFull,
    };
  }

  /** Nothing queued, nothing in flight and (with a store) nothing left to replay. */
  idle(): boolean {
    return this.queue.length === 0 && this.inFlight.length === 0 && (!this.store || !this.spool.hasPending());
  }

  private emit(e: OutboxEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.warn({ err }, 'outbox event listener failed');
      }
    }
  }

  private drop(counts: Record<RecordKind, number>, reason: DropReason, err?: unknown): void {
    for (const [kind, count] of Object.entries(counts) as [RecordKind, number][]) {
      if (count === 0) continue;
      this.counters[kind].dropped += count;
      this.emit({ type: 'dropped', kind, count, reason });
    }
    // Never silent, but a full queue under load must not flood the log either: one line a second.
    const now = this.clock.now();
    if (now - this.lastDropLog >= 1000 || reason !== 'queue_full') {
      this.lastDropLog = now;
      const c = this.counters;
      this.logger.error(
        { err, reason, count: counts.exchange + counts.audit, droppedTotal: { exchange: c.exchange.dropped, audit: c.audit.dropped } },
        'records lost: neither the queue nor the spool could take them',
      );
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.abandoned) return;
      let worked = false;
      if (this.queue.length > 0 && (this.closing || this.clock.now() >= this.spoolRetryAt) && !this.lingering()) {
        this.inFlight = this.queue.splice(0, this.limits.batchSize);
        await this.deliver(this.inFlight);
        this.inFlight = [];
        worked = true;
      }
      if (this.store && !this.closing && this.spool.hasPending() && this.clock.now() >= this.retryAt) {
        await this.replayOnce(this.store);
        worked = true;
      }
      if (worked) continue;
      if (this.closing) return;
      const waits = [
        this.store && this.spool.hasPending() ? this.retryAt : undefined,
        this.queue.length > 0 ? Math.max(this.spoolRetryAt, this.lingerUntil) : undefined,
      ].filter((t): t is number => t !== undefined);
      await this.sleep(waits.length > 0 ? Math.max(1, Math.min(...waits) - this.clock.now()) : undefined);
    }
  }

  /**
   * True while a batch smaller than `batchSize` may still wait for more records. Records that
   * arrived during an insert go out with the next batch at once: they have waited already.
   */
  private lingering(): boolean {
    return !this.closing && this.queue.length < this.limits.batchSize && this.clock.now() < this.lingerUntil;
  }

  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      this.wake = () => {
        this.wake = undefined;
        if (timer) this.clock.clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) timer = this.clock.setTimeout(() => this.wake?.(), ms);
    });
  }

  private async deliver(batch: readonly OutboxItem[]): Promise<void> {
    // Anything already spooled must go first, so while the spool is non-empty new records join it.
    // A queue held back by a full spool disk goes to the store as soon as it can: the spool cannot take it.
    const direct =
      this.store && !this.spool.hasPending() && this.clock.now() >= this.retryAt && (this.queue.length <= this.limits.highWater || this.spoolDiskFull);
    if (!direct || !this.store) return this.toSpool(batch);
    try {
      const outcome = await this.insert(this.store, batch);
      await this.settle(batch, outcome, 'inserted');
      this.markUp();
      // What waited for the spool's disk went to the store instead; once the queue is back under
      // the high-water mark nothing needs the spool any more (clearing earlier would send the rest
      // to the full disk again, and flap).
      if (this.spoolDiskFull && this.queue.length <= this.limits.highWater) this.spoolWritable();
    } catch (err) {
      this.markDown(err);
      await this.toSpool(batch);
    }
  }

  private async replayOnce(store: ExchangeStore): Promise<void> {
    let batch: Awaited<ReturnType<Spool['read']>>;
    try {
      batch = await this.spool.read(this.limits.batchSize);
    } catch (err) {
      this.logger.error({ err }, 'could not read the spool; will retry');
      return this.markDown(err, false);
    }
    if (!batch) {
      // Pending bytes but nothing readable yet: look again later instead of spinning.
      this.retryAt = this.clock.now() + this.limits.retryMinMs;
      return;
    }
    if (batch.corrupt > 0) {
      this.corrupt += batch.corrupt;
      this.emit({ type: 'corrupt', count: batch.corrupt });
      this.logger.warn({ count: batch.corrupt, dir: this.spool.dir }, 'skipped unreadable spool lines (a write torn by a crash)');
    }
    let outcome: InsertOutcome;
    try {
      outcome = await this.insert(store, batch.items);
    } catch (err) {
      // Not committed: the same lines are read again next time, and duplicates are harmless.
      return this.markDown(err);
    }
    this.markUp();
    await this.settle(batch.items, outcome, 'replayed');
    try {
      await batch.commit();
      if (!this.spool.hasPending()) this.logger.info({ dir: this.spool.dir }, 'spool replayed: every record it held is in the store');
    } catch (err) {
      this.logger.error({ err, dir: this.spool.dir }, 'could not commit the spool position; the batch will be replayed again');
      this.markDown(err, false);
    }
  }

  private insert(store: ExchangeStore, items: readonly OutboxItem[]): Promise<InsertOutcome> {
    const op = store.insert(items);
    op.catch(() => {});
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () => reject(new InsertTimeout(`insert took longer than ${this.limits.insertTimeoutMs} ms`)),
        this.limits.insertTimeoutMs,
      );
      op.then(
        (v) => {
          this.clock.clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private async settle(items: readonly OutboxItem[], outcome: InsertOutcome, via: 'inserted' | 'replayed'): Promise<void> {
    const rejectedIds = new Map(outcome.rejected.map((r) => [r.id, r.reason]));
    const rejected = items.filter((i) => rejectedIds.has(i.id));
    if (rejected.length > 0) {
      this.logger.error(
        { count: rejected.length, reasons: [...new Set(rejectedIds.values())].slice(0, 3) },
        'the store refused records; kept in the dead-letter file',
      );
      try {
        await this.spool.deadLetter(rejected.map((item) => ({ item, reason: rejectedIds.get(item.id)! })));
        for (const i of rejected) this.counters[i.kind].rejected++;
        this.emit({ type: 'rejected', count: rejected.length });
      } catch (err) {
        this.drop(countByKind(rejected), 'dead_letter_error', err);
      }
    }
    const stored = items.filter((i) => !rejectedIds.has(i.id));
    const duplicates = new Set(outcome.duplicates);
    for (const i of stored) {
      const c = this.counters[i.kind];
      if (duplicates.has(i.id)) c.duplicates++;
      else c.inserted++;
      if (via === 'replayed') c.replayed++;
    }
    if (via === 'replayed') this.emit({ type: 'replayed', count: stored.length });
  }

  private async toSpool(batch: readonly OutboxItem[], forced = false): Promise<void> {
    try {
      await this.spool.append(batch);
      for (const i of batch) this.counters[i.kind].spooled++;
      this.emit({ type: 'spooled', count: batch.length });
      if (this.spoolDiskFull) this.spoolWritable();
    } catch (err) {
      // After a forced close the pump's late batch was already spooled by `close`.
      if (this.abandoned && !forced) return;
      if (isDiskFull(err) && !this.closing) return this.holdForDisk(batch, err);
      this.drop(countByKind(batch), isDiskFull(err) ? 'spool_disk_full' : (err as { code?: string }).code === 'spool_full' ? 'spool_full' : 'spool_error', err);
    }
  }

  /**
   * The spool's disk is full: the batch goes back to the head of the queue (order kept) and the pump
   * tries again after the back-off, so a disk that gets room again loses nothing. Meanwhile new
   * records wait behind it in memory; only what the queue cannot hold is lost (`queue_full`).
   */
  private holdForDisk(batch: readonly OutboxItem[], err: unknown): void {
    this.queue.unshift(...batch);
    const wait = this.spoolRetryWait === 0 ? this.limits.retryMinMs : Math.min(this.limits.retryMaxMs, this.spoolRetryWait * 2);
    this.spoolRetryWait = wait;
    this.spoolRetryAt = this.clock.now() + wait;
    if (this.spoolDiskFull) return;
    this.spoolDiskFull = true;
    this.emit({ type: 'spool_disk_full' });
    this.logger.error(
      { err, dir: this.spool.dir, queued: this.queue.length, capacity: this.limits.capacity, retryInMs: wait },
      "the spool's disk is full: records wait in memory until it has room (past the queue's capacity they are lost); free space on that disk",
    );
  }

  private spoolWritable(): void {
    this.spoolDiskFull = false;
    this.spoolRetryAt = 0;
    this.spoolRetryWait = 0;
    this.emit({ type: 'spool_writable' });
    this.logger.info({ dir: this.spool.dir, queued: this.queue.length }, "records held for the spool's full disk are delivered again");
  }

  private markDown(err: unknown, isStore = true): void {
    this.backoff = Math.min(this.limits.retryMaxMs, this.backoff === 0 ? this.limits.retryMinMs : this.backoff * 2);
    this.retryAt = this.clock.now() + this.backoff;
    if (!isStore || !this.storeUp) return;
    this.storeUp = false;
    const error = err instanceof Error ? err.message : String(err);
    this.emit({ type: 'store_down', error });
    this.logger.warn({ err, retryInMs: this.backoff }, 'record store unavailable or slow; spooling to disk');
  }

  private markUp(): void {
    this.backoff = 0;
    this.retryAt = 0;
    if (this.storeUp) return;
    this.storeUp = true;
    this.emit({ type: 'store_up' });
    this.logger.info({ spoolBytes: this.spool.pendingBytes() }, 'record store reachable again; replaying the spool');
  }

  /**
   * Stops accepting, delivers what is queued (to the store or the spool) and closes the spool.
   * Past `timeoutMs` whatever is still queued or in flight is spooled as is (a late insert of the
   * same records only makes duplicates). The spool keeps anything unreplayed for the next start.
   */
  async close({ timeoutMs = 5_000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.wake?.();
    this.start();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A plain (ref'd) timer: a CLI process must not exit before its last audit event is safe.
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.pumping!.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    this.closed = true;
    if (result === 'timeout') {
      this.abandoned = true;
      const rest = [...this.inFlight, ...this.queue.splice(0)];
      if (rest.length > 0) await this.toSpool(rest, true);
    }
    await this.spool.flush().catch((err: unknown) => this.logger.error({ err }, 'spool fsync on close failed'));
    await this.spool.close();
  }
}

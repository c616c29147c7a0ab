// The outbox's counters and events: what src/metrics reads (src/rag cannot import prom-client).
import type { RecordKind } from './types';

export interface KindCounters {
  /** Accepted into the in-memory queue. */
  enqueued: number;
  /** Stored in the database (directly or by replay), duplicates excluded. */
  inserted: number;
  /** Already present when stored again (a replay after a timeout): harmless, counted apart. */
  duplicates: number;
  /** Written to the disk spool because the store was absent, slow or down. */
  spooled: number;
  /** Read back from the spool and stored (a subset of `inserted` plus `duplicates`). */
  replayed: number;
  /** Lost: neither the queue nor the spool could take them. Always logged. */
  dropped: number;
  /** Refused by the store for good and written to the dead-letter file instead. */
  rejected: number;
  /** Not recorded because a policy said so (`log: none`). Deliberate, not a loss. */
  suppressed: number;
  /** Stored, then deleted by retention (`retentionDays`, or the oldest past the embedded byte cap). */
  expired: number;
}

export type DropReason = 'queue_full' | 'spool_full' | 'spool_disk_full' | 'spool_error' | 'closed' | 'invalid_record' | 'dead_letter_error';

export type OutboxEvent =
  | { type: 'dropped'; kind: RecordKind; count: number; reason: DropReason }
  | { type: 'spooled'; count: number }
  | { type: 'replayed'; count: number }
  | { type: 'rejected'; count: number }
  | { type: 'corrupt'; count: number }
  | { type: 'store_down'; error: string }
  | { type: 'store_up' }
  /** The spool's disk refused an append for lack of space; records wait in memory. */
  | { type: 'spool_disk_full' }
  | { type: 'spool_writable' };

export interface OutboxStats {
  exchange: KindCounters;
  audit: KindCounters;
  /** Unparseable spool lines skipped on replay (a write torn by a crash). */
  corrupt: number;
  queueDepth: number;
  spoolBytes: number;
  spoolSegments: number;
  /** When the oldest record waiting in the spool was written; undefined when the spool is empty. */
  spoolOldestAt?: number;
  /** `direct` inserts, `spooling` while the store is behind, `outbox-only` without a store. */
  mode: 'direct' | 'spooling' | 'outbox-only';
  storeUp: boolean;
  /** True while the spool's disk is full: records wait in the in-memory queue (bounded by its capacity). */
  spoolDiskFull: boolean;
}

export const emptyCounters = (): KindCounters => ({
  enqueued: 0,
  inserted: 0,
  duplicates: 0,
  spooled: 0,
  replayed: 0,
  dropped: 0,
  rejected: 0,
  suppressed: 0,
  expired: 0,
});

export function countByKind<T extends { kind: RecordKind }>(items: readonly T[]): Record<RecordKind, number> {
  const out: Record<RecordKind, number> = { exchange: 0, audit: 0 };
  for (const i of items) out[i.kind]++;
  return out;
}

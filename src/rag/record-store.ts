// The record store as a whole: what the outbox writes into (ExchangeStore), read back by id, listed,
// searched, and expired by retention. MongoDB and the embedded SQLite database both implement it;
// one contract suite (test/integration/rag/store-contract.test.ts) holds them to the same answers.
import type { ResponseStore } from './responses';
import type { RagSearch } from './search';
import type { AuditEvent, ExchangeRecord, ExchangeStore, RecordKind } from './types';

export type StoreBackend = 'sqlite' | 'mongodb';

export interface ExchangeQuery {
  /** Newest first, at most this many (default 20). */
  limit?: number;
  /** ISO time: only records that arrived before it (page backwards with the last one's time). */
  before?: string;
  /** ISO time: only records that arrived at or after it. */
  since?: string;
  principalId?: string;
  model?: string;
}

export interface AuditQuery {
  limit?: number;
  before?: string;
  since?: string;
  actor?: string;
  type?: string;
}

/** Records deleted by retention, by kind; responses are the agent doors' stored responses. */
export type ExpiredCounts = Record<RecordKind | 'response', number>;

export const noneExpired = (): ExpiredCounts => ({ exchange: 0, audit: 0, response: 0 });

export interface SweepReport {
  /** Older than `retentionDays` / `auditRetentionDays`. */
  byAge: ExpiredCounts;
  /** The oldest, deleted to bring the embedded store back under its byte cap. */
  byBytes: ExpiredCounts;
  /** Bytes counted against the cap before and after (embedded store only). */
  bytesBefore?: number;
  bytesAfter?: number;
}

export interface StoreHealth {
  backend: StoreBackend;
  /** Bytes the records take, counted against `maxBytes` (embedded store only). */
  bytes?: number;
  maxBytes?: number;
  /** True while the disk (or the database's size limit) refuses writes; records wait in the spool. */
  diskFull: boolean;
  /** Since start, everything retention deleted. */
  expired: ExpiredCounts;
}

export interface RecordStore extends ExchangeStore, RagSearch {
  readonly backend: StoreBackend;
  /** Where the records live, for logs and the CLI (a file path, or `mongodb <db>`). */
  readonly location: string;
  readonly responses: ResponseStore;
  /** By record id, else by request id (they are the same for exchanges the gateway recorded). */
  exchange(id: string): Promise<ExchangeRecord | undefined>;
  exchanges(query?: ExchangeQuery): Promise<ExchangeRecord[]>;
  auditEvents(query?: AuditQuery): Promise<AuditEvent[]>;
  /** Applies retention now; the storage runs it on a timer. */
  sweep(): Promise<SweepReport>;
  health(): StoreHealth;
  close(): Promise<void>;
}

export const defaultListLimit = 20;

export function listLimit(limit: number | undefined, max = 1_000): number {
  return Math.max(1, Math.min(max, Math.floor(limit ?? defaultListLimit) || defaultListLimit));
}

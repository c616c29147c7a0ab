// Builds the whole recording side from config: the record store (MongoDB, or the embedded SQLite
// file by default), the spool that buffers while the store cannot take records, the outbox,
// recorder, audit sink, rag_search, stored responses, and retention on a timer.
import { isAbsolute, join } from 'node:path';
import type { Db } from 'mongodb';
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../core';
import type { IndexReport } from './mongo-indexes';
import { openRecordStore, type EmbeddedStoreConfig, type MongoStoreConfig } from './open-store';
import { Outbox } from './outbox';
import type { OutboxEvent, OutboxStats } from './outbox-stats';
import type { RecordStore, StoreHealth, SweepReport } from './record-store';
import { OutboxAuditSink, OutboxExchangeRecorder } from './recorder';
import { compilePattern, defaultSecretPatterns, type PatternConfig, type RedactionPattern } from './redact';
import type { ResponseStore } from './responses';
import type { RagSearch } from './search';
import { Spool } from './spool';
import { SpoolRagSearch } from './spool-search';
import type { AuditSink, Embedder, ExchangeRecorder } from './types';

export { createMongoClient, databaseFromUri } from './open-store';

/** How long a batch waits for company (`rag.queue.lingerMs`); see the Outbox's `lingerMs`. */
export const defaultLingerMs = 20;

export interface RagStorageConfig {
  /** MongoDB as the store; without a URI or client the embedded store is used. */
  mongodb?: MongoStoreConfig;
  embedded?: EmbeddedStoreConfig;
  /** An already opened store (tests, the bench): `mongodb` and `embedded` are then ignored. */
  store?: RecordStore;
  spool?: { dir?: string; segmentBytes?: number; maxBytes?: number; fsyncIntervalMs?: number; fsyncEveryRecords?: number };
  queue?: { capacity?: number; batchSize?: number; lingerMs?: number; insertTimeoutMs?: number; retryMinMs?: number; retryMaxMs?: number };
  /** Operator regexes redacted on top of the built-in secret patterns. */
  redaction?: { patterns?: PatternConfig[] };
  embedder?: Embedder;
  /** Run retention on a timer (default true); short-lived CLI commands leave it to the gateway. */
  sweep?: boolean;
  /** Base for relative paths (spool dir, database file); defaults to the process' working directory. */
  cwd?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface RagStorage {
  recorder: ExchangeRecorder;
  audit: AuditSink;
  search: RagSearch;
  /** Where exchanges and audit events end up; also read back by id and filter (`aegis records`). */
  store: RecordStore;
  /** The agent doors' stored responses, in the same store. */
  responses: ResponseStore;
  /** The always-on redaction set, for `redactingLogger` and anything else that writes text out. */
  patterns: readonly RedactionPattern[];
  /** The database, when MongoDB is configured (the registry can share it). */
  db?: Db;
  /** Resolves once indexes exist (retried in the background while MongoDB is down). */
  ready: Promise<IndexReport | undefined>;
  /** The outbox's counters, with what retention deleted counted as `expired`. */
  stats(): OutboxStats;
  health(): StoreHealth;
  /** Runs retention now (it also runs on a timer). */
  sweep(): Promise<SweepReport>;
  onEvent(listener: (e: OutboxEvent) => void): () => void;
  /** True when nothing is queued and nothing is left to replay. */
  idle(): boolean;
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** MongoDB down: answer from what is still in the local spool rather than failing the tool call. */
function withFallback(primary: RagSearch, fallback: RagSearch, logger: Logger): RagSearch {
  return {
    async search(query, k) {
      try {
        return await primary.search(query, k);
      } catch (err) {
        logger.warn({ err }, 'rag_search on MongoDB failed; searching the local spool instead');
        return fallback.search(query, k);
      }
    },
  };
}

export async function openRagStorage(config: RagStorageConfig = {}): Promise<RagStorage> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? silentLogger;
  const patterns = [...defaultSecretPatterns, ...(config.redaction?.patterns ?? []).map(compilePattern)];
  const cwd = config.cwd ?? process.cwd();
  const rawDir = config.spool?.dir ?? join('.aegis', 'spool');
  const spool = await Spool.open({ ...config.spool, dir: isAbsolute(rawDir) ? rawDir : join(cwd, rawDir), clock, logger });
  let opened: ReturnType<typeof openRecordStore>;
  try {
    opened = config.store
      ? { store: config.store, ready: Promise.resolve(undefined), sweepIntervalMs: config.embedded?.sweepIntervalMs, stop: () => {} }
      : openRecordStore({ mongodb: config.mongodb, embedded: config.embedded, embedder: config.embedder, cwd, clock, logger });
  } catch (err) {
    await spool.close();
    throw err;
  }
  const { store } = opened;
  if (spool.hasPending()) {
    // Records an earlier run could not store (or, before the embedded store, kept only here):
    // the outbox replays them, oldest first, and deletes each segment once it is stored.
    logger.info({ spool: spool.dir, bytes: spool.pendingBytes(), store: store.location }, 'the spool holds records from an earlier run; storing them');
  }

  // Each insert has a fixed cost (SQLite's commit and FTS5's flush of new terms, MongoDB's round
  // trip) that a lone record would pay in full: a batch waits a moment for company. The embedded
  // writer splits a large batch into bounded transactions itself.
  const queue = { lingerMs: defaultLingerMs, ...(store.backend === 'sqlite' ? { batchSize: 500 } : {}), ...config.queue };
  const outbox = new Outbox({ store, spool, ...queue, clock, logger });
  outbox.start();

  let stopped = false;
  let sweepTimer: TimerHandle | undefined;
  const scheduleSweep = (ms: number, every: number): void => {
    if (stopped) return;
    sweepTimer = clock.setTimeout(() => {
      void store
        .sweep()
        .catch((err: unknown) => logger.warn({ err }, 'retention sweep failed; will retry'))
        .finally(() => scheduleSweep(every, every));
    }, ms);
  };
  const every = opened.sweepIntervalMs;
  if (every !== undefined && config.sweep !== false) void opened.ready.then(() => scheduleSweep(0, every));

  const search: RagSearch =
    store.backend === 'mongodb' ? withFallback(store, new SpoolRagSearch({ dir: spool.dir, textMode: config.mongodb?.fieldMapping?.textMode }), logger) : store;
  return {
    recorder: new OutboxExchangeRecorder({ outbox, patterns, clock, logger }),
    audit: new OutboxAuditSink({ outbox, patterns, clock, logger }),
    search,
    store,
    responses: store.responses,
    patterns,
    db: opened.db,
    ready: opened.ready,
    stats: () => withExpired(outbox.stats(), store.health()),
    health: () => store.health(),
    sweep: () => store.sweep(),
    onEvent: (listener) => outbox.onEvent(listener),
    idle: () => outbox.idle(),
    async close(options) {
      stopped = true;
      if (sweepTimer) clock.clearTimeout(sweepTimer);
      opened.stop();
      await outbox.close(options);
      // A store given by the caller is the caller's to close.
      if (!config.store) await store.close().catch((err: unknown) => logger.warn({ err }, 'closing the record store failed'));
    },
  };
}

function withExpired(stats: OutboxStats, health: StoreHealth): OutboxStats {
  return {
    ...stats,
    exchange: { ...stats.exchange, expired: health.expired.exchange },
    audit: { ...stats.audit, expired: health.expired.audit },
  };
}

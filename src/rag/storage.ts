// Builds the whole recording side from config: spool, optional MongoDB store, outbox, recorder,
// audit sink and rag_search; index creation runs in the background so a down MongoDB never blocks start.
import { isAbsolute, join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../core';
import { ensureRecordIndexes, RetentionSweeper, type IndexReport } from './mongo-indexes';
import type { FieldMapping } from './mongo-mapping';
import { MongoExchangeStore, type MongoCollections } from './mongo-store';
import { Outbox } from './outbox';
import type { OutboxEvent, OutboxStats } from './outbox-stats';
import { OutboxAuditSink, OutboxExchangeRecorder } from './recorder';
import { compilePattern, defaultSecretPatterns, type PatternConfig, type RedactionPattern } from './redact';
import { MongoRagSearch, type RagSearch } from './search';
import { Spool } from './spool';
import { SpoolRagSearch } from './spool-search';
import type { AuditSink, Embedder, ExchangeRecorder } from './types';

export interface RagStorageConfig {
  mongodb?: {
    uri?: string;
    /** An already connected client (shared with the registry); not closed by `close`. */
    client?: MongoClient;
    /** Defaults to the database named in the URI, else `aegis`. */
    database?: string;
    collections?: Partial<MongoCollections>;
    fieldMapping?: Partial<FieldMapping>;
    retentionDays?: number;
    auditRetentionDays?: number;
    vectorIndex?: string;
    writeRag?: boolean;
  };
  spool?: { dir?: string; segmentBytes?: number; maxBytes?: number; fsyncIntervalMs?: number; fsyncEveryRecords?: number };
  queue?: { capacity?: number; batchSize?: number; insertTimeoutMs?: number; retryMinMs?: number; retryMaxMs?: number };
  /** Operator regexes redacted on top of the built-in secret patterns. */
  redaction?: { patterns?: PatternConfig[] };
  embedder?: Embedder;
  /** Base for a relative spool dir; defaults to the process' working directory. */
  cwd?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface RagStorage {
  recorder: ExchangeRecorder;
  audit: AuditSink;
  search: RagSearch;
  /** The always-on redaction set, for `redactingLogger` and anything else that writes text out. */
  patterns: readonly RedactionPattern[];
  /** The database, when MongoDB is configured (the registry can share it). */
  db?: Db;
  /** Resolves once indexes exist (retried in the background while MongoDB is down). */
  ready: Promise<IndexReport | undefined>;
  stats(): OutboxStats;
  onEvent(listener: (e: OutboxEvent) => void): () => void;
  /** True when nothing is queued and nothing is left to replay. */
  idle(): boolean;
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** Short timeouts: a down server must turn into spooling within seconds, not the driver's 30 s. */
export function createMongoClient(uri: string): MongoClient {
  return new MongoClient(uri, { serverSelectionTimeoutMS: 3_000, connectTimeoutMS: 3_000, socketTimeoutMS: 30_000, appName: 'aegis' });
}

export function databaseFromUri(uri: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return m ? decodeURIComponent(m[1]) : undefined;
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

  const mongo = config.mongodb;
  const ownClient = mongo?.uri && !mongo.client ? createMongoClient(mongo.uri) : undefined;
  const client = mongo?.client ?? ownClient;
  const db = client ? client.db(mongo?.database ?? databaseFromUri(mongo?.uri ?? '') ?? 'aegis') : undefined;
  const store = db
    ? new MongoExchangeStore({
        db,
        collections: mongo?.collections,
        fieldMapping: mongo?.fieldMapping,
        writeRag: mongo?.writeRag,
        embedder: config.embedder,
        logger,
      })
    : undefined;

  const outbox = new Outbox({ store, spool, ...config.queue, clock, logger });
  outbox.start();

  let stopped = false;
  let retryTimer: TimerHandle | undefined;
  let sweeper: RetentionSweeper | undefined;
  let settleReady: (r: IndexReport | undefined) => void = () => {};
  const ready = new Promise<IndexReport | undefined>((resolve) => {
    settleReady = resolve;
    if (!db || !store) return resolve(undefined);
    const attempt = (delay: number): void => {
      if (stopped) return resolve(undefined);
      ensureRecordIndexes(db, store.collections, store.mapping, mongo ?? {}).then(
        (report) => {
          const targets: Record<string, number> = {};
          if (report.retention.exchanges === 'sweep') targets[store.collections.exchanges] = mongo!.retentionDays!;
          if (report.retention.audit === 'sweep') targets[store.collections.audit] = mongo!.auditRetentionDays!;
          if (Object.keys(targets).length > 0 && !stopped) {
            sweeper = new RetentionSweeper({ db, targets, clock, logger });
            sweeper.start();
          }
          logger.info({ retention: report.retention, skipped: report.skipped }, 'record indexes ready');
          resolve(report);
        },
        (err: unknown) => {
          logger.warn({ err, retryInMs: delay }, 'could not create record indexes; will retry');
          retryTimer = clock.setTimeout(() => attempt(Math.min(delay * 2, 60_000)), delay);
        },
      );
    };
    attempt(1_000);
  });

  const local = new SpoolRagSearch({ dir: spool.dir, textMode: mongo?.fieldMapping?.textMode });
  const search: RagSearch =
    db && store
      ? withFallback(
          new MongoRagSearch({
            db,
            collection: store.collections.rag,
            fieldMapping: store.mapping,
            embedder: config.embedder,
            vectorIndex: mongo?.vectorIndex,
            clock,
            logger,
          }),
          local,
          logger,
        )
      : local;

  return {
    recorder: new OutboxExchangeRecorder({ outbox, patterns, clock, logger }),
    audit: new OutboxAuditSink({ outbox, patterns, clock, logger }),
    search,
    patterns,
    db,
    ready,
    stats: () => outbox.stats(),
    onEvent: (listener) => outbox.onEvent(listener),
    idle: () => outbox.idle(),
    async close(options) {
      stopped = true;
      if (retryTimer) clock.clearTimeout(retryTimer);
      settleReady(undefined);
      sweeper?.stop();
      await outbox.close(options);
      await ownClient?.close().catch((err: unknown) => logger.warn({ err }, 'closing the MongoDB client failed'));
    },
  };
}

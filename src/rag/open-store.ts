// Opens the record store the config names: MongoDB when a URI or client is given, else the embedded
// SQLite file (`.aegis/aegis.db` under the working directory). MongoDB's indexes are created in the
// background, retried while the server is down, so a down MongoDB never blocks a start.
import { isAbsolute, join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../core';
import { ensureRecordIndexes, type IndexReport } from './mongo-indexes';
import type { FieldMapping } from './mongo-mapping';
import { MongoRecordStore } from './mongo-record-store';
import type { MongoCollections } from './mongo-store';
import type { RecordStore } from './record-store';
import { SqliteRecordStore, type SqliteRecordStoreOptions } from './sqlite';
import type { Embedder } from './types';

export interface MongoStoreConfig {
  uri?: string;
  /** An already connected client (shared with the registry); not closed with the store. */
  client?: MongoClient;
  /** Defaults to the database named in the URI, else `aegis`. */
  database?: string;
  collections?: Partial<MongoCollections>;
  fieldMapping?: Partial<FieldMapping>;
  retentionDays?: number;
  auditRetentionDays?: number;
  vectorIndex?: string;
  writeRag?: boolean;
}

export interface EmbeddedStoreConfig {
  /** Default `.aegis/aegis.db`, relative to `cwd`. */
  path?: string;
  maxBytes?: number;
  retentionDays?: number;
  auditRetentionDays?: number;
  /** Retention runs this often (default 15 s, so the byte cap holds within 30 s). */
  sweepIntervalMs?: number;
  busyTimeoutMs?: number;
  transactions?: SqliteRecordStoreOptions['transactions'];
  /** What the RAG document's text holds (`rag.fieldMapping.textMode`). */
  textMode?: FieldMapping['textMode'];
}

export interface RecordStoreConfig {
  mongodb?: MongoStoreConfig;
  embedded?: EmbeddedStoreConfig;
  embedder?: Embedder;
  cwd?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface OpenedRecordStore {
  store: RecordStore;
  /** The MongoDB database, when that is the store (the registry can share it). */
  db?: Db;
  /** Resolves once MongoDB's indexes exist (undefined for the embedded store, at once). */
  ready: Promise<IndexReport | undefined>;
  /** How often retention should run; undefined: never (nothing to expire). */
  sweepIntervalMs?: number;
  /** Stops the index retries. The store's own `close` closes the connection. */
  stop(): void;
}

/** Short timeouts: a down server must turn into spooling within seconds, not the driver's 30 s. */
export function createMongoClient(uri: string): MongoClient {
  return new MongoClient(uri, { serverSelectionTimeoutMS: 3_000, connectTimeoutMS: 3_000, socketTimeoutMS: 30_000, appName: 'aegis' });
}

export function databaseFromUri(uri: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return m ? decodeURIComponent(m[1]) : undefined;
}

export function embeddedPath(path: string | undefined, cwd = process.cwd()): string {
  const raw = path ?? join('.aegis', 'aegis.db');
  return isAbsolute(raw) ? raw : join(cwd, raw);
}

export function openRecordStore(config: RecordStoreConfig): OpenedRecordStore {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? silentLogger;
  const mongo = config.mongodb;
  if (mongo?.uri || mongo?.client) return openMongo(mongo, config, clock, logger);
  const embedded = config.embedded ?? {};
  const store = SqliteRecordStore.open({
    ...embedded,
    path: embeddedPath(embedded.path, config.cwd),
    embedder: config.embedder,
    clock,
    logger,
  });
  return { store, ready: Promise.resolve(undefined), sweepIntervalMs: embedded.sweepIntervalMs ?? 15_000, stop: () => {} };
}

function openMongo(mongo: MongoStoreConfig, config: RecordStoreConfig, clock: Clock, logger: Logger): OpenedRecordStore {
  const ownedClient = mongo.client ? undefined : createMongoClient(mongo.uri!);
  const client = mongo.client ?? ownedClient!;
  const db = client.db(mongo.database ?? databaseFromUri(mongo.uri ?? '') ?? 'aegis');
  const store = new MongoRecordStore({ ...mongo, db, ownedClient, embedder: config.embedder, clock, logger });
  let stopped = false;
  let retryTimer: TimerHandle | undefined;
  let settle: (r: IndexReport | undefined) => void = () => {};
  const ready = new Promise<IndexReport | undefined>((resolve) => {
    settle = resolve;
    const attempt = (delay: number): void => {
      if (stopped) return resolve(undefined);
      Promise.all([ensureRecordIndexes(db, store.writer.collections, store.writer.mapping, mongo), store.responses.ensureIndexes()]).then(
        ([report]) => {
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
  return {
    store,
    db,
    ready,
    // TTL indexes expire records on a real MongoDB; the sweep also covers FerretDB and stored responses.
    sweepIntervalMs: mongo.retentionDays || mongo.auditRetentionDays ? 3_600_000 : undefined,
    stop() {
      stopped = true;
      if (retryTimer) clock.clearTimeout(retryTimer);
      settle(undefined);
    },
  };
}

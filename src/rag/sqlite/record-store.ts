// The embedded RecordStore: one SQLite file (`.aegis/aegis.db`) holding exchanges, audit events,
// RAG documents and stored responses. The outbox's pump is its one record writer, whose inserts and
// retention sweeps run on a thread of their own (write-thread.ts), as do the stored responses'
// writes; reads stay here.
import { systemClock, silentLogger, type Clock, type Logger } from '../../core';
import type { FieldMapping } from '../mongo-mapping';
import { noneExpired, type AuditQuery, type ExchangeQuery, type RecordStore, type StoreHealth, type SweepReport } from '../record-store';
import type { RagSearchResponse } from '../search';
import type { AuditEvent, Embedder, ExchangeRecord, InsertOutcome, OutboxItem } from '../types';
import { setCheckpointBackstop } from './checkpointer';
import { isDiskFull, openDatabase, type SqliteDatabase } from './database';
import { SqliteRecordReader } from './reader';
import { SqliteResponseStore } from './responses';
import { storedBytes } from './retention';
import { SqliteRagSearch } from './search';
import { VectorIndex } from './vector-index';
import { WriteFailedError, WriteThread } from './write-thread';
import { embedRecords, type SqliteRecordWriterOptions } from './writer';

export const defaultEmbeddedMaxBytes = 1 << 30;

export interface SqliteRecordStoreOptions {
  /** The database file; created with its directory when missing. */
  path: string;
  /** Bytes the records may take before the oldest are deleted (default 1 GiB). */
  maxBytes?: number;
  retentionDays?: number;
  auditRetentionDays?: number;
  embedder?: Embedder;
  textMode?: FieldMapping['textMode'];
  /** Transaction bounds of the writer (tests and the bench change them). */
  transactions?: Pick<SqliteRecordWriterOptions, 'maxRowsPerTransaction' | 'maxBytesPerTransaction'>;
  busyTimeoutMs?: number;
  /** Memory the embeddings may take for cosine search (default 256 MiB); past it they are read from the file per query. */
  vectorMemoryBytes?: number;
  /** Only read an existing file (the `aegis records` CLI, also while the gateway writes it). */
  readonly?: boolean;
  clock?: Clock;
  logger?: Logger;
}

export class SqliteRecordStore implements RecordStore {
  readonly backend = 'sqlite';
  readonly location: string;
  /** The connection; the registry store keeps its tables in the same file through it. */
  readonly db: SqliteDatabase;
  readonly responses: SqliteResponseStore;
  private readonly writer: WriteThread;
  private readonly reader: SqliteRecordReader;
  private readonly searcher: SqliteRagSearch;
  private readonly vectors: VectorIndex;
  private readonly embedder?: Embedder;
  private readonly textMode?: FieldMapping['textMode'];
  private readonly maxBytes: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** Bytes the writer added since the last sweep measured the store. */
  private addedBytes = 0;
  private readonly expired = noneExpired();
  private measuredBytes: number;
  private diskFull = false;
  private sweeping?: Promise<SweepReport>;

  private constructor(options: SqliteRecordStoreOptions, db: SqliteDatabase) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.location = options.path;
    this.db = db;
    this.embedder = options.embedder;
    this.textMode = options.textMode;
    this.maxBytes = options.maxBytes ?? defaultEmbeddedMaxBytes;
    this.vectors = new VectorIndex({ db, maxBytes: options.vectorMemoryBytes });
    this.writer = new WriteThread({
      path: options.path,
      textMode: options.textMode,
      maxBytes: this.maxBytes,
      retentionDays: options.retentionDays,
      auditRetentionDays: options.auditRetentionDays,
      ...options.transactions,
    });
    this.reader = new SqliteRecordReader(db);
    this.searcher = new SqliteRagSearch({ db, embedder: options.embedder, index: this.vectors, logger: this.logger });
    this.responses = new SqliteResponseStore(db, this.writer);
    this.measuredBytes = storedBytes(db);
  }

  static open(options: SqliteRecordStoreOptions): SqliteRecordStore {
    const db = openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs, readonly: options.readonly });
    // The writer thread's checkpointer keeps the log short: a registry write committed here must
    // not copy it into the file on the event loop (SQLite's default past 1,000 pages).
    if (!options.readonly) setCheckpointBackstop(db);
    return new SqliteRecordStore(options, db);
  }

  /** Throws while the disk is full (or the database is locked): the outbox spools and retries. */
  async insert(items: readonly OutboxItem[]): Promise<InsertOutcome> {
    try {
      const vectors = await embedRecords(this.embedder, items, { textMode: this.textMode, logger: this.logger });
      const { outcome, bytes, vectors: stored } = await this.writer.insert(items, vectors);
      this.addedBytes += bytes;
      for (const [seq, dims, blob] of stored) this.vectors.add(seq, dims, blob);
      if (this.diskFull) {
        this.diskFull = false;
        this.logger.info({ path: this.location }, 'the embedded record store accepts writes again');
      }
      return outcome;
    } catch (err) {
      if (err instanceof WriteFailedError) {
        this.addedBytes += err.committed.bytes;
        for (const [seq, dims, blob] of err.committed.vectors) this.vectors.add(seq, dims, blob);
      }
      if (isDiskFull(err) && !this.diskFull) {
        this.diskFull = true;
        this.logger.error(
          { err, path: this.location, bytes: this.health().bytes },
          'disk full: the embedded record store refuses writes; records wait in the spool',
        );
      }
      throw err;
    }
  }

  search(query: string, k: number): Promise<RagSearchResponse> {
    return this.searcher.search(query, k);
  }

  async exchange(id: string): Promise<ExchangeRecord | undefined> {
    return this.reader.exchange(id);
  }

  async exchanges(query?: ExchangeQuery): Promise<ExchangeRecord[]> {
    return this.reader.exchanges(query);
  }

  async auditEvents(query?: AuditQuery): Promise<AuditEvent[]> {
    return this.reader.auditEvents(query);
  }

  /** One sweep at a time; a call during a sweep gets that sweep's report. */
  sweep(): Promise<SweepReport> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<SweepReport> {
    // The sweep measures the store at once (before its first await): what was added until then is in it.
    const added = [this.addedBytes, this.responses.addedBytes] as const;
    const { report, droppedVectors } = await this.writer.sweep(this.clock.now());
    this.vectors.remove(droppedVectors);
    this.addedBytes -= added[0];
    this.responses.addedBytes -= added[1];
    this.measuredBytes = report.bytesAfter ?? storedBytes(this.db);
    let deleted = 0;
    for (const kind of ['exchange', 'audit', 'response'] as const) {
      const n = report.byAge[kind] + report.byBytes[kind];
      this.expired[kind] += n;
      deleted += n;
    }
    const fields = {
      byAge: report.byAge,
      byBytes: report.byBytes,
      bytesBefore: report.bytesBefore,
      bytesAfter: report.bytesAfter,
      maxBytes: this.maxBytes,
    };
    if (deleted > 0) this.logger.info(fields, 'retention deleted the oldest records');
    else this.logger.debug(fields, 'retention sweep: nothing to delete');
    if (this.measuredBytes > this.maxBytes)
      this.logger.warn(fields, 'the record store is over its byte cap with only audit events left; set rag.auditRetentionDays or raise rag.embedded.maxBytes');
    return report;
  }

  health(): StoreHealth {
    return {
      backend: 'sqlite',
      bytes: this.measuredBytes + this.addedBytes + this.responses.addedBytes,
      maxBytes: this.maxBytes,
      diskFull: this.diskFull,
      expired: { ...this.expired },
    };
  }

  /** Runs a pragma on the writer thread's connection (`max_page_count` to fill the disk in a test). */
  writerPragma(pragma: string): Promise<unknown> {
    return this.writer.pragma(pragma);
  }

  async close(): Promise<void> {
    await this.sweeping?.catch(() => {});
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}

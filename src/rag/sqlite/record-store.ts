// The embedded RecordStore: one SQLite file (`.aegis/aegis.db`) holding exchanges, audit events,
// RAG documents and stored responses; one writer (the outbox's pump) in the gateway process.
import { systemClock, silentLogger, type Clock, type Logger } from '../../core';
import type { FieldMapping } from '../mongo-mapping';
import { noneExpired, type AuditQuery, type ExchangeQuery, type RecordStore, type StoreHealth, type SweepReport } from '../record-store';
import type { RagSearchResponse } from '../search';
import type { AuditEvent, Embedder, ExchangeRecord, InsertOutcome, OutboxItem } from '../types';
import { isDiskFull, openDatabase, type SqliteDatabase } from './database';
import { SqliteRecordReader } from './reader';
import { SqliteResponseStore } from './responses';
import { SqliteRetention } from './retention';
import { SqliteRagSearch } from './search';
import { VectorIndex } from './vector-index';
import { SqliteRecordWriter, type SqliteRecordWriterOptions } from './writer';

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
  private readonly writer: SqliteRecordWriter;
  private readonly reader: SqliteRecordReader;
  private readonly searcher: SqliteRagSearch;
  private readonly retention: SqliteRetention;
  private readonly logger: Logger;
  private readonly expired = noneExpired();
  private measuredBytes: number;
  private diskFull = false;
  private sweeping?: Promise<SweepReport>;

  private constructor(options: SqliteRecordStoreOptions, db: SqliteDatabase) {
    const clock: Clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.location = options.path;
    this.db = db;
    const vectors = new VectorIndex({ db, maxBytes: options.vectorMemoryBytes });
    this.writer = new SqliteRecordWriter({
      db,
      embedder: options.embedder,
      textMode: options.textMode,
      logger: this.logger,
      onVectors: (stored) => {
        for (const [seq, dims, blob] of stored) vectors.add(seq, dims, blob);
      },
      ...options.transactions,
    });
    this.reader = new SqliteRecordReader(db);
    this.searcher = new SqliteRagSearch({ db, embedder: options.embedder, index: vectors, logger: this.logger });
    this.responses = new SqliteResponseStore(db);
    this.retention = new SqliteRetention({
      db,
      maxBytes: options.maxBytes ?? defaultEmbeddedMaxBytes,
      retentionDays: options.retentionDays,
      auditRetentionDays: options.auditRetentionDays,
      onDropVectors: (seqs) => vectors.remove(seqs),
      clock,
    });
    this.measuredBytes = this.retention.bytes();
  }

  static open(options: SqliteRecordStoreOptions): SqliteRecordStore {
    return new SqliteRecordStore(options, openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs, readonly: options.readonly }));
  }

  /** Throws while the disk is full (or the database is locked): the outbox spools and retries. */
  async insert(items: readonly OutboxItem[]): Promise<InsertOutcome> {
    try {
      const outcome = await this.writer.insert(items);
      if (this.diskFull) {
        this.diskFull = false;
        this.logger.info({ path: this.location }, 'the embedded record store accepts writes again');
      }
      return outcome;
    } catch (err) {
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
    const added = [this.writer.addedBytes, this.responses.addedBytes] as const;
    const report = await this.retention.sweep();
    this.writer.addedBytes -= added[0];
    this.responses.addedBytes -= added[1];
    this.measuredBytes = report.bytesAfter ?? this.retention.bytes();
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
      maxBytes: this.retention.maxBytes,
    };
    if (deleted > 0) this.logger.info(fields, 'retention deleted the oldest records');
    else this.logger.debug(fields, 'retention sweep: nothing to delete');
    if (this.measuredBytes > this.retention.maxBytes)
      this.logger.warn(fields, 'the record store is over its byte cap with only audit events left; set rag.auditRetentionDays or raise rag.embedded.maxBytes');
    return report;
  }

  health(): StoreHealth {
    return {
      backend: 'sqlite',
      bytes: this.measuredBytes + this.writer.addedBytes + this.responses.addedBytes,
      maxBytes: this.retention.maxBytes,
      diskFull: this.diskFull,
      expired: { ...this.expired },
    };
  }

  async close(): Promise<void> {
    await this.sweeping?.catch(() => {});
    if (this.db.open) this.db.close();
  }
}

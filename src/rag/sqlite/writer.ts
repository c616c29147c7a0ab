// The embedded store's record writer, run on the writer thread (write-thread-entry.ts): idempotent
// inserts (record id unique, a conflict is a duplicate) in bounded transactions, so another writer
// (a stored response, a CLI) never waits long for the lock, and a sweep can run between them.
// No savepoint per record on the common path: each one makes SQLite write a statement journal and
// FTS5 flush its pending terms, which cost several times the inserts themselves. A record the
// store refuses sends its chunk down the careful path, one savepoint per record.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import { silentLogger, type Logger } from '../../core';
import { exchangeText, type FieldMapping } from '../mongo-mapping';
import type { Embedder, ExchangeRecord, InsertOutcome, OutboxItem } from '../types';
import { sqliteCode, type SqliteDatabase } from './database';
import { auditRow, carriedDecisionRow, exchangeRow, InvalidRecordError, ragRow, unitVectorBlob, type AuditRow, type ExchangeRow, type RagRow } from './rows';

export interface SqliteRecordWriterOptions {
  db: SqliteDatabase;
  textMode?: FieldMapping['textMode'];
  /** Told of each vector once its transaction committed (the in-memory vector index). */
  onVectors?: (vectors: readonly StoredVector[]) => void;
  /** One transaction holds at most this many records (an outbox batch) … */
  maxRowsPerTransaction?: number;
  /** … and about this many bytes of JSON, so no single transaction holds the write lock for long. */
  maxBytesPerTransaction?: number;
}

// Refusals that say something about the record itself; anything else (a full disk, a lock, an
// I/O error) is the store's state, so the batch is spooled and tried again later.
const PERMANENT = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/;

function isPermanent(err: unknown): boolean {
  const code = sqliteCode(err);
  if (code) return PERMANENT.test(code);
  return err instanceof InvalidRecordError || err instanceof TypeError || err instanceof RangeError;
}

// Parameters are bound by position: better-sqlite3 looks each named one up on the row object,
// which costs about as much as inserting an index entry.
type Columns<Row> = Row[keyof Row][];

interface Statements {
  exchange: Statement<Columns<ExchangeRow>>;
  rag: Statement<Columns<RagRow>>;
  fts: Statement<[number | bigint, string]>;
  vector: Statement<[number | bigint, number, Buffer]>;
  audit: Statement<Columns<AuditRow>>;
}

const exchangeColumns = (r: ExchangeRow): Columns<ExchangeRow> => [
  r.id,
  r.request_id,
  r.time,
  r.principal_id,
  r.model,
  r.status,
  r.decision_id,
  r.bytes,
  r.record,
];
const ragColumns = (r: RagRow): Columns<RagRow> => [r.id, r.time, r.text, r.metadata, r.status, r.dims, r.bytes];
const auditColumns = (r: AuditRow): Columns<AuditRow> => [r.id, r.time, r.type, r.actor, r.outcome, r.request_id, r.decision_id, r.bytes, r.event];

/** `[seq, dims, unit-length float32 blob]` of a document's embedding. */
export type StoredVector = [number, number, Buffer];

/** What one chunk wrote; counted only once its transaction committed. */
interface ChunkResult {
  duplicates: string[];
  rejected: { id: string; reason: string }[];
  bytes: number;
  vectors: StoredVector[];
}

/** Embeddings by record id as unit-length float32 blobs, made before the write (`embedRecords`). */
export type Vectors = ReadonlyMap<string, Buffer>;

export class SqliteRecordWriter {
  /** Bytes of the rows this writer added (duplicates excluded), for the byte cap between sweeps. */
  addedBytes = 0;
  private readonly db: SqliteDatabase;
  private readonly sql: Statements;
  private readonly fastChunk: (chunk: readonly OutboxItem[], vectors: Vectors) => ChunkResult;
  private readonly carefulChunk: (chunk: readonly OutboxItem[], vectors: Vectors) => ChunkResult;
  /** Inside a chunk's transaction this runs as a savepoint, so one bad record undoes only itself. */
  private readonly writeRecord: (item: OutboxItem, vector: Buffer | undefined, result: ChunkResult) => void;
  private readonly options: Required<Omit<SqliteRecordWriterOptions, 'db' | 'onVectors'>>;
  private readonly onVectors?: (vectors: readonly StoredVector[]) => void;

  constructor({ db, textMode = 'last-turn', maxRowsPerTransaction = 500, maxBytesPerTransaction = 2 << 20, onVectors }: SqliteRecordWriterOptions) {
    this.db = db;
    this.onVectors = onVectors;
    this.options = { textMode, maxRowsPerTransaction, maxBytesPerTransaction };
    this.sql = {
      exchange: db.prepare<Columns<ExchangeRow>>(
        `INSERT INTO exchanges (id, request_id, time, principal_id, model, status, decision_id, bytes, record)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      rag: db.prepare<Columns<RagRow>>(
        `INSERT INTO rag_documents (id, time, text, metadata, status, dims, bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      fts: db.prepare<[number | bigint, string]>('INSERT INTO rag_fts (rowid, text) VALUES (?, ?)'),
      vector: db.prepare<[number | bigint, number, Buffer]>('INSERT INTO rag_vectors (seq, dims, embedding) VALUES (?, ?, ?)'),
      audit: db.prepare<Columns<AuditRow>>(
        `INSERT INTO audit (id, time, type, actor, outcome, request_id, decision_id, bytes, event)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
    };
    this.writeRecord = db.transaction((item: OutboxItem, vector: Buffer | undefined, result: ChunkResult) => this.writeRows(item, vector, result));
    this.fastChunk = db.transaction((chunk: readonly OutboxItem[], vectors: Vectors) => {
      const result: ChunkResult = { duplicates: [], rejected: [], bytes: 0, vectors: [] };
      for (const item of chunk) this.writeRows(item, vectors.get(item.id), result);
      return result;
    });
    this.carefulChunk = db.transaction((chunk: readonly OutboxItem[], vectors: Vectors) => {
      const result: ChunkResult = { duplicates: [], rejected: [], bytes: 0, vectors: [] };
      for (const item of chunk) {
        try {
          this.writeRecord(item, vectors.get(item.id), result);
        } catch (err) {
          if (!isPermanent(err) || !this.db.open) throw err;
          result.rejected.push({ id: item.id, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      return result;
    });
  }

  /** `vectors` holds the embeddings of the records that have one; the others' documents stay `pending`. */
  async insert(items: readonly OutboxItem[], vectors: Vectors = new Map()): Promise<InsertOutcome> {
    const outcome: InsertOutcome = { duplicates: [], rejected: [] };
    let start = 0;
    while (start < items.length) {
      let end = start;
      let bytes = 0;
      // A cheap size estimate; the exact one is counted when the row is built.
      while (end < items.length && end - start < this.options.maxRowsPerTransaction && bytes < this.options.maxBytesPerTransaction) {
        bytes += approximateSize(items[end]!);
        end++;
      }
      const result = this.writeChunk(items.slice(start, end), vectors);
      outcome.duplicates.push(...result.duplicates);
      outcome.rejected.push(...result.rejected);
      this.addedBytes += result.bytes;
      if (result.vectors.length > 0) this.onVectors?.(result.vectors);
      start = end;
      if (start < items.length) await nextTurn();
    }
    return outcome;
  }

  private writeChunk(chunk: readonly OutboxItem[], vectors: Vectors): ChunkResult {
    try {
      return this.fastChunk(chunk, vectors);
    } catch (err) {
      // Rolled back whole; only a refused record is worth the slow path, the rest is the store's state
      // (better-sqlite3 also throws a TypeError for a closed connection, which says nothing about the record).
      if (!isPermanent(err) || !this.db.open) throw err;
      return this.carefulChunk(chunk, vectors);
    }
  }

  /** One record: its row, its RAG document (and full-text entry), the decision it carries. */
  private writeRows(item: OutboxItem, vector: Buffer | undefined, result: ChunkResult): void {
    if (item.kind === 'audit') {
      const row = auditRow(item.data);
      if (this.sql.audit.run(...auditColumns(row)).changes === 0) result.duplicates.push(item.id);
      else result.bytes += row.bytes;
      return;
    }
    const row = exchangeRow(item.data);
    if (this.sql.exchange.run(...exchangeColumns(row)).changes === 0) {
      result.duplicates.push(item.id);
      return;
    }
    const rag = ragRow(item.data, this.options.textMode, vector, row.time);
    const decision = carriedDecisionRow(item.data, row.time);
    const stored = this.sql.rag.run(...ragColumns(rag));
    if (stored.changes > 0) {
      this.sql.fts.run(stored.lastInsertRowid, rag.text);
      if (vector && rag.dims) {
        this.sql.vector.run(stored.lastInsertRowid, rag.dims, vector);
        result.vectors.push([Number(stored.lastInsertRowid), rag.dims, vector]);
      }
    }
    const decisionBytes = decision && this.sql.audit.run(...auditColumns(decision)).changes > 0 ? decision.bytes : 0;
    result.bytes += row.bytes + (stored.changes > 0 ? rag.bytes : 0) + decisionBytes;
  }
}

export interface EmbedOptions {
  textMode?: FieldMapping['textMode'];
  timeoutMs?: number;
  logger?: Logger;
}

/** Best effort, like the MongoDB store: a slow or failing embedder leaves documents pending. */
export async function embedRecords(embedder: Embedder | undefined, items: readonly OutboxItem[], options: EmbedOptions = {}): Promise<Map<string, Buffer>> {
  const { textMode = 'last-turn', timeoutMs = 5_000, logger = silentLogger } = options;
  const out = new Map<string, Buffer>();
  if (!embedder) return out;
  const records = items.filter((i): i is Extract<OutboxItem, { kind: 'exchange' }> => i.kind === 'exchange').map((i) => i.data);
  if (records.length === 0) return out;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('embedding timed out')), timeoutMs);
    });
    const texts = records.map((r: ExchangeRecord) => exchangeText(r, textMode));
    const vectors = await Promise.race([embedder.embed(texts), timeout]);
    if (vectors.length !== records.length) return out;
    // As blobs already: they cross to the writer thread as bytes rather than arrays of numbers.
    for (const [i, r] of records.entries()) {
      const blob = vectors[i]!.length > 0 ? unitVectorBlob(vectors[i]!) : undefined;
      if (blob) out.set(r.id, blob);
    }
  } catch (err) {
    logger.warn({ err, count: records.length }, 'embedding failed; RAG documents stay pending');
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** Roughly the JSON size of a record, without serialising it twice. */
function approximateSize(item: OutboxItem): number {
  if (item.kind === 'audit') return 300;
  const r = item.data;
  let n = 400 + r.answer.length;
  for (const m of r.messages) n += m.content.length + 40;
  for (const t of r.toolCalls) n += t.arguments.length + (t.result?.length ?? 0) + 60;
  return n;
}

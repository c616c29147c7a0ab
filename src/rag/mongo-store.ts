// The MongoDB ExchangeStore: idempotent unordered batch inserts (record id as `_id`, duplicate key
// = success), per-document refusals reported, unreachable server thrown so the outbox spools.
import { MongoBulkWriteError, MongoInvalidArgumentError, MongoServerError, type Collection, type Db, type Document } from 'mongodb';
import { silentLogger, type Logger } from '../core';
import { decisionAudit } from './decision-audit';
import { auditDocument, defaultFieldMapping, exchangeDocument, exchangeText, ragDocument, type FieldMapping } from './mongo-mapping';
import type { AuditEvent, Embedder, ExchangeRecord, ExchangeStore, InsertOutcome, OutboxItem } from './types';

export interface MongoCollections {
  /** Aegis' full exchange records. */
  exchanges: string;
  /** The existing RAG corpus the Python pipeline reads. */
  rag: string;
  audit: string;
}

export const defaultCollections: MongoCollections = { exchanges: 'exchanges', rag: 'rag_documents', audit: 'audit' };

export interface MongoExchangeStoreOptions {
  db: Db;
  collections?: Partial<MongoCollections>;
  fieldMapping?: Partial<FieldMapping>;
  /** Write a RAG document per exchange (default true). */
  writeRag?: boolean;
  /** When set, Aegis embeds the RAG text itself; otherwise the pipeline finds the pending status. */
  embedder?: Embedder;
  embedTimeoutMs?: number;
  logger?: Logger;
}

const DUPLICATE_KEY = 11000;
// Server codes that mean "try again later", not "this document is bad" (MongoDB's retryable
// set, plus FerretDB's InternalError 1, which it returns for a busy SQLite backend).
const TRANSIENT_CODES = new Set([1, 6, 7, 50, 89, 91, 112, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 14031]);

function isTransientServerError(err: MongoServerError): boolean {
  return TRANSIENT_CODES.has(Number(err.code)) || err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError');
}

/** A failure that says something about the documents, so retrying the same batch cannot help. */
function isPermanent(err: unknown): boolean {
  if (err instanceof MongoInvalidArgumentError) return true;
  if (err instanceof Error && err.name === 'BSONError') return true;
  return err instanceof MongoServerError && !(err instanceof MongoBulkWriteError) && !isTransientServerError(err);
}

interface PartialOutcome {
  duplicates: Set<string>;
  rejected: Map<string, string>;
}

export class MongoExchangeStore implements ExchangeStore {
  readonly collections: MongoCollections;
  readonly mapping: FieldMapping;
  private readonly db: Db;
  private readonly writeRag: boolean;
  private readonly embedder?: Embedder;
  private readonly embedTimeoutMs: number;
  private readonly logger: Logger;

  constructor({
    db,
    collections = {},
    fieldMapping = {},
    writeRag = true,
    embedder,
    embedTimeoutMs = 5_000,
    logger = silentLogger,
  }: MongoExchangeStoreOptions) {
    this.db = db;
    this.collections = { ...defaultCollections, ...collections };
    this.mapping = { ...defaultFieldMapping, ...fieldMapping };
    this.writeRag = writeRag;
    this.embedder = embedder;
    this.embedTimeoutMs = embedTimeoutMs;
    this.logger = logger;
  }

  collection(name: keyof MongoCollections): Collection<Document> {
    return this.db.collection(this.collections[name]);
  }

  async insert(items: readonly OutboxItem[]): Promise<InsertOutcome> {
    const exchanges = items.filter((i) => i.kind === 'exchange').map((i) => i.data as ExchangeRecord);
    const audits = items.filter((i) => i.kind === 'audit').map((i) => i.data as AuditEvent);
    const outcome: PartialOutcome = { duplicates: new Set(), rejected: new Map() };
    /** Audit ids of the decisions stored exchange records carry → the record's id. */
    const carriedBy = new Map<string, string>();
    if (exchanges.length > 0) {
      const full = await insertIdempotent(this.collection('exchanges'), exchanges.map(exchangeDocument));
      merge(outcome, full);
      const stored = exchanges.filter((r) => !full.rejected.has(r.id));
      // The RAG copy's duplicates are not counted again: the full record decides.
      if (this.writeRag && stored.length > 0)
        merge(outcome, { ...(await insertIdempotent(this.collection('rag'), await this.ragDocuments(stored))), duplicates: new Set() });
      for (const r of stored) {
        const event = decisionAudit(r);
        if (!event) continue;
        audits.push(event);
        carriedBy.set(event.id, r.id);
      }
    }
    if (audits.length > 0) merge(outcome, carried(await insertIdempotent(this.collection('audit'), audits.map(auditDocument)), carriedBy));
    return { duplicates: [...outcome.duplicates], rejected: [...outcome.rejected].map(([id, reason]) => ({ id, reason })) };
  }

  private async ragDocuments(records: ExchangeRecord[]): Promise<Document[]> {
    const vectors = await this.embed(records.map((r) => exchangeText(r, this.mapping.textMode)));
    return records.map((r, i) => ragDocument(r, this.mapping, vectors?.[i]));
  }

  /** Best effort: a slow or failing embedding model leaves the documents pending for the pipeline. */
  private async embed(texts: string[]): Promise<number[][] | undefined> {
    if (!this.embedder) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('embedding timed out')), this.embedTimeoutMs)));
      const vectors = await Promise.race([this.embedder.embed(texts), timeout]);
      return vectors.length === texts.length ? vectors : undefined;
    } catch (err) {
      this.logger.warn({ err, count: texts.length }, 'embedding failed; RAG documents stay pending');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A carried decision's audit document speaks for its exchange item: a refusal dead-letters the
 * record that holds it, and a duplicate is not counted (the exchange's own outcome is).
 */
function carried(outcome: PartialOutcome, carriedBy: ReadonlyMap<string, string>): PartialOutcome {
  if (carriedBy.size === 0) return outcome;
  return {
    duplicates: new Set([...outcome.duplicates].filter((id) => !carriedBy.has(id))),
    rejected: new Map([...outcome.rejected].map(([id, reason]) => [carriedBy.get(id) ?? id, reason])),
  };
}

function merge(into: PartialOutcome, from: PartialOutcome): void {
  for (const id of from.duplicates) into.duplicates.add(id);
  for (const [id, reason] of from.rejected) into.rejected.set(id, reason);
}

/** insertMany, unordered; duplicates count as success, bad documents are reported, the rest throws. */
export async function insertIdempotent(coll: Collection<Document>, docs: Document[]): Promise<PartialOutcome> {
  const outcome: PartialOutcome = { duplicates: new Set(), rejected: new Map() };
  try {
    await coll.insertMany(docs, { ordered: false });
    return outcome;
  } catch (err) {
    if (err instanceof MongoBulkWriteError) {
      const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== DUPLICATE_KEY && TRANSIENT_CODES.has(w.code))) throw err;
      for (const w of writeErrors) {
        if (w.code === DUPLICATE_KEY) outcome.duplicates.add(String(docs[w.index]?._id));
        else outcome.rejected.set(String(docs[w.index]?._id), `${w.code}: ${w.errmsg ?? 'write error'}`);
      }
      return outcome;
    }
    if (!isPermanent(err)) throw err;
  }
  // The whole batch was refused for one document's sake: find it by inserting one at a time.
  for (const doc of docs) {
    try {
      await coll.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) outcome.duplicates.add(String(doc._id));
      else if (isPermanent(err)) outcome.rejected.set(String(doc._id), err instanceof Error ? err.message : String(err));
      else throw err;
    }
  }
  return outcome;
}

// The MongoDB RecordStore: the idempotent writer (mongo-store.ts), rag_search (search.ts), stored
// responses, reading records back by id or filter, and retention by age where TTL indexes are missing.
import type { Db, Document, Filter, MongoClient } from 'mongodb';
import { systemClock, type Clock } from '../core';
import { auditFromDocument, recordFromDocument } from './mongo-mapping';
import { MongoResponseStore } from './mongo-responses';
import { MongoExchangeStore, type MongoExchangeStoreOptions } from './mongo-store';
import {
  listLimit,
  noneExpired,
  type AuditQuery,
  type ExchangeQuery,
  type ExpiredCounts,
  type RecordStore,
  type StoreHealth,
  type SweepReport,
} from './record-store';
import { MongoRagSearch, type RagSearchResponse } from './search';
import type { AuditEvent, ExchangeRecord, InsertOutcome, OutboxItem } from './types';

export interface MongoRecordStoreOptions extends MongoExchangeStoreOptions {
  retentionDays?: number;
  auditRetentionDays?: number;
  /** Atlas / MongoDB 8.2+ vector index on the RAG collection's embedding field. */
  vectorIndex?: string;
  responsesCollection?: string;
  /** A client this store opened itself and closes with it; a shared client is left open. */
  ownedClient?: MongoClient;
  clock?: Clock;
}

const DAY_MS = 86_400_000;

function timeRange(before: string | undefined, since: string | undefined): Document | undefined {
  const range: Document = {};
  if (before !== undefined) range.$lt = checkedDate(before, 'before');
  if (since !== undefined) range.$gte = checkedDate(since, 'since');
  return Object.keys(range).length ? range : undefined;
}

function checkedDate(iso: string, name: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${name} is not a valid time: ${iso}`);
  return d;
}

/** Only the fields given: `{ principalId: undefined }` would match nothing on MongoDB. */
function filterOf(fields: Record<string, unknown>): Filter<Document> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

export class MongoRecordStore implements RecordStore {
  readonly backend = 'mongodb';
  readonly location: string;
  readonly writer: MongoExchangeStore;
  readonly responses: MongoResponseStore;
  private readonly searcher: MongoRagSearch;
  private readonly expired = noneExpired();
  private readonly clock: Clock;

  constructor(private readonly options: MongoRecordStoreOptions) {
    const { db } = options;
    this.clock = options.clock ?? systemClock;
    this.location = `mongodb ${db.databaseName}`;
    this.writer = new MongoExchangeStore(options);
    this.responses = new MongoResponseStore(db.collection(options.responsesCollection ?? 'responses'));
    this.searcher = new MongoRagSearch({
      db,
      collection: this.writer.collections.rag,
      fieldMapping: this.writer.mapping,
      embedder: options.embedder,
      vectorIndex: options.vectorIndex,
      clock: this.clock,
      logger: options.logger,
    });
  }

  get db(): Db {
    return this.options.db;
  }

  insert(items: readonly OutboxItem[]): Promise<InsertOutcome> {
    return this.writer.insert(items);
  }

  search(query: string, k: number): Promise<RagSearchResponse> {
    return this.searcher.search(query, k);
  }

  async exchange(id: string): Promise<ExchangeRecord | undefined> {
    // Record ids are strings (`_id` = record id), not ObjectIds.
    const coll = this.options.db.collection<Document & { _id: string }>(this.writer.collections.exchanges);
    const doc = (await coll.findOne({ _id: id })) ?? (await coll.find({ requestId: id }).sort({ time: -1 }).limit(1).next());
    return doc ? recordFromDocument(doc) : undefined;
  }

  async exchanges(query: ExchangeQuery = {}): Promise<ExchangeRecord[]> {
    const filter = filterOf({ time: timeRange(query.before, query.since), principalId: query.principalId, model: query.model });
    const docs = await this.writer.collection('exchanges').find(filter).sort({ time: -1, _id: -1 }).limit(listLimit(query.limit)).toArray();
    return docs.map(recordFromDocument);
  }

  async auditEvents(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const filter = filterOf({ time: timeRange(query.before, query.since), actor: query.actor, type: query.type });
    const docs = await this.writer.collection('audit').find(filter).sort({ time: -1, _id: -1 }).limit(listLimit(query.limit)).toArray();
    return docs.map(auditFromDocument);
  }

  /** Deletes what is past its retention; a TTL index, where the server has one, does the same on its own. */
  async sweep(): Promise<SweepReport> {
    const byAge = noneExpired();
    const { retentionDays, auditRetentionDays, db } = this.options;
    const targets: [string, number | undefined, keyof ExpiredCounts][] = [
      [this.writer.collections.exchanges, retentionDays, 'exchange'],
      [this.options.responsesCollection ?? 'responses', retentionDays, 'response'],
      [this.writer.collections.audit, auditRetentionDays, 'audit'],
    ];
    for (const [name, days, kind] of targets) {
      if (!days) continue;
      const cutoff = new Date(this.clock.now() - days * DAY_MS);
      byAge[kind] = (await db.collection(name).deleteMany({ time: { $lt: cutoff } })).deletedCount;
      this.expired[kind] += byAge[kind];
    }
    return { byAge, byBytes: noneExpired() };
  }

  health(): StoreHealth {
    return { backend: 'mongodb', diskFull: false, expired: { ...this.expired } };
  }

  async close(): Promise<void> {
    await this.options.ownedClient?.close();
  }
}

// Indexes for the queries operators run (time, principal, model, decision id) and retention:
// a TTL index where the server has them, otherwise a periodic sweep (FerretDB v1 has no TTL).
import { MongoServerError, type Collection, type Db, type Document, type IndexSpecification } from 'mongodb';
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../core';
import type { FieldMapping } from './mongo-mapping';
import type { MongoCollections } from './mongo-store';

export interface RetentionOptions {
  /** Days exchange records are kept; 0 or undefined keeps them forever. */
  retentionDays?: number;
  /** Days audit events are kept; defaults to forever (an audit log outlives the exchanges). */
  auditRetentionDays?: number;
}

export type RetentionMode = 'ttl' | 'sweep' | 'off';

export interface IndexReport {
  retention: { exchanges: RetentionMode; audit: RetentionMode };
  /** Indexes the server refused (e.g. a conflicting index the RAG collection already has). */
  skipped: string[];
}

const TTL_INDEX = 'aegis_retention_ttl';
const NOT_IMPLEMENTED = 238;
const CONFLICT_CODES = new Set([85, 86]); // IndexOptionsConflict, IndexKeySpecsConflict

const exchangeIndexes: IndexSpecification[] = [
  { time: -1 },
  { principalId: 1, time: -1 },
  { model: 1, time: -1 },
  { decisionId: 1 },
  { requestId: 1 },
  { status: 1, time: -1 },
];
const auditIndexes: IndexSpecification[] = [{ time: -1 }, { actor: 1, time: -1 }, { type: 1, time: -1 }, { decisionId: 1 }, { requestId: 1 }];

async function tryIndex(coll: Collection<Document>, spec: IndexSpecification, skipped: string[]): Promise<void> {
  try {
    await coll.createIndex(spec);
  } catch (err) {
    if (!(err instanceof MongoServerError) || !(CONFLICT_CODES.has(Number(err.code)) || err.code === NOT_IMPLEMENTED)) throw err;
    skipped.push(`${coll.collectionName}:${JSON.stringify(spec)}`);
  }
}

/** Creates or updates (or drops) the TTL index; `sweep` when the server cannot expire documents. */
async function ensureTtl(coll: Collection<Document>, days: number | undefined): Promise<RetentionMode> {
  const existing = (await coll.indexes()).find((i) => i.name === TTL_INDEX);
  if (!days) {
    if (existing) await coll.dropIndex(TTL_INDEX);
    return 'off';
  }
  const seconds = Math.round(days * 86_400);
  if (existing?.expireAfterSeconds === seconds) return 'ttl';
  try {
    if (existing) await coll.dropIndex(TTL_INDEX);
    await coll.createIndex({ time: 1 }, { name: TTL_INDEX, expireAfterSeconds: seconds });
    return 'ttl';
  } catch (err) {
    if (err instanceof MongoServerError && err.code === NOT_IMPLEMENTED) return 'sweep';
    throw err;
  }
}

export async function ensureRecordIndexes(
  db: Db,
  collections: MongoCollections,
  mapping: FieldMapping,
  retention: RetentionOptions = {},
): Promise<IndexReport> {
  const skipped: string[] = [];
  const exchanges = db.collection(collections.exchanges);
  const audit = db.collection(collections.audit);
  const rag = db.collection(collections.rag);
  for (const spec of exchangeIndexes) await tryIndex(exchanges, spec, skipped);
  for (const spec of auditIndexes) await tryIndex(audit, spec, skipped);
  // The RAG collection belongs to the pipeline too: only what Aegis' own queries need, and a
  // conflict with an index it already has is left alone.
  await tryIndex(rag, { [`${mapping.metadata}.requestId`]: 1 }, skipped);
  await tryIndex(rag, { [mapping.status]: 1 }, skipped);
  return {
    retention: { exchanges: await ensureTtl(exchanges, retention.retentionDays), audit: await ensureTtl(audit, retention.auditRetentionDays) },
    skipped,
  };
}

export interface RetentionSweeperOptions {
  db: Db;
  /** Collection name → days to keep. */
  targets: Record<string, number>;
  intervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Deletes records older than their retention where the server has no TTL indexes. */
export class RetentionSweeper {
  private timer?: TimerHandle;
  private stopped = false;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: RetentionSweeperOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      void this.sweepNow()
        .catch((err: unknown) => this.logger.warn({ err }, 'retention sweep failed; will retry'))
        .finally(() => this.schedule(this.options.intervalMs ?? 3_600_000));
    }, ms);
  }

  async sweepNow(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const [name, days] of Object.entries(this.options.targets)) {
      const cutoff = new Date(this.clock.now() - days * 86_400_000);
      deleted[name] = (await this.options.db.collection(name).deleteMany({ time: { $lt: cutoff } })).deletedCount;
    }
    return deleted;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
  }
}

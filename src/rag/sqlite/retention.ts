// Retention for the embedded store: records older than their retention go, then, past the byte cap,
// the oldest exchanges (with their RAG documents) and stored responses until the records are back
// under 90 % of it. Audit events only ever expire by age. Deletes run in small transactions.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import { systemClock, type Clock } from '../../core';
import { noneExpired, type ExpiredCounts, type SweepReport } from '../record-store';
import type { SqliteDatabase } from './database';

export interface SqliteRetentionOptions {
  db: SqliteDatabase;
  retentionDays?: number;
  auditRetentionDays?: number;
  maxBytes: number;
  /** After a cap sweep the records take at most this share of `maxBytes`, so the next few inserts do not trigger another. */
  lowWater?: number;
  /** Rows deleted per transaction (each also forgets its full-text entry: keep the write lock's hold short). */
  chunkRows?: number;
  /** Told of the documents whose vectors went, once the deletion committed (the in-memory vector index). */
  onDropVectors?: (seqs: readonly number[]) => void;
  clock?: Clock;
}

interface Deleted {
  counts: ExpiredCounts;
  freed: number;
}

interface Candidate {
  kind: 'exchange' | 'response';
  key: string | number;
  time: number;
}

const DAY_MS = 86_400_000;

const storedBytesSql = `SELECT (SELECT coalesce(sum(bytes), 0) FROM exchanges) + (SELECT coalesce(sum(bytes), 0) FROM rag_documents)
  + (SELECT coalesce(sum(bytes), 0) FROM audit) + (SELECT coalesce(sum(bytes), 0) FROM responses) AS bytes`;

/** Bytes the records of `db` take now (what a sweep measures), for a connection that does not sweep. */
export function storedBytes(db: SqliteDatabase): number {
  return Number(db.prepare<[], { bytes: number }>(storedBytesSql).get()?.bytes ?? 0);
}

type StatementName =
  | 'bytes'
  | 'oldExchanges'
  | 'oldAudit'
  | 'oldResponses'
  | 'oldestExchanges'
  | 'oldestResponses'
  | 'dropExchange'
  | 'dropRag'
  | 'dropFts'
  | 'dropVector'
  | 'dropResponse';

export class SqliteRetention {
  private readonly sql: Record<StatementName, Statement<unknown[], Record<string, number | string>>>;
  private readonly clock: Clock;
  private readonly chunkRows: number;
  /** Deleted in the transaction under way; reported when it commits. */
  private dropped: number[] = [];

  constructor(private readonly options: SqliteRetentionOptions) {
    const { db } = options;
    this.clock = options.clock ?? systemClock;
    this.chunkRows = options.chunkRows ?? 100;
    const prepare = (sql: string) => db.prepare<unknown[], Record<string, number | string>>(sql);
    const older = (table: string, extra = '') =>
      prepare(`DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} WHERE time < ? ORDER BY time LIMIT ?) RETURNING bytes${extra}`);
    this.sql = {
      bytes: prepare(storedBytesSql),
      oldExchanges: older('exchanges', ', id'),
      oldAudit: older('audit'),
      oldResponses: prepare('DELETE FROM responses WHERE id IN (SELECT id FROM responses WHERE time < ? ORDER BY time LIMIT ?) RETURNING bytes'),
      oldestExchanges: prepare('SELECT seq, time FROM exchanges ORDER BY time, seq LIMIT ?'),
      oldestResponses: prepare('SELECT id, time FROM responses ORDER BY time, id LIMIT ?'),
      dropExchange: prepare('DELETE FROM exchanges WHERE seq = ? RETURNING bytes, id'),
      dropRag: prepare('DELETE FROM rag_documents WHERE id = ? RETURNING seq, text, bytes'),
      dropFts: prepare(`INSERT INTO rag_fts (rag_fts, rowid, text) VALUES ('delete', ?, ?)`),
      dropVector: prepare('DELETE FROM rag_vectors WHERE seq = ?'),
      dropResponse: prepare('DELETE FROM responses WHERE id = ? RETURNING bytes'),
    };
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Bytes the records take now, every table and every writing process included. */
  bytes(): number {
    return Number(this.sql.bytes.get()?.bytes ?? 0);
  }

  /**
   * Measures once, then counts what it deletes: summing every row is the costly part of a quiet sweep.
   * `now` decides what is old (the writer thread is told its owner's clock).
   */
  async sweep(now: number = this.clock.now()): Promise<SweepReport> {
    const bytesBefore = this.bytes();
    const age = await this.expireByAge(now);
    const afterAge = bytesBefore - age.freed;
    const low = Math.floor(this.options.maxBytes * (this.options.lowWater ?? 0.9));
    const cap = afterAge > this.options.maxBytes ? await this.evict(afterAge - low) : { counts: noneExpired(), freed: 0 };
    return { byAge: age.counts, byBytes: cap.counts, bytesBefore, bytesAfter: afterAge - cap.freed };
  }

  private async expireByAge(now: number): Promise<Deleted> {
    const counts = noneExpired();
    let freed = 0;
    const { retentionDays, auditRetentionDays, db } = this.options;
    const chunk = db.transaction((stmt: Statement<unknown[], Record<string, number | string>>, cutoff: number, kind: keyof ExpiredCounts) => {
      this.dropped = [];
      const rows = stmt.all(cutoff, this.chunkRows);
      for (const r of rows) freed += Number(r.bytes) + (kind === 'exchange' ? this.dropRag(r.id!) : 0);
      counts[kind] += rows.length;
      return rows.length;
    });
    const runs: [Statement<unknown[], Record<string, number | string>>, number | undefined, keyof ExpiredCounts][] = [
      [this.sql.oldExchanges, retentionDays, 'exchange'],
      [this.sql.oldResponses, retentionDays, 'response'],
      [this.sql.oldAudit, auditRetentionDays, 'audit'],
    ];
    for (const [stmt, days, kind] of runs) {
      if (!days) continue;
      while (this.committed(chunk(stmt, now - days * DAY_MS, kind)) === this.chunkRows) await nextTurn();
    }
    return { counts, freed };
  }

  /** Deletes the oldest exchanges and responses, merged by time, until `need` bytes are freed. */
  private async evict(need: number): Promise<Deleted> {
    const counts = noneExpired();
    let freed = 0;
    const chunk = this.options.db.transaction((candidates: Candidate[]) => {
      this.dropped = [];
      let deleted = 0;
      for (const c of candidates) {
        if (freed >= need) break;
        const row = c.kind === 'response' ? this.sql.dropResponse.get(c.key) : this.sql.dropExchange.get(c.key);
        deleted++;
        // Gone already: another process' sweep got there first.
        if (!row) continue;
        freed += Number(row.bytes) + (c.kind === 'exchange' ? this.dropRag(row.id!) : 0);
        counts[c.kind]++;
      }
      return deleted;
    });
    while (freed < need) {
      const candidates = this.oldest();
      if (candidates.length === 0 || this.committed(chunk(candidates)) === 0) break;
      await nextTurn();
    }
    return { counts, freed };
  }

  /** Called with a transaction's result once it committed: reports the vectors it deleted. */
  private committed<T>(result: T): T {
    const seqs = this.dropped;
    this.dropped = [];
    if (seqs.length > 0) this.options.onDropVectors?.(seqs);
    return result;
  }

  /** An exchange's RAG document, its vector and its full-text entry (external content: FTS5 needs the old text to forget it). */
  private dropRag(id: string | number): number {
    const doc = this.sql.dropRag.get(id);
    if (!doc) return 0;
    this.sql.dropFts.run(doc.seq, doc.text);
    if (this.sql.dropVector.run(doc.seq).changes > 0) this.dropped.push(Number(doc.seq));
    return Number(doc.bytes);
  }

  private oldest(): Candidate[] {
    const exchanges = this.sql.oldestExchanges.all(this.chunkRows).map((r): Candidate => ({ kind: 'exchange', key: r.seq!, time: Number(r.time) }));
    const responses = this.sql.oldestResponses.all(this.chunkRows).map((r): Candidate => ({ kind: 'response', key: r.id!, time: Number(r.time) }));
    return [...exchanges, ...responses].sort((a, b) => a.time - b.time).slice(0, this.chunkRows);
  }
}

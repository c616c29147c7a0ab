// Reading records back from the embedded store: one exchange by record or request id, the newest
// exchanges or audit events matching the operators' filters (each served by an index).
import type { SqliteDatabase } from './database';
import { listLimit, type AuditQuery, type ExchangeQuery } from '../record-store';
import type { AuditEvent, ExchangeRecord } from '../types';

type Param = string | number;

/** ISO bounds as the store's milliseconds; an unparseable bound is a usage error, not "no filter". */
function bound(iso: string | undefined, name: string): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid time: ${iso}`);
  return ms;
}

function where(filters: [string, Param | undefined][]): { clause: string; params: Param[] } {
  const used = filters.filter((f): f is [string, Param] => f[1] !== undefined);
  return { clause: used.length ? `WHERE ${used.map(([sql]) => sql).join(' AND ')}` : '', params: used.map(([, v]) => v) };
}

export class SqliteRecordReader {
  constructor(private readonly db: SqliteDatabase) {}

  exchange(id: string): ExchangeRecord | undefined {
    const row =
      this.db.prepare<[string], { record: string }>('SELECT record FROM exchanges WHERE id = ?').get(id) ??
      // `request_id <> id` matches the partial index: only records whose ids differ are in it.
      this.db
        .prepare<[string], { record: string }>('SELECT record FROM exchanges WHERE request_id = ? AND request_id <> id ORDER BY time DESC LIMIT 1')
        .get(id);
    return row ? (JSON.parse(row.record) as ExchangeRecord) : undefined;
  }

  exchanges(query: ExchangeQuery = {}): ExchangeRecord[] {
    const { clause, params } = where([
      ['time < ?', bound(query.before, 'before')],
      ['time >= ?', bound(query.since, 'since')],
      ['principal_id = ?', query.principalId],
      ['model = ?', query.model],
    ]);
    return this.db
      .prepare<Param[], { record: string }>(`SELECT record FROM exchanges ${clause} ORDER BY time DESC, seq DESC LIMIT ?`)
      .all(...params, listLimit(query.limit))
      .map((r) => JSON.parse(r.record) as ExchangeRecord);
  }

  auditEvents(query: AuditQuery = {}): AuditEvent[] {
    const { clause, params } = where([
      ['time < ?', bound(query.before, 'before')],
      ['time >= ?', bound(query.since, 'since')],
      ['actor = ?', query.actor],
      ['type = ?', query.type],
    ]);
    return this.db
      .prepare<Param[], { event: string }>(`SELECT event FROM audit ${clause} ORDER BY time DESC, seq DESC LIMIT ?`)
      .all(...params, listLimit(query.limit))
      .map((r) => JSON.parse(r.event) as AuditEvent);
  }
}

// Small fakes of the rag ports for tests: a store that can be taken down or slowed, recording
// sinks, stored responses in memory, and a deterministic embedder (hashed bag of words) that makes cosine search meaningful.
import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../core';
import { decisionAudit } from './decision-audit';
import { ResponseIdTakenError, type JsonValue, type ResponseStore, type StoredResponse } from './responses';
import type {
  AuditEvent,
  AuditEventInput,
  AuditSink,
  Embedder,
  ExchangeRecord,
  ExchangeRecorder,
  ExchangeStore,
  InsertOutcome,
  OutboxItem,
  RecordObligations,
} from './types';

export class MemoryExchangeStore implements ExchangeStore {
  readonly items = new Map<string, OutboxItem>();
  /** While true every insert fails as if the server were unreachable. */
  down = false;
  /** Each insert waits this long (on the store's clock) before it takes effect. */
  delayMs = 0;
  /** Items matching this are refused for good (as an invalid document would be). */
  reject?: (item: OutboxItem) => string | undefined;
  calls = 0;
  private readonly clock: Clock;

  /** Give it the outbox's `ManualClock` and a slow insert takes effect only when the test advances time. */
  constructor({ clock = systemClock }: { clock?: Clock } = {}) {
    this.clock = clock;
  }

  async insert(items: readonly OutboxItem[]): Promise<InsertOutcome> {
    this.calls++;
    if (this.delayMs > 0) await new Promise<void>((r) => this.clock.setTimeout(r, this.delayMs));
    if (this.down) throw new Error('store unavailable');
    const outcome: InsertOutcome = { duplicates: [], rejected: [] };
    for (const item of items) {
      const reason = this.reject?.(item);
      if (reason) outcome.rejected.push({ id: item.id, reason });
      else if (this.items.has(`${item.kind}:${item.id}`)) outcome.duplicates.push(item.id);
      else this.items.set(`${item.kind}:${item.id}`, item);
      // Like the MongoDB store, the decision an exchange record carries lands in the audit log.
      const event = item.kind === 'exchange' && !reason ? decisionAudit(item.data) : undefined;
      if (event) this.items.set(`audit:${event.id}`, { kind: 'audit', id: event.id, data: event });
    }
    return outcome;
  }

  of(kind: OutboxItem['kind']): OutboxItem[] {
    return [...this.items.values()].filter((i) => i.kind === kind);
  }
}

export class MemoryExchangeRecorder implements ExchangeRecorder {
  readonly records: { record: ExchangeRecord; obligations?: RecordObligations }[] = [];
  record(record: ExchangeRecord, obligations?: RecordObligations): void {
    this.records.push({ record, obligations });
  }
}

export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  private n = 0;
  record(event: AuditEventInput): void {
    this.events.push({ ...event, id: event.id ?? `audit-${++this.n}`, time: event.time ?? new Date(0).toISOString() });
  }
}

/** Words hashed into a fixed number of buckets, L2-normalised: similar texts get similar vectors. */
export class HashEmbedder implements Embedder {
  calls = 0;
  constructor(private readonly dimensions = 64) {}

  async embed(texts: string[]): Promise<number[][]> {
    this.calls++;
    return texts.map((t) => this.vector(t));
  }

  vector(text: string): number[] {
    const v = new Array<number>(this.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      v[createHash('sha1').update(word).digest().readUInt32BE(0) % this.dimensions] += 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }
}

/** The ResponseStore in memory, with the real stores' rules: scoped by principal, ids not reassignable. */
export class MemoryResponseStore implements ResponseStore {
  readonly docs = new Map<string, { principalId: string; doc: StoredResponse }>();

  async put(id: string, principalId: string, doc: StoredResponse): Promise<void> {
    const owner = this.docs.get(id)?.principalId;
    if (owner !== undefined && owner !== principalId) throw new ResponseIdTakenError(`response id ${id} belongs to another principal`);
    this.docs.set(id, { principalId, doc: structuredClone(doc) });
  }

  async get(id: string, principalId: string): Promise<StoredResponse | undefined> {
    const found = this.docs.get(id);
    return found?.principalId === principalId ? structuredClone(found.doc) : undefined;
  }

  async delete(id: string, principalId: string): Promise<boolean> {
    if (this.docs.get(id)?.principalId !== principalId) return false;
    return this.docs.delete(id);
  }

  async inputItems(id: string, principalId: string): Promise<JsonValue[] | undefined> {
    return (await this.get(id, principalId))?.inputItems;
  }
}

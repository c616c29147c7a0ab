// How records become MongoDB documents: Aegis' full record, the RAG document shaped by the
// configured field mapping (so the existing Python pipeline understands it), and the audit entry.
import type { Document } from 'mongodb';
import type { AuditEvent, ExchangeRecord } from './types';

export interface FieldMapping {
  /** Field holding the text the RAG pipeline embeds and searches. */
  text: string;
  /** Field holding an object of metadata (ids, model, time, …). */
  metadata: string;
  embedding: string;
  status: string;
  /** Status value for "not embedded yet", which the Python pipeline picks up. */
  pendingStatus: string;
  /** Status value when Aegis computed the embedding itself. */
  embeddedStatus: string;
  /** `last-turn`: the last user turn and the answer; `transcript`: every non-system message. */
  textMode: 'last-turn' | 'transcript';
}

export const defaultFieldMapping: FieldMapping = {
  text: 'text',
  metadata: 'metadata',
  embedding: 'embedding',
  status: 'status',
  pendingStatus: 'pending',
  embeddedStatus: 'embedded',
  textMode: 'last-turn',
};

export function exchangeText(record: ExchangeRecord, mode: FieldMapping['textMode'] = 'last-turn'): string {
  const msgs = record.messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
  const lastUser = msgs.map((m) => m.role).lastIndexOf('user');
  const picked = mode === 'transcript' || lastUser < 0 ? msgs : msgs.slice(lastUser);
  const lines = picked.filter((m) => m.content).map((m) => `${m.role}: ${m.content}`);
  if (record.answer) lines.push(`assistant: ${record.answer}`);
  return lines.join('\n\n');
}

// MongoDB (and FerretDB strictly) refuse keys with '.' or a leading '$'; records carry free-form
// objects (tool results, details), so such keys are escaped with their full-width look-alikes.
export function safeKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(safeKeys) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k.replace(/\./g, '\uff0e').replace(/^\$/, '\uff04')] = safeKeys(v);
  }
  return out as T;
}

const date = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

/** Aegis' own full record; times become BSON dates so range queries and TTL work. */
export function exchangeDocument(record: ExchangeRecord): Document {
  return safeKeys({ ...record, _id: record.id, time: date(record.time), endedAt: date(record.endedAt) });
}

export function ragDocument(record: ExchangeRecord, mapping: FieldMapping, embedding?: number[]): Document {
  const doc: Document = {
    _id: record.id,
    [mapping.text]: exchangeText(record, mapping.textMode),
    [mapping.metadata]: safeKeys({
      source: 'aegis',
      kind: 'exchange',
      requestId: record.requestId,
      time: date(record.time),
      principalId: record.principalId,
      model: record.model,
      modelVersion: record.modelVersion,
      upstream: record.upstream,
      status: record.status,
      decisionId: record.decisionId,
      labels: record.labels,
    }),
    [mapping.status]: embedding ? mapping.embeddedStatus : mapping.pendingStatus,
  };
  if (embedding) doc[mapping.embedding] = embedding;
  return doc;
}

export function auditDocument(event: AuditEvent): Document {
  return safeKeys({ ...event, _id: event.id, time: date(event.time) });
}

/** Undoes `safeKeys` and turns BSON dates back into ISO strings: a document as Aegis recorded it. */
export function plainValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainValue);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.replace(/\uff0e/g, '.').replace(/^\uff04/, '$')] = plainValue(v);
  return out;
}

export function recordFromDocument({ _id, ...doc }: Document): ExchangeRecord {
  return plainValue(doc) as ExchangeRecord;
}

export function auditFromDocument({ _id, ...doc }: Document): AuditEvent {
  return plainValue(doc) as AuditEvent;
}

// How records become rows of the embedded store and back: the columns operators filter on, the
// full record as JSON, the RAG document (text, metadata, float32 embedding) and each row's size.
import { decisionAudit } from '../decision-audit';
import { exchangeText, type FieldMapping } from '../mongo-mapping';
import type { AuditEvent, ExchangeRecord } from '../types';
import { rowOverheadBytes } from './schema';

export interface ExchangeRow {
  id: string;
  request_id: string;
  time: number;
  principal_id: string;
  model: string;
  status: number;
  decision_id: string | null;
  bytes: number;
  record: string;
}

export interface RagRow {
  id: string;
  time: number;
  text: string;
  metadata: string;
  status: string;
  dims: number | null;
  bytes: number;
}

export interface AuditRow {
  id: string;
  time: number;
  type: string;
  actor: string;
  outcome: string;
  request_id: string | null;
  decision_id: string | null;
  bytes: number;
  event: string;
}

/** A record the store cannot take as it is (the outbox dead-letters it). */
export class InvalidRecordError extends Error {}

export function millis(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new InvalidRecordError(`${what} is not a valid time: ${JSON.stringify(iso)}`);
  return ms;
}

export function exchangeRow(record: ExchangeRecord): ExchangeRow {
  const json = JSON.stringify(record);
  return {
    id: record.id,
    request_id: record.requestId,
    time: millis(record.time, 'time'),
    principal_id: record.principalId,
    model: record.model,
    status: record.status,
    decision_id: record.decisionId ?? null,
    bytes: Buffer.byteLength(json) + rowOverheadBytes,
    record: json,
  };
}

/** Little-endian float32 scaled to length 1 (what `Float32Array` reads back on every platform Node runs on), or undefined for a zero vector. */
export function unitVectorBlob(vector: readonly number[]): Buffer | undefined {
  const floats = Float32Array.from(vector);
  let sum = 0;
  for (const x of floats) sum += x * x;
  if (!(sum > 0) || !Number.isFinite(sum)) return undefined;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < floats.length; i++) floats[i]! *= scale;
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

/** The blob as floats without copying when it is aligned (a copy otherwise). */
export function blobFloats(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength >> 2);
  return new Float32Array(Uint8Array.from(blob).buffer);
}

/**
 * The RAG document of a record; `blob` is its embedding as `unitVectorBlob` made it (stored in
 * `rag_vectors`); `time` is the record's time as its exchange row parsed it.
 */
export function ragRow(record: ExchangeRecord, textMode: FieldMapping['textMode'], blob?: Buffer, time = millis(record.time, 'time')): RagRow {
  const text = exchangeText(record, textMode);
  const metadata = JSON.stringify({
    source: 'aegis',
    kind: 'exchange',
    requestId: record.requestId,
    time: record.time,
    principalId: record.principalId,
    model: record.model,
    modelVersion: record.modelVersion,
    upstream: record.upstream,
    status: record.status,
    decisionId: record.decisionId,
    labels: record.labels,
  });
  return {
    id: record.id,
    time,
    text,
    metadata,
    status: blob ? 'embedded' : 'pending',
    dims: blob ? blob.byteLength / 4 : null,
    // The text twice: once in the table, about once more in the full-text index.
    bytes: 2 * Buffer.byteLength(text) + Buffer.byteLength(metadata) + (blob?.byteLength ?? 0) + rowOverheadBytes,
  };
}

export function auditRow(event: AuditEvent, time = millis(event.time, 'time')): AuditRow {
  const json = JSON.stringify(event);
  return {
    id: event.id,
    time,
    type: event.type,
    actor: event.actor,
    outcome: event.outcome,
    request_id: event.requestId ?? null,
    decision_id: event.decisionId ?? null,
    bytes: Buffer.byteLength(json) + rowOverheadBytes,
    event: json,
  };
}

/** The audit row of the allow decision an exchange carries (see decision-audit.ts); its time is the record's. */
export function carriedDecisionRow(record: ExchangeRecord, time = millis(record.time, 'time')): AuditRow | undefined {
  const event = decisionAudit(record);
  return event && auditRow(event, time);
}

// What Aegis records: one ExchangeRecord per finished exchange and one AuditEvent per decision or
// admin action, plus the ports that accept them (recorder, audit sink, store, embedder).

export interface RecordedToolCall {
  id: string;
  name: string;
  /** The arguments exactly as the model produced them (a JSON string in OpenAI's format). */
  arguments: string;
  /** `mcp` calls were executed by Aegis' tool loop; `client` calls were returned to the client. */
  source: 'client' | 'mcp';
  result?: string;
  error?: string;
}

export interface RecordedMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  /** Text content; non-text parts are summarised by the gateway (e.g. "[image]"). */
  content: string;
  name?: string;
  toolCallId?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
}

export interface RecordedTruncation {
  strategy: string;
  droppedMessages: number;
  droppedTokens?: number;
  /** Messages kept but cut head + tail. */
  shortenedMessages?: number;
  /** The prompt's tokens after fitting, and the context length it was fitted to. */
  promptTokens?: number;
  contextLength?: number | null;
  /** The messages that were cut, when the policy allows keeping them. */
  dropped?: RecordedMessage[];
}

export interface RecordedUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ExchangeRecord {
  /** Record id, used as `_id` so inserts are idempotent; usually the request id. */
  id: string;
  requestId: string;
  /** ISO time the request arrived. */
  time: string;
  /** ISO time the body ended or the client went away. */
  endedAt?: string;
  /** The principal's id, never the API key. */
  principalId: string;
  route: string;
  /**
   * The API the client spoke: `chat` (OpenAI's classic API; `route` says which door), `responses`
   * or `messages` (translated onto a chat exchange). Absent in records written before it existed.
   */
  api?: 'chat' | 'responses' | 'messages';
  model: string;
  modelVersion?: string;
  upstream?: string;
  upstreamModel?: string;
  stream: boolean;
  /** Messages as sent upstream, i.e. after truncation. */
  messages: RecordedMessage[];
  truncation?: RecordedTruncation;
  /** The answer text, assembled from the stream when streamed (also when cut short). */
  answer: string;
  finishReason?: string | null;
  toolCalls: RecordedToolCall[];
  usage?: RecordedUsage;
  latencyMs: number;
  ttftMs?: number;
  /** HTTP status the client saw: 200, 499 on client cancel, the error status otherwise. */
  status: number;
  error?: { code: string; message: string };
  /** Whether the answer is complete (false when the stream was cut). */
  complete: boolean;
  decisionId?: string;
  /**
   * The policy decision that allowed this exchange. Its audit event travels inside the record (one
   * outbox item per request) and the store writes it to the audit log (see decision-audit.ts).
   */
  decision?: { reasons: string[] };
  /** What the exchange belongs to (ExchangeFinished.labels): e.g. the consultation it answered. */
  labels?: Record<string, string>;
}

export type AuditOutcome = 'allow' | 'deny' | 'ok' | 'error';

export interface AuditEvent {
  id: string;
  /** ISO time. */
  time: string;
  /** e.g. policy.decision, model.load, model.unload, model.promote, model.rollback, key.create, mcp.tool */
  type: string;
  /** Principal id or `cli:<user>`; never a key. */
  actor: string;
  target?: string;
  outcome: AuditOutcome;
  requestId?: string;
  decisionId?: string;
  details?: Record<string, unknown>;
}

/** An audit event before the sink stamps it: id and time are filled in when missing. */
export type AuditEventInput = Omit<AuditEvent, 'id' | 'time'> & { id?: string; time?: string };

/** What a policy obligation may ask of recording. */
export interface RecordObligations {
  /** Extra redaction rules: names of optional patterns (`email`, `ipv4`, …) or regex sources. */
  redact?: string[];
  /** `metadata` keeps counts and ids but drops every text; `none` records nothing. */
  log?: 'full' | 'metadata' | 'none';
}

/** Called by the gateway once per finished exchange; never throws, never waits. */
export interface ExchangeRecorder {
  record(record: ExchangeRecord, obligations?: RecordObligations): void;
}

/** Append-only audit log; never throws, never waits. */
export interface AuditSink {
  record(event: AuditEventInput, obligations?: Pick<RecordObligations, 'redact'>): void;
}

export type RecordKind = 'exchange' | 'audit';

/** One unit in the queue, the spool and the store; `id` is the idempotency key (`_id`). */
export type OutboxItem = { kind: 'exchange'; id: string; data: ExchangeRecord } | { kind: 'audit'; id: string; data: AuditEvent };

export interface InsertOutcome {
  /** Ids of items already present (a replay or a retried batch): counted as success. */
  duplicates: string[];
  /** Items the store refused for good (invalid document); they go to the dead-letter file. */
  rejected: { id: string; reason: string }[];
}

/**
 * The durable store the outbox drains into. `insert` must be idempotent by item id and must
 * throw when the store is unreachable or slow, so the batch is spooled and replayed later.
 */
export interface ExchangeStore {
  insert(items: readonly OutboxItem[]): Promise<InsertOutcome>;
}

/** Turns texts into vectors; the gateway supplies one that calls a configured embedding model. */
export interface Embedder {
  embed(texts: string[]): Promise<number[][]>;
}

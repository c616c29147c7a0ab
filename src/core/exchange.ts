// The finished exchange: what the gateway publishes once per request (body end, error or client
// disconnect) and what every sink reads — metrics, the usage meter, the RAG recorder, prompt logs.
// In core because the gateway produces it and sibling folders (rag) consume it.
import type { ChatMessage, ToolCall, Usage } from './openai';

/** The OpenAI-compatible front doors an exchange can come through. */
export type ExchangeRoute = 'chat' | 'completions' | 'embeddings';

/** What policy decided for the exchange, carried by reference from the authorize stage. */
export interface ExchangeDecision {
  id: string;
  /** Why it allowed as it did (what its obligations changed); audited with the exchange. */
  reasons: string[];
  /** Whether the exchange's text may be recorded (else metadata only). */
  log: boolean;
  /** Secret classes to redact from the record. */
  redact: string[];
}

export interface ExchangeFinished {
  requestId: string;
  route: ExchangeRoute;
  startedAt: number;
  endedAt: number;
  /** First token (streams) or full answer (non-streaming) time. */
  firstTokenAt?: number;
  /** Last streamed output of the first model call (inter-token latency). */
  lastTokenAt?: number;
  /** Time waiting for the scheduler's lease (queue, load); undefined without a scheduler. */
  queuedMs?: number;
  /** Time the upstream took over every model call: from sending to the end of its answer. */
  upstreamMs?: number;
  /** Priority class the exchange was scheduled under. */
  priority?: string;
  principalId: string;
  model: string;
  modelVersion: string;
  upstream: string;
  /** The runtime's own id of the model. */
  upstreamModel: string;
  stream: boolean;
  /** HTTP status as the client saw it; 499 when the client went away. */
  status: number;
  errorCode?: string;
  errorMessage?: string;
  /** The request as sent upstream (after obligations and fitting). */
  messages?: ChatMessage[];
  prompt?: string | string[];
  /** The final answer (the last model call's, when a tool loop made several). */
  answer: string;
  toolCalls: ToolCall[];
  finishReason?: string | null;
  /** Usage summed over every model call of the exchange. */
  usage?: Usage;
  /** Model calls made (more than one only inside a tool loop). */
  turns: number;
  decision?: ExchangeDecision;
}

/** Anything that wants to hear about finished exchanges; sinks must not throw or block. */
export interface ExchangeSink {
  exchangeFinished(exchange: ExchangeFinished): void;
}

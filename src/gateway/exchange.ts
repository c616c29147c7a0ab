// What the gateway knows about one finished exchange: the input for metrics, audit and RAG records.
import type { ChatMessage, ToolCall, Usage } from '../core';

export interface ExchangeOutcome {
  requestId: string;
  route: 'chat' | 'completions' | 'embeddings';
  startedAt: number;
  endedAt: number;
  /** First token (streams) or full answer (non-streaming) time. */
  firstTokenAt?: number;
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
  messages?: ChatMessage[];
  prompt?: string | string[];
  answer: string;
  toolCalls: ToolCall[];
  finishReason?: string | null;
  usage?: Usage;
  decisionId?: string;
  /** The allow decision's reasons, audited with the exchange record. */
  decisionReasons?: string[];
  log: boolean;
  redact: string[];
}

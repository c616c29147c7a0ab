// The finished exchange: what the gateway publishes once per request (body end, error or client
// disconnect) and what every sink reads — metrics, the usage meter, the RAG recorder, prompt logs.
// In core because the gateway produces it and sibling folders (rag) consume it.
import type { ChatMessage, ToolCall, Usage } from './openai';

/** The OpenAI-compatible front doors an exchange can come through. */
export type ExchangeRoute = 'chat' | 'completions' | 'embeddings';

/**
 * The client-facing API the request used: OpenAI's classic API (`route` says which door), the
 * Responses API, or Anthropic Messages. The agent APIs are translated at the edge into a chat
 * exchange, so their `route` is `chat` (what policy grants) and `api` says how the client spoke.
 */
export type ExchangeApi = 'chat' | 'responses' | 'messages';

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

/** What the context step did to a chat request (src/context's report, as sinks read it). */
export interface ExchangeContext {
  /** Prompt tokens as Aegis counted them, after fitting. */
  tokens: number;
  /** The model's context length; null while unknown. */
  limit: number | null;
  budget: number | null;
  reserved: number;
  dropped: number;
  shortened: number;
  droppedTokens: number;
  strategy: string;
  /** exact | local | estimate. */
  counted: string;
  limitSource: string | null;
  /** Prompt tokens the runtime reported for the one model call, when it reported them. */
  reported?: number;
  /** Whether the conversation's remembered cut was reused (the cache-friendly window). */
  reusedCut?: boolean;
}

export interface ExchangeFinished {
  requestId: string;
  route: ExchangeRoute;
  api: ExchangeApi;
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
  /** What context fitting did; absent for requests it does not see (completions, embeddings). */
  context?: ExchangeContext;
  /** The client's messages that fitting left out. */
  droppedMessages?: readonly ChatMessage[];
  prompt?: string | string[];
  /** The final answer (the last model call's, when a tool loop made several). */
  answer: string;
  toolCalls: ToolCall[];
  finishReason?: string | null;
  /** Usage summed over every model call of the exchange. */
  usage?: Usage;
  /** Model calls made (more than one only inside a tool loop). */
  turns: number;
  /** The MCP tool calls the gateway ran for this exchange, in order (absent when none). */
  mcpCalls?: ExchangeToolCall[];
  decision?: ExchangeDecision;
  /** How tools were served and what came of it, when the request had tools (src/tools). */
  tools?: ExchangeToolStats;
  /**
   * What the exchange belongs to beyond its request, kept with its record and RAG document (the
   * MCP tool that ran it, the consultation it answered: `{ mcp_tool: 'consult', consultation: id }`).
   */
  labels?: Readonly<Record<string, string>>;
}

/** Tool-call counters of one exchange (src/tools fills them in). */
export interface ExchangeToolStats {
  /** native: the runtime's own; emulated: rendered and parsed from free text; constrained: decoded under a schema. */
  mode: 'native' | 'emulated' | 'constrained';
  /** Calls returned to the client. */
  calls: number;
  /** Attempts that could not be read as a valid call. */
  parseFailures: number;
  /** Calls accepted after a fix (JSON repaired, arguments decoded from a string, types coerced). */
  repairs: number;
  /** The one constrained retry of an invalid call, if made. */
  retry?: 'repaired' | 'failed';
}

/** One MCP tool call the gateway ran (or refused) inside an exchange's tool loop. */
export interface ExchangeToolCall {
  /** The model's tool-call id. */
  id: string;
  /** The name the model called (`mcp__server__tool`). */
  name: string;
  server: string;
  tool: string;
  round: number;
  /** The arguments as the model wrote them. */
  arguments: string;
  /** sha256 of the arguments (parsed and re-serialised when they parse), for audits without them. */
  argumentsHash: string;
  /** ok, tool_error, denied, timeout, cancelled, error, invalid_arguments, unknown_tool, not_run. */
  outcome: string;
  durationMs: number;
  /** What the model was told (capped). */
  output: string;
  /** Why it failed, in Aegis' words (not the tool's). */
  error?: string;
}

/** Anything that wants to hear about finished exchanges; sinks must not throw or block. */
export interface ExchangeSink {
  exchangeFinished(exchange: ExchangeFinished): void;
}

// The vocabulary of context fitting: strategies, what a fit decided, and how counts were made.
import type { ChatMessage } from '../core';

/**
 * How a prompt that does not fit is made to fit. `error` refuses (400 context_length_exceeded);
 * `drop-oldest` drops whole turns from the front (Ollama's and LiteLLM's way); `middle-out` drops
 * from the middle outward, keeping the start and the end (OpenRouter's transform).
 */
export type Strategy = 'error' | 'drop-oldest' | 'middle-out';

export const STRATEGIES: readonly Strategy[] = ['error', 'drop-oldest', 'middle-out'];

/**
 * Where a count comes from: the runtime's own tokenizer, the model's vocabulary read from its GGUF,
 * or characters per token (calibrated from what the runtime reports).
 */
export type CountKind = 'exact' | 'local' | 'estimate';

/** Where the context length of a model comes from. */
export type LimitSource = 'runtime' | 'config' | 'discovered' | 'learned';

export interface ContextLimit {
  tokens: number;
  source: LimitSource;
}

/** What the context step did to a request: the `x-aegis-context` header and `usage.aegis_context`. */
export interface ContextReport {
  /** Prompt tokens as Aegis counted them, after fitting. */
  tokens: number;
  /** The model's context length; null when nobody knows it yet. */
  limit: number | null;
  /** Tokens the prompt may use: the limit minus the completion reserve and the safety margin. */
  budget: number | null;
  /** Tokens held back for the completion. */
  reserved: number;
  /** Messages left out. */
  dropped: number;
  /** Messages cut head + tail with a marker. */
  shortened: number;
  /** Tokens removed by dropping and shortening. */
  droppedTokens: number;
  strategy: Strategy;
  counted: CountKind;
  limitSource: LimitSource | null;
}

/** The messages of a request as the context step sees them. */
export type Message = ChatMessage;

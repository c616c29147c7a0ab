// The prompt's budget: the model's loaded context, minus what is reserved for the completion, minus
// a safety margin for miscounts that shrinks as the model's counts are calibrated.

export interface BudgetInputs {
  /** The model's context length (tokens the runtime holds per request). */
  limit: number;
  /** What the request asked for (`max_completion_tokens` or `max_tokens`). */
  maxTokens?: number | null;
  /** Reserve when the request asks for nothing. */
  reserveTokens: number;
  /**
   * The most of the context a completion reserve may take: agents written for cloud windows ask
   * for 4096 or more, which on a 2K model would leave no room for any prompt. The runtime stops
   * the answer at the end of the context instead (finish_reason `length`).
   */
  maxReserveShare: number;
  /** Fraction held back for miscounts (Calibration#margin). */
  margin: number;
}

export interface Budget {
  limit: number;
  reserved: number;
  /** Tokens held back for miscounts. */
  margin: number;
  /** Tokens the prompt may use. */
  prompt: number;
}

export function promptBudget({ limit, maxTokens, reserveTokens, maxReserveShare, margin }: BudgetInputs): Budget {
  const reserved = Math.max(0, Math.min(maxTokens ?? reserveTokens, Math.floor(limit * maxReserveShare)));
  const marginTokens = Math.ceil(margin * (limit - reserved));
  return { limit, reserved, margin: marginTokens, prompt: Math.max(0, limit - reserved - marginTokens) };
}

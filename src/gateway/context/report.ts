// Saying what the context step did: the `x-aegis-context` response header and `usage.aegis_context`,
// the same figures in both (and in the exchange record, through ExchangeFinished).
import type { ContextReport } from '../../context';
import type { ExchangeContext } from '../../core';

export const CONTEXT_HEADER = 'x-aegis-context';

/** `tokens=1843; limit=2048; dropped=12; shortened=1; strategy=drop-oldest` (plus how it counted). */
export function contextHeader(r: ContextReport): string {
  return `tokens=${r.tokens}; limit=${r.limit ?? 'unknown'}; dropped=${r.dropped}; shortened=${r.shortened}; strategy=${r.strategy}; counted=${r.counted}`;
}

/** The `usage.aegis_context` object: snake_case like the rest of OpenAI's usage. */
export function usageContext(r: ContextReport): Record<string, unknown> {
  return {
    prompt_tokens: r.tokens,
    context_length: r.limit,
    context_length_source: r.limitSource,
    prompt_budget: r.budget,
    reserved_tokens: r.reserved,
    dropped_messages: r.dropped,
    shortened_messages: r.shortened,
    dropped_tokens: r.droppedTokens,
    strategy: r.strategy,
    counted: r.counted,
  };
}

/** A usage object with `aegis_context` added. */
export function usageWithContext(usage: object | undefined, r: ContextReport): Record<string, unknown> {
  return { ...usage, aegis_context: usageContext(r) };
}

/** A whole answer with `usage.aegis_context` added (its own usage, or `usage` when it has none). */
export function withContextUsage(body: unknown, r: ContextReport, usage: object | undefined): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const current = 'usage' in body && typeof body.usage === 'object' && body.usage !== null ? body.usage : usage;
  return { ...body, usage: usageWithContext(current, r) };
}

/** The report as ExchangeFinished carries it. */
export function exchangeContext(r: ContextReport, reported: number | undefined, reusedCut: boolean): ExchangeContext {
  return { ...r, reported, reusedCut };
}

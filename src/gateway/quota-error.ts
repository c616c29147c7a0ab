// A quota denial as OpenAI's clients expect a rate limit: 429 with Retry-After and the
// `x-ratelimit-*` headers the SDKs read to back off, rather than a 403 they would not retry.
import { GatewayError } from '../core';
import type { Decision } from '../policy';
import type { UsageFacts, UsageMeter } from './usage-meter';

/**
 * Every rate-limit header a quota denial may carry, as OpenAI names them. The OpenAPI document lists
 * them on 429 and CORS exposes them to browser clients, both from this list.
 */
export const RATE_LIMIT_HEADERS = [
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
] as const;

export type RateLimitHeader = (typeof RATE_LIMIT_HEADERS)[number];

/** OpenAI's duration format for the reset headers: `1s`, `6m0s`, `1h2m3s`. */
export function resetDuration(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

export function quotaExceededError(decision: Decision, principalId: string, facts: UsageFacts, usage: UsageMeter): GatewayError {
  const { requests_per_minute: rpm, tokens_per_day: tpd } = decision.obligations.quotas;
  const reset = usage.resetIn(principalId, rpm);
  const requestsOut = rpm !== null && facts.requests_last_minute >= rpm;
  const tokensOut = tpd !== null && facts.tokens_today >= tpd;
  // Typed by the list, so a header written here cannot be missing from it.
  const headers: Partial<Record<RateLimitHeader, string>> = {};
  if (rpm !== null) {
    headers['x-ratelimit-limit-requests'] = String(rpm);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, rpm - facts.requests_last_minute));
    headers['x-ratelimit-reset-requests'] = resetDuration(reset.requestsMs);
  }
  if (tpd !== null) {
    headers['x-ratelimit-limit-tokens'] = String(tpd);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tpd - facts.tokens_today));
    headers['x-ratelimit-reset-tokens'] = resetDuration(reset.tokensMs);
  }
  // The later of the two when both are spent; a prompt too large for what is left today waits for
  // the day to turn, as does a spent token budget.
  const waitMs = tokensOut || !requestsOut ? Math.max(reset.requestsMs, reset.tokensMs) : reset.requestsMs;
  return new GatewayError('rate_limit_exceeded', `Rate limit reached: ${decision.reasons.join('; ')}.`, {
    retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
    headers,
    details: { reasons: decision.reasons, decision_id: decision.id },
  });
}

// An upstream's Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as the seconds
// Aegis passes on to its own client.

/** Used when the upstream sends no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

// The scheduler's own Retry-After estimates stop at the same ceiling: past it a client is better
// served by failing over than by waiting.
const MAX_RETRY_AFTER_SECONDS = 600;

export function retryAfterSeconds(header: string | string[] | undefined, now: number = Date.now()): number {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return DEFAULT_RETRY_AFTER_SECONDS;
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.ceil((Date.parse(value) - now) / 1000);
  if (Number.isNaN(seconds)) return DEFAULT_RETRY_AFTER_SECONDS;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}

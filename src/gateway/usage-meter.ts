// Per-principal usage facts for quota rules: requests in the last minute (sliding window) and
// tokens since UTC midnight. In memory, per gateway instance. Only admitted requests count: a
// client retrying while over its quota must not push its own window forward.
import type { Clock } from '../core';

interface Usage {
  /** Admission times, oldest first; the window starts at `first` (earlier entries have expired). */
  requests: number[];
  first: number;
  day: number;
  tokens: number;
}

export interface UsageFacts {
  requests_last_minute: number;
  tokens_today: number;
}

/** When each quota frees up again, in milliseconds from now. */
export interface QuotaReset {
  requestsMs: number;
  tokensMs: number;
}

const WINDOW_MS = 60_000;
const DAY_MS = 86_400_000;
/** Expired entries are cut off in place once they are this many and at least half the array. */
const COMPACT_AFTER = 1_024;

export class UsageMeter {
  private readonly byPrincipal = new Map<string, Usage>();

  constructor(private readonly clock: Clock) {}

  private get(id: string, now: number): Usage {
    const today = Math.floor(now / DAY_MS);
    let u = this.byPrincipal.get(id);
    if (!u) this.byPrincipal.set(id, (u = { requests: [], first: 0, day: today, tokens: 0 }));
    if (u.day !== today) {
      u.day = today;
      u.tokens = 0;
    }
    // An index, not shift(): a busy principal's minute holds a great many entries, and shifting an array
    // that large copies all of it (V8 only trims small arrays in place), once per request.
    const times = u.requests;
    while (u.first < times.length && times[u.first]! <= now - WINDOW_MS) u.first++;
    if (u.first >= COMPACT_AFTER && u.first * 2 >= times.length) {
      times.copyWithin(0, u.first);
      times.length -= u.first;
      u.first = 0;
    }
    return u;
  }

  /** The facts as they stand, before the request being decided. */
  facts(id: string): UsageFacts {
    const u = this.get(id, this.clock.now());
    return { requests_last_minute: u.requests.length - u.first, tokens_today: u.tokens };
  }

  /** Counts an admitted request. */
  admit(id: string): void {
    const now = this.clock.now();
    this.get(id, now).requests.push(now);
  }

  addTokens(id: string, tokens: number): void {
    this.get(id, this.clock.now()).tokens += tokens;
  }

  /**
   * When a request fits again under `requestsPerMinute` (the moment enough of the window's
   * admissions have expired), and when the token day starts over (UTC midnight).
   */
  resetIn(id: string, requestsPerMinute: number | null): QuotaReset {
    const now = this.clock.now();
    const u = this.get(id, now);
    const used = u.requests.length - u.first;
    let requestsMs = 0;
    if (requestsPerMinute !== null && used >= requestsPerMinute) {
      // The (used - limit + 1)-th oldest admission must expire before one more fits.
      const expiring = u.requests[u.first + Math.max(0, used - requestsPerMinute)];
      requestsMs = expiring === undefined ? WINDOW_MS : Math.max(0, expiring + WINDOW_MS - now);
    }
    return { requestsMs, tokensMs: (u.day + 1) * DAY_MS - now };
  }
}

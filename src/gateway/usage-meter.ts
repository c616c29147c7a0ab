// Per-principal usage facts for quota rules: requests in the last minute (sliding window) and
// tokens since UTC midnight. In memory, per gateway instance.
import type { Clock } from '../core';

interface Usage {
  /** Arrival times, oldest first; the window starts at `first` (earlier entries have expired). */
  requests: number[];
  first: number;
  day: number;
  tokens: number;
}

/** Expired entries are cut off in place once they are this many and at least half the array. */
const COMPACT_AFTER = 1_024;

export class UsageMeter {
  private readonly byPrincipal = new Map<string, Usage>();

  constructor(private readonly clock: Clock) {}

  private get(id: string): Usage {
    const today = Math.floor(this.clock.now() / 86_400_000);
    let u = this.byPrincipal.get(id);
    if (!u) this.byPrincipal.set(id, (u = { requests: [], first: 0, day: today, tokens: 0 }));
    if (u.day !== today) {
      u.day = today;
      u.tokens = 0;
    }
    return u;
  }

  /** Counts a request and returns the facts as they stood before it. */
  admit(id: string): { requests_last_minute: number; tokens_today: number } {
    const u = this.get(id);
    const now = this.clock.now();
    // An index, not shift(): a busy principal's minute holds ~10⁵ entries, and shifting an array
    // that large copies all of it (V8 only trims small arrays in place), once per request.
    const times = u.requests;
    while (u.first < times.length && times[u.first]! <= now - 60_000) u.first++;
    if (u.first >= COMPACT_AFTER && u.first * 2 >= times.length) {
      times.copyWithin(0, u.first);
      times.length -= u.first;
      u.first = 0;
    }
    const facts = { requests_last_minute: times.length - u.first, tokens_today: u.tokens };
    times.push(now);
    return facts;
  }

  addTokens(id: string, tokens: number): void {
    this.get(id).tokens += tokens;
  }
}

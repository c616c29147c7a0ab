// Per-principal usage facts for quota rules: requests in the last minute (sliding window) and
// tokens since UTC midnight. In memory, per gateway instance.
import type { Clock } from '../core';

interface Usage {
  requests: number[];
  day: number;
  tokens: number;
}

export class UsageMeter {
  private readonly byPrincipal = new Map<string, Usage>();

  constructor(private readonly clock: Clock) {}

  private get(id: string): Usage {
    const today = Math.floor(this.clock.now() / 86_400_000);
    let u = this.byPrincipal.get(id);
    if (!u) this.byPrincipal.set(id, (u = { requests: [], day: today, tokens: 0 }));
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
    while (u.requests.length > 0 && u.requests[0]! <= now - 60_000) u.requests.shift();
    const facts = { requests_last_minute: u.requests.length, tokens_today: u.tokens };
    u.requests.push(now);
    return facts;
  }

  addTokens(id: string, tokens: number): void {
    this.get(id).tokens += tokens;
  }
}

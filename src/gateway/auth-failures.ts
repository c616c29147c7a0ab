// Failed authentications, counted per source address. A client retrying a bad key (or someone
// guessing keys) would otherwise write one log line and one audit entry per attempt: each address
// gets one entry per window, carrying how many failures it stood for.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../core';

export interface AuthFailureReport {
  address: string;
  reason: 'missing_api_key' | 'invalid_api_key';
  /** Failures from this address since its previous report (this one included). */
  count: number;
  path: string;
  requestId: string;
}

export type AuthFailure = Omit<AuthFailureReport, 'count'>;

/** Where the auth middleware reports a refused request. */
export interface AuthFailureSink {
  record(failure: AuthFailure): void;
}

interface Window {
  reportedAt: number;
  suppressed: number;
}

export interface AuthFailureCounterOptions {
  clock: Clock;
  windowMs?: number;
  /** Addresses remembered at once; the least recently seen are forgotten first. */
  maxAddresses?: number;
  report: (r: AuthFailureReport) => void;
}

export class AuthFailureCounter implements AuthFailureSink {
  private readonly windows: LRUCache<string, Window>;
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly report: (r: AuthFailureReport) => void;

  constructor({ clock, windowMs = 60_000, maxAddresses = 10_000, report }: AuthFailureCounterOptions) {
    this.clock = clock;
    this.windowMs = windowMs;
    this.report = report;
    this.windows = new LRUCache({ max: maxAddresses });
  }

  /** Counts one failure; reports it at once if the address's window has passed, else later. */
  record(failure: AuthFailure): void {
    const now = this.clock.now();
    const w = this.windows.get(failure.address);
    if (w && now - w.reportedAt < this.windowMs) {
      w.suppressed++;
      return;
    }
    const count = (w?.suppressed ?? 0) + 1;
    this.windows.set(failure.address, { reportedAt: now, suppressed: 0 });
    this.report({ ...failure, count });
  }
}

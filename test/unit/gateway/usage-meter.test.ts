import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { UsageMeter } from '../../../src/gateway/usage-meter';

/** Reads the facts before a request, then admits it (what an allowed request does). */
const admitted = (usage: UsageMeter, id: string) => {
  const facts = usage.facts(id);
  usage.admit(id);
  return facts;
};

describe('UsageMeter', () => {
  it('counts the requests of the last minute before the current one, per principal', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
    const usage = new UsageMeter(clock);
    expect(admitted(usage, 'a').requests_last_minute).toBe(0);
    clock.advance(30_000);
    expect(admitted(usage, 'a').requests_last_minute).toBe(1);
    expect(admitted(usage, 'b').requests_last_minute).toBe(0);
    clock.advance(30_000);
    // The first request is exactly a minute old now: out of the window.
    expect(admitted(usage, 'a').requests_last_minute).toBe(1);
  });

  it('keeps the window exact through many requests (expired entries are compacted away)', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
    const usage = new UsageMeter(clock);
    // 100 requests a second for two minutes: a full window holds 6,000.
    let last = 0;
    for (let i = 0; i < 12_000; i++) {
      last = admitted(usage, 'a').requests_last_minute;
      clock.advance(10);
    }
    expect(last).toBe(5_999);
  });

  it('counts tokens since UTC midnight', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 23, 59));
    const usage = new UsageMeter(clock);
    usage.addTokens('a', 500);
    expect(usage.facts('a').tokens_today).toBe(500);
    clock.advance(60_000);
    expect(usage.facts('a').tokens_today).toBe(0);
  });

  it('does not count requests that were only looked at (refused ones)', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
    const usage = new UsageMeter(clock);
    for (let i = 0; i < 100; i++) usage.facts('a');
    expect(usage.facts('a').requests_last_minute).toBe(0);
  });

  it('says when the next request fits under a per-minute limit, and when the token day turns', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 23, 50));
    const usage = new UsageMeter(clock);
    usage.admit('a'); // t = 0
    clock.advance(20_000);
    usage.admit('a'); // t = 20 s
    clock.advance(10_000); // now t = 30 s, two in the window
    expect(usage.resetIn('a', 2).requestsMs).toBe(30_000); // the first expires at t = 60 s
    expect(usage.resetIn('a', 1).requestsMs).toBe(50_000); // both must expire for a limit of one
    expect(usage.resetIn('a', 5).requestsMs).toBe(0);
    expect(usage.resetIn('a', null).tokensMs).toBe(10 * 60_000 - 30_000);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { UsageMeter } from '../../../src/gateway/usage-meter';

describe('UsageMeter', () => {
  it('counts the requests of the last minute before the current one, per principal', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
    const usage = new UsageMeter(clock);
    expect(usage.admit('a').requests_last_minute).toBe(0);
    clock.advance(30_000);
    expect(usage.admit('a').requests_last_minute).toBe(1);
    expect(usage.admit('b').requests_last_minute).toBe(0);
    clock.advance(30_000);
    // The first request is exactly a minute old now: out of the window.
    expect(usage.admit('a').requests_last_minute).toBe(1);
  });

  it('keeps the window exact through many requests (expired entries are compacted away)', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
    const usage = new UsageMeter(clock);
    // 100 requests a second for two minutes: a full window holds 6,000.
    let last = 0;
    for (let i = 0; i < 12_000; i++) {
      last = usage.admit('a').requests_last_minute;
      clock.advance(10);
    }
    expect(last).toBe(5_999);
  });

  it('counts tokens since UTC midnight', () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 23, 59));
    const usage = new UsageMeter(clock);
    usage.addTokens('a', 500);
    expect(usage.admit('a').tokens_today).toBe(500);
    clock.advance(60_000);
    expect(usage.admit('a').tokens_today).toBe(0);
  });
});

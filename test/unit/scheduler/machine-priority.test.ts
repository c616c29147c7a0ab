// Priority classes, aging and preemption.

import { describe, expect, it } from 'vitest';
import { harness, spec } from './harness';

describe('SchedulerMachine priorities', () => {
  it('serves a more important waiting request first', () => {
    const h = harness([spec('a', 8)]);
    h.request('r0', 'a');
    h.finishLoad('a');
    h.request('batch', 'a', 'batch');
    h.request('std', 'a', 'standard');
    h.request('crit', 'a', 'critical');
    h.machine.onRelease('r0');
    expect(h.fx.grantedIds().at(-1)).toBe('crit');
    h.machine.onRelease('crit');
    expect(h.fx.grantedIds().at(-1)).toBe('std');
  });

  it('ages waiting requests: a long-waiting batch request beats newer standard ones', () => {
    const h = harness([spec('a', 8)], { agingStepMs: 20_000 });
    h.request('r0', 'a');
    h.finishLoad('a');
    h.request('batch', 'a', 'batch');
    // A steady stream of standard requests, one slot, each lease lasting 5 s.
    let holder = 'r0';
    let grantedAt = -1;
    for (let i = 1; i <= 12 && grantedAt < 0; i++) {
      h.clock.advance(5_000);
      h.request(`std${i}`, 'a');
      h.machine.onRelease(holder);
      holder = h.fx.grantedIds().at(-1)!;
      if (holder === 'batch') grantedAt = i;
    }
    expect(grantedAt).toBeGreaterThan(1); // fresh standard requests went first at the start…
    expect(grantedAt).toBeLessThanOrEqual(6); // …but after ~20 s of waiting the batch request wins
    const waitingStandard = [...h.machine.waiters.values()].map((w) => w.id);
    expect(waitingStandard.length).toBeGreaterThan(0); // newer standard requests were still queued
  });

  it('ages continuously: a class rank is worth exactly agingStepMs of waiting, with no quantisation steps', () => {
    const granted = (standardHeadStartMs: number, thenMs: number) => {
      const h = harness([spec('a', 8)], { agingStepMs: 2_000 });
      h.request('r0', 'a');
      h.finishLoad('a');
      h.request('std', 'a', 'standard');
      h.clock.advance(standardHeadStartMs);
      h.request('crit', 'a', 'critical');
      h.clock.advance(thenMs);
      h.machine.onRelease('r0');
      return h.fx.grantedIds().at(-1);
    };
    // A head start shorter than one step: the critical request goes first, however long both waited
    // (a floored rule would tie them at 2.5 s / 1 s of waiting and fall back to arrival order).
    expect(granted(1_500, 1_000)).toBe('crit');
    expect(granted(1_500, 30_000)).toBe('crit');
    expect(granted(2_500, 0)).toBe('std'); // longer than one step: arrival order wins
  });

  it('uses the model class when the request names none, and the default for unknown names', () => {
    const h = harness([spec('a', 8, { priority: 'batch' })]);
    h.request('r0', 'a');
    h.finishLoad('a');
    h.request('model-class', 'a');
    h.request('unknown', 'a', 'vip-from-client-header');
    h.machine.onRelease('r0');
    expect(h.fx.grantedIds().at(-1)).toBe('unknown'); // falls back to `standard`, above batch
  });
});

describe('SchedulerMachine preemption', () => {
  const models = () => [spec('low', 24, { priority: 'batch' }), spec('hi', 16, { priority: 'critical' })];

  it('is off by default: a critical request waits for the busy model to drain', () => {
    const h = harness(models());
    h.request('job', 'low', 'batch');
    h.finishLoad('low');
    h.request('urgent', 'hi', 'critical');
    h.clock.advance(30_000);
    expect(h.fx.revoked.size).toBe(0);
    expect(h.fx.unloads).toHaveLength(0);
  });

  it('when enabled, revokes lower-class leases after the grace period with 503 preempted + Retry-After', () => {
    const h = harness(models(), { preemption: { enabled: true, graceMs: 5_000 } });
    h.request('job1', 'low', 'batch');
    h.finishLoad('low');
    h.request('urgent', 'hi', 'critical');
    h.clock.advance(4_999);
    expect(h.fx.revoked.size).toBe(0);

    h.clock.advance(1);
    const err = h.fx.revoked.get('job1');
    expect(err?.code).toBe('preempted');
    expect(err?.status).toBe(503);
    expect(Number(err?.headers()['retry-after'])).toBeGreaterThan(0);
    expect(h.fx.unloads).toEqual([{ model: 'low', unloadId: 2, reason: 'preempt' }]);

    h.machine.onRelease('job1'); // the gateway releasing the cut lease later is a no-op
    h.finishUnload('low');
    h.finishLoad('hi');
    expect(h.fx.granted('urgent')).toBe(true);
  });

  it('never preempts a class that is as important as the waiting request', () => {
    const h = harness(models(), { preemption: { enabled: true, graceMs: 1_000 } });
    h.request('job', 'low', 'critical');
    h.finishLoad('low');
    h.request('urgent', 'hi', 'critical');
    h.clock.advance(20_000);
    expect(h.fx.revoked.size).toBe(0);
  });

  it('does not preempt when the busy model drains within the grace period', () => {
    const h = harness(models(), { preemption: { enabled: true, graceMs: 5_000 } });
    h.request('job', 'low', 'batch');
    h.finishLoad('low');
    h.request('urgent', 'hi', 'critical');
    h.clock.advance(2_000);
    h.machine.onRelease('job');
    h.clock.advance(10_000);
    expect(h.fx.revoked.size).toBe(0);
    expect(h.fx.unloads).toEqual([{ model: 'low', unloadId: 2, reason: 'evict' }]);
  });
});

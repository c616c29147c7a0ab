// Evictions and preemptions are reported as typed events (the gateway audits them), each with its
// reason; finished loads are reported with their duration and outcome (for metrics).

import { describe, expect, it } from 'vitest';
import { GiB, harness, spec, warm } from './harness';

const MIN = 60_000;

describe('SchedulerMachine eviction and preemption events', () => {
  it('reports a budget eviction with the bytes it frees and the model it makes room for', () => {
    const h = harness([spec('a', 20), spec('b', 20)]);
    h.request('a1', 'a');
    h.finishLoad('a', { ram: 18 * GiB, gpu0: 2 * GiB });
    h.machine.onRelease('a1');
    h.request('b1', 'b');
    expect(h.fx.audited()).toEqual([{ type: 'eviction', model: 'a', reason: 'budget', freed: { ram: 18 * GiB, gpu0: 2 * GiB }, forModel: 'b' }]);
  });

  it('reports an idle unload as a ttl eviction and an admin unload as a manual one', () => {
    const h = harness([spec('a', 8, { ttlMs: MIN }), spec('b', 8, { ttlMs: Infinity })]);
    warm(h, 'a');
    warm(h, 'b');
    h.clock.advance(MIN);
    h.machine.requestUnload('b');
    expect(h.fx.audited()).toEqual([
      { type: 'eviction', model: 'a', reason: 'ttl', freed: { ram: 8 * GiB }, forModel: undefined },
      { type: 'eviction', model: 'b', reason: 'manual', freed: { ram: 8 * GiB }, forModel: undefined },
    ]);
  });

  it('reports a preemption with the classes it cut, then the eviction it leads to', () => {
    const h = harness([spec('low', 24, { priority: 'batch', parallel: 2 }), spec('hi', 16, { priority: 'critical' })], {
      preemption: { enabled: true, graceMs: 5_000 },
    });
    h.request('job1', 'low', 'batch');
    h.request('job2', 'low', 'batch');
    h.finishLoad('low');
    h.request('urgent', 'hi', 'critical');
    h.clock.advance(4_999);
    expect(h.fx.audited()).toEqual([]); // the grace period is not a preemption yet

    h.clock.advance(1);
    expect(h.fx.audited()).toEqual([
      { type: 'preemption', model: 'low', byModel: 'hi', byPriority: 'critical', revoked: ['batch', 'batch'], freed: { ram: 24 * GiB } },
      { type: 'eviction', model: 'low', reason: 'preemption', freed: { ram: 24 * GiB }, forModel: 'hi' },
    ]);
  });

  it('reports each finished load with its duration and outcome', () => {
    const h = harness([spec('a', 8), spec('b', 8)]);
    h.request('a1', 'a');
    h.clock.advance(2_500);
    h.finishLoad('a');
    h.request('b1', 'b');
    h.clock.advance(700);
    h.failLoad('b', new Error('runtime crashed'));
    expect(h.fx.events.filter((e) => e.type === 'load')).toEqual([
      { type: 'load', model: 'a', outcome: 'ok', durationMs: 2_500 },
      { type: 'load', model: 'b', outcome: 'failed', durationMs: 700 },
    ]);
  });
});

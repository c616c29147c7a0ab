// Admission: per-model slots, bounded queues, queue timeouts, client aborts, unknown models.

import { describe, expect, it } from 'vitest';
import { harness, spec } from './harness';

describe('SchedulerMachine admission', () => {
  it('answers 429 queue_full with Retry-After when a model queue overflows', () => {
    const h = harness([spec('a', 8, { parallel: 2, maxQueue: 3 })]);
    for (const id of ['l1', 'l2']) h.request(id, 'a');
    h.finishLoad('a');
    for (const id of ['q1', 'q2', 'q3', 'q4']) h.request(id, 'a');
    expect(h.fx.grantedIds()).toEqual(['l1', 'l2']);
    const err = h.fx.failures.get('q4');
    expect(err?.code).toBe('queue_full');
    expect(err?.status).toBe(429);
    expect(Number(err?.headers()['retry-after'])).toBeGreaterThanOrEqual(1);
    expect([...h.fx.failures.keys()]).toEqual(['q4']);
  });

  it('enforces the global queue cap across models', () => {
    const h = harness([spec('a', 8), spec('b', 8)], { maxQueueTotal: 3 });
    h.request('a1', 'a');
    h.request('a2', 'a');
    h.request('b1', 'b');
    h.request('b2', 'b');
    expect(h.fx.failures.get('b2')?.code).toBe('queue_full');
    expect(h.fx.failures.size).toBe(1);
  });

  it('answers 503 queue_timeout with Retry-After after the class limit', () => {
    const h = harness([spec('a', 8)]);
    h.request('busy', 'a');
    h.finishLoad('a');
    h.request('crit', 'a', 'critical'); // 60 s limit
    h.request('std', 'a'); // 120 s limit
    h.clock.advance(59_999);
    expect(h.fx.failures.size).toBe(0);
    h.clock.advance(1);
    const err = h.fx.failures.get('crit');
    expect(err?.code).toBe('queue_timeout');
    expect(err?.status).toBe(503);
    expect(err?.headers()['retry-after']).toBeDefined();
    expect(h.fx.failures.has('std')).toBe(false);
    h.clock.advance(60_000);
    expect(h.fx.failures.get('std')?.code).toBe('queue_timeout');
  });

  it('lets an aborted request leave the queue without a grant or an error', () => {
    const h = harness([spec('a', 8, { maxQueue: 1 })]);
    h.request('busy', 'a');
    h.finishLoad('a');
    h.request('gone', 'a');
    h.machine.onCancel('gone');
    h.request('next', 'a'); // the queue slot is free again
    expect(h.fx.failures.size).toBe(0);
    h.machine.onRelease('busy');
    expect(h.fx.grantedIds()).toEqual(['busy', 'next']);
    h.clock.advance(10 * 60_000);
    expect(h.fx.failures.has('gone')).toBe(false); // its deadline timer was cleared too
  });

  it('keeps loading when every waiter of a cold load disconnects', () => {
    const h = harness([spec('a', 8)]);
    h.request('r1', 'a');
    h.machine.onCancel('r1');
    expect(h.fx.loadsOf('a')).toBe(1);
    h.finishLoad('a');
    h.request('r2', 'a');
    expect(h.fx.grants.find((g) => g.requestId === 'r2')?.coldStart).toBe(false);
  });

  it('rejects an unknown model and a duplicate request id', () => {
    const h = harness([spec('a', 8)]);
    h.request('x', 'nope');
    expect(h.fx.failures.get('x')?.code).toBe('model_not_found');
    h.request('dup', 'a');
    h.request('dup', 'a');
    expect(h.fx.failures.get('dup')?.code).toBe('invalid_request');
    expect(h.fx.loads).toHaveLength(1);
  });

  it('treats a release of an unknown or already released lease as a no-op', () => {
    const h = harness([spec('a', 8, { parallel: 1 })]);
    h.request('r1', 'a');
    h.finishLoad('a');
    h.request('r2', 'a');
    h.machine.onRelease('r1');
    h.machine.onRelease('r1');
    h.machine.onRelease('never');
    expect(h.machine.snapshot().models[0]).toMatchObject({ inFlight: 1, queued: 0 });
  });

  it('fails waiting requests with shutting_down on shutdown', () => {
    const h = harness([spec('a', 8)]);
    h.request('r1', 'a');
    h.machine.onShutdown();
    expect(h.fx.failures.get('r1')?.code).toBe('shutting_down');
  });
});

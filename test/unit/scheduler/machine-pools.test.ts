// Lease pools: the models of one upstream share its connections, so leases never outnumber sockets
// and every wait for one is the scheduler's own bounded, ordered queue.

import { describe, expect, it } from 'vitest';
import { harness, spec, warm } from './harness';

const pooled = (id: string) => spec(id, 4, { parallel: 4, pool: 'up' });

describe('SchedulerMachine lease pools', () => {
  it('keeps the leases of all models in a pool within its size, then hands a freed one to another model', () => {
    const h = harness([pooled('a'), pooled('b')], { pools: { up: 2 } });
    warm(h, 'a');
    warm(h, 'b');
    h.request('a1', 'a');
    h.request('a2', 'a');
    h.request('b1', 'b'); // b has slots of its own, but the pool is full
    expect(h.fx.grantedIds().filter((id) => !id.startsWith('warm'))).toEqual(['a1', 'a2']);
    expect(h.machine.snapshot().pools).toEqual([{ id: 'up', size: 2, inFlight: 2 }]);

    h.machine.onRelease('a1');
    expect(h.fx.granted('b1')).toBe(true);
    expect(h.machine.snapshot().pools).toEqual([{ id: 'up', size: 2, inFlight: 2 }]);
  });

  it('takes no fast-path lease from a full pool', () => {
    const h = harness([pooled('a'), pooled('b')], { pools: { up: 1 } });
    warm(h, 'a');
    warm(h, 'b');
    expect(h.machine.tryGrant({ id: 'a1', model: 'a' })).toBeDefined();
    expect(h.machine.tryGrant({ id: 'b1', model: 'b' })).toBeUndefined();
  });

  it('bounds the wait for a pool slot by the model queue: overflow gets queue_full with Retry-After', () => {
    const h = harness([pooled('a'), pooled('b')], { pools: { up: 1 }, maxQueuePerModel: 1 });
    warm(h, 'a');
    warm(h, 'b');
    h.request('a1', 'a');
    h.request('b1', 'b');
    h.request('b2', 'b');
    expect(h.fx.failures.has('b1')).toBe(false);
    const err = h.fx.failures.get('b2');
    expect(err?.code).toBe('queue_full');
    expect(Number(err?.headers()['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('gives a freed pool slot to the most urgent waiter, whichever model it asked for', () => {
    const h = harness([pooled('a'), pooled('b')], { pools: { up: 1 } });
    warm(h, 'a');
    warm(h, 'b');
    h.request('a1', 'a');
    h.request('a2', 'a', 'batch');
    h.request('b1', 'b', 'critical');
    h.machine.onRelease('a1');
    expect(h.fx.granted('b1')).toBe(true);
    expect(h.fx.granted('a2')).toBe(false);
  });

  it('grants waiting requests at once when the pool grows', () => {
    const h = harness([pooled('a')], { pools: { up: 1 } });
    warm(h, 'a');
    h.request('a1', 'a');
    h.request('a2', 'a');
    expect(h.fx.granted('a2')).toBe(false);
    h.machine.setPool('up', 2);
    expect(h.fx.granted('a2')).toBe(true);
  });

  it('caps a model by its own parallel slots when its pool is larger, and by nothing else without a pool size', () => {
    const h = harness([spec('a', 4, { parallel: 1, pool: 'up' }), spec('free', 4, { parallel: 3, pool: 'unsized' })], { pools: { up: 8 } });
    warm(h, 'a');
    warm(h, 'free');
    h.request('a1', 'a');
    h.request('a2', 'a');
    for (const id of ['f1', 'f2', 'f3']) h.request(id, 'free');
    expect(h.fx.granted('a2')).toBe(false);
    expect(['f1', 'f2', 'f3'].every((id) => h.fx.granted(id))).toBe(true);
  });
});

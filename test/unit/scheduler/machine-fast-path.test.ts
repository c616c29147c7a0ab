// The fast path: a ready model with a free slot and nobody waiting is granted (and released) without a
// waiter record, deadline timer or scheduling pass, with the same outcome as the full path.

import { describe, expect, it } from 'vitest';
import { harness, spec, warm, type Harness } from './harness';

const MIN = 60_000;

/** Two machines on the same models and clock history, one driven through each path. */
function pair(parallel = 2): [Harness, Harness] {
  const make = () => {
    const h = harness([spec('a', 8, { parallel, ttlMs: 5 * MIN }), spec('b', 8)]);
    warm(h, 'a');
    return h;
  };
  return [make(), make()];
}

describe('SchedulerMachine fast path', () => {
  it('grants a ready model at once and leaves the books as the full path does', () => {
    const [fast, full] = pair();
    for (const h of [fast, full]) h.clock.advance(1_000);
    const grant = fast.machine.tryGrant({ id: 'r1', model: 'a', priority: 'critical' });
    full.request('r1', 'a', 'critical');
    expect(grant).toEqual({ requestId: 'r1', model: 'a', loadOnly: false, waitedMs: 0, coldStart: false });
    expect(full.fx.grants.at(-1)).toEqual(grant);
    expect(fast.fx.grants.map((g) => g.requestId)).not.toContain('r1'); // returned, not emitted
    expect(fast.machine.snapshot()).toEqual(full.machine.snapshot());
    expect(fast.machine.snapshot().models[0]).toMatchObject({ inFlight: 1, ttlLeftMs: null, idleForMs: null });
    expect(fast.machine.classOfLease('r1')).toBe('critical');

    for (const h of [fast, full]) h.clock.advance(3_000);
    fast.machine.onRelease('r1');
    full.machine.onRelease('r1');
    expect(fast.machine.snapshot()).toEqual(full.machine.snapshot());
    expect(fast.machine.snapshot().models[0]).toMatchObject({ inFlight: 0, idleForMs: 0, ttlLeftMs: 5 * MIN });
  });

  it('declines, touching nothing, whenever the full path has to decide', () => {
    const h = harness([spec('a', 8, { parallel: 1 }), spec('b', 8), spec('c', 8)]);
    expect(h.machine.tryGrant({ id: 'cold', model: 'a' })).toBeUndefined(); // not loaded
    expect(h.fx.loads).toEqual([]);
    expect(h.machine.tryGrant({ id: 'x', model: 'nope' })).toBeUndefined(); // unknown
    warm(h, 'a');
    warm(h, 'c');
    expect(h.machine.tryGrant({ id: 'load', model: 'a', loadOnly: true })).toBeUndefined();
    expect(h.machine.tryGrant({ id: 'r1', model: 'a' })).toBeDefined();
    expect(h.machine.tryGrant({ id: 'r1', model: 'c' })).toBeUndefined(); // id already leased
    expect(h.machine.tryGrant({ id: 'r2', model: 'a' })).toBeUndefined(); // its one slot is taken
    h.machine.onRelease('r1');

    h.request('w', 'b'); // someone waits (for another model's load): every grant goes through the pass
    expect(h.machine.tryGrant({ id: 'r3', model: 'c' })).toBeUndefined();
    h.finishLoad('b');
    h.machine.onRelease('w');
    expect(h.machine.tryGrant({ id: 'r4', model: 'c' })).toBeDefined();

    expect(h.machine.requestUnload('a')).toBe('unloading');
    expect(h.machine.tryGrant({ id: 'r5', model: 'a' })).toBeUndefined(); // unloading
    expect(h.machine.snapshot().models.find((m) => m.id === 'a')?.inFlight).toBe(0);
  });

  it('does not grant a model that is draining for an admin unload, and unloads it on the last fast release', () => {
    const h = harness([spec('a', 8, { parallel: 2 })]);
    warm(h, 'a');
    h.machine.tryGrant({ id: 'r1', model: 'a' });
    h.machine.tryGrant({ id: 'r2', model: 'a' });
    expect(h.machine.requestUnload('a')).toBe('draining');
    h.machine.onRelease('r1');
    expect(h.machine.tryGrant({ id: 'r3', model: 'a' })).toBeUndefined();
    expect(h.fx.unloads).toEqual([]);
    h.machine.onRelease('r2');
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 2, reason: 'admin' }]);
  });

  it('starts the idle TTL on a fast release and cancels it on the next fast grant', () => {
    const h = harness([spec('a', 8, { ttlMs: 5 * MIN })]);
    warm(h, 'a');
    h.clock.advance(4 * MIN);
    h.machine.tryGrant({ id: 'r1', model: 'a' }); // cancels the warm-up's idle timer
    h.clock.advance(2 * MIN);
    expect(h.fx.unloads).toEqual([]);
    h.machine.onRelease('r1');
    h.clock.advance(5 * MIN - 1);
    expect(h.fx.unloads).toEqual([]);
    h.clock.advance(1);
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 2, reason: 'ttl' }]);
  });

  it('hands a fast lease released while someone waits to the waiter (the pass still runs then)', () => {
    const h = harness([spec('a', 8, { parallel: 1 })]);
    warm(h, 'a');
    h.machine.tryGrant({ id: 'fast', model: 'a' });
    h.request('queued', 'a');
    expect(h.fx.granted('queued')).toBe(false);
    h.machine.onRelease('fast');
    expect(h.fx.granted('queued')).toBe(true);
    h.machine.onRelease('fast'); // idempotent
    expect(h.machine.snapshot().models[0]!.inFlight).toBe(1);
  });
});

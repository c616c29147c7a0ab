// Start-up reconcile with what runtimes already hold, and the `/admin/ps` snapshot.

import { describe, expect, it } from 'vitest';
import { GiB, harness, spec } from './harness';

describe('SchedulerMachine reconcile', () => {
  it('counts models the runtimes already hold against the budget', () => {
    const h = harness([spec('a', 10), spec('b', 10), spec('c', 20)]);
    h.machine.onReconcile([{ model: 'a', footprint: { ram: 12 * GiB } }, { model: 'b' }]);
    const snap = h.machine.snapshot();
    expect(snap.resources[0]).toMatchObject({ usedBytes: 22 * GiB, freeBytes: 10 * GiB });
    expect(snap.models.find((m) => m.id === 'a')).toMatchObject({ state: 'ready', footprint: { source: 'measured' } });

    h.request('r1', 'a');
    expect(h.fx.loads).toHaveLength(0); // already resident: no load
    expect(h.fx.granted('r1')).toBe(true);

    h.request('r2', 'c'); // needs 20, 10 free: evicts idle b (the cheaper reload)
    expect(h.fx.unloadedModels()).toEqual(['b']);
  });

  it('tracks unknown resident models as evictable, lowest-class entries', () => {
    const h = harness([spec('a', 20)]);
    h.machine.onReconcile([{ model: 'stray', footprint: { ram: 16 * GiB } }]);
    expect(h.machine.snapshot().models.find((m) => m.id === 'stray')).toMatchObject({ priority: 'batch', state: 'ready' });
    h.request('r1', 'a');
    expect(h.fx.unloadedModels()).toEqual(['stray']);
  });

  it('starts idle timers for reconciled models', () => {
    const h = harness([spec('a', 10, { ttlMs: 60_000 })]);
    h.machine.onReconcile([{ model: 'a' }]);
    h.clock.advance(60_000);
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 1, reason: 'ttl' }]);
  });
});

describe('SchedulerMachine snapshot', () => {
  it('reports state, footprints, in-flight, queued, idle time, TTL left and budget use', () => {
    const h = harness([spec('a', 8, { ttlMs: 300_000 }), spec('b', 4, { footprintSource: 'config' }), spec('c', 2)]);
    h.request('a1', 'a');
    h.finishLoad('a', { ram: 7 * GiB });
    h.machine.onRelease('a1');
    h.clock.advance(10_000);
    h.request('b1', 'b');
    h.request('b2', 'b');
    h.finishLoad('b', { ram: 6 * GiB }); // config override wins over the measurement
    h.request('c1', 'c');

    const snap = h.machine.snapshot();
    const byId = Object.fromEntries(snap.models.map((m) => [m.id, m]));
    expect(byId.a).toMatchObject({
      state: 'ready',
      inFlight: 0,
      idleForMs: 10_000,
      ttlLeftMs: 290_000,
      footprint: { estimated: { ram: 8 * GiB }, measured: { ram: 7 * GiB }, counted: { ram: 7 * GiB } },
    });
    expect(byId.b).toMatchObject({ inFlight: 1, queued: 1, idleForMs: null, footprint: { source: 'config' } });
    expect(byId.c).toMatchObject({ state: 'loading', loadProgress: 0, queued: 1 });
    expect(snap.resources[0]).toMatchObject({ usedBytes: (7 + 4 + 2) * GiB, limitBytes: 32 * GiB });
    expect(snap).toMatchObject({ inFlight: 1, queued: 2 });
  });
});

// Making room: evict idle unpinned models by weighted reload cost, never a busy one, never a pinned one.

import { describe, expect, it } from 'vitest';
import { GiB, harness, spec, warm } from './harness';

describe('SchedulerMachine eviction', () => {
  it('evicts an idle model, waits for the unload, then loads', () => {
    const h = harness([spec('a', 20), spec('b', 20)]);
    warm(h, 'a');
    h.request('r1', 'b');
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 2, reason: 'evict' }]);
    expect(h.fx.loadsOf('b')).toBe(0); // memory is not free until the runtime says so
    h.finishUnload('a');
    expect(h.fx.loadsOf('b')).toBe(1);
    h.finishLoad('b');
    expect(h.fx.granted('r1')).toBe(true);
  });

  it('never evicts a model with requests in flight; evicts it once it drains', () => {
    const h = harness([spec('a', 20), spec('b', 20)]);
    h.request('busy', 'a');
    h.finishLoad('a');
    h.request('r1', 'b');
    h.clock.advance(30_000);
    expect(h.fx.unloads).toHaveLength(0);
    expect(h.fx.loadsOf('b')).toBe(0);

    h.machine.onRelease('busy');
    expect(h.fx.unloadedModels()).toEqual(['a']);
    h.finishUnload('a');
    h.finishLoad('b');
    expect(h.fx.granted('r1')).toBe(true);
  });

  it('waits for a model to go idle on its own before claiming a busy one', () => {
    const h = harness([spec('a', 20, { parallel: 4 }), spec('b', 20)], { drainAfterMs: 20_000 });
    h.request('a1', 'a');
    h.finishLoad('a');
    h.request('b1', 'b');
    h.clock.advance(19_000);
    h.request('a2', 'a'); // `b1` has not waited long enough to claim `a`: keep serving `a`
    expect(h.fx.granted('a2')).toBe(true);

    h.clock.advance(1_000);
    h.request('a3', 'a'); // now `b1` claims `a`: no new leases, so it can drain
    expect(h.fx.granted('a3')).toBe(false);
    h.machine.onRelease('a1');
    expect(h.fx.unloads).toHaveLength(0);
    h.machine.onRelease('a2');
    expect(h.fx.unloadedModels()).toEqual(['a']);
    h.finishUnload('a');
    h.finishLoad('b');
    expect(h.fx.granted('b1')).toBe(true);
  });

  it('chooses the victim with the lowest priority-weighted reload cost', () => {
    const h = harness([spec('crit', 10, { priority: 'critical' }), spec('batch', 10, { priority: 'batch' }), spec('std', 10), spec('new', 10)]);
    warm(h, 'crit');
    warm(h, 'batch');
    warm(h, 'std');
    h.clock.advance(1_000);
    h.request('r1', 'new');
    expect(h.fx.unloadedModels()).toEqual(['batch']);
  });

  it('weighs a model by the most important class that last used it', () => {
    const h = harness([spec('x', 10, { priority: 'batch' }), spec('y', 10, { priority: 'batch' }), spec('z', 10), spec('new', 10)]);
    h.request('x1', 'x', 'critical');
    h.finishLoad('x');
    h.machine.onRelease('x1');
    warm(h, 'y');
    warm(h, 'z');
    h.request('r1', 'new');
    expect(h.fx.unloadedModels()).toEqual(['y']); // x was used by a critical request
  });

  it('breaks equal costs by least recent use', () => {
    const h = harness([spec('a', 10), spec('b', 10), spec('c', 10), spec('new', 10)]);
    warm(h, 'a');
    h.clock.advance(1_000);
    warm(h, 'b');
    h.clock.advance(1_000);
    warm(h, 'c');
    h.clock.advance(1_000);
    h.request('touch-a', 'a');
    h.machine.onRelease('touch-a');
    h.request('r1', 'new');
    expect(h.fx.unloadedModels()).toEqual(['b']);
  });

  it('keeps a small model in demand over a big one nobody asked for lately', () => {
    const h = harness([spec('hot', 6), spec('cold', 12), spec('pin', 12, { pinned: true }), spec('new', 8)]);
    warm(h, 'pin');
    warm(h, 'cold');
    h.clock.advance(5 * 60_000);
    for (let i = 0; i < 5; i++) warm(h, 'hot', `hot-${i}`); // 2 GiB free
    h.request('r1', 'new'); // needs 6 more: {hot} reloads in 6 s but is wanted, {cold} in 12 s but is not
    expect(h.fx.unloadedModels()).toEqual(['cold']);
  });

  it('evicts as few models as possible when reload costs tie', () => {
    const h = harness([
      spec('s1', 6, { expectedLoadMs: 6_000 }),
      spec('s2', 6, { expectedLoadMs: 6_000 }),
      spec('big', 12, { expectedLoadMs: 12_000 }),
      spec('new', 20),
    ]);
    warm(h, 'big');
    warm(h, 's1');
    warm(h, 's2');
    h.request('r1', 'new'); // 8 GiB free, needs 12 more: {big} or {s1, s2}, both cost 12 s
    expect(h.fx.unloadedModels()).toEqual(['big']);
  });

  it('never evicts a pinned model, even when it is the only idle one', () => {
    const h = harness([spec('pin', 16, { pinned: true }), spec('a', 10), spec('b', 10)]);
    warm(h, 'pin');
    h.request('a1', 'a');
    h.finishLoad('a');
    h.request('b1', 'b');
    expect(h.fx.unloads).toHaveLength(0);
    h.clock.advance(100_000); // less than the standard class's queue limit
    expect(h.fx.unloadedModels()).not.toContain('pin');
    h.machine.onRelease('a1');
    expect(h.fx.unloadedModels()).toEqual(['a']);
  });

  it('does not let a less important load take memory a long-blocked request is waiting for', () => {
    const h = harness([spec('busy', 24), spec('big', 16), spec('small', 6)], { drainAfterMs: 20_000 });
    h.request('b0', 'busy');
    h.finishLoad('busy'); // 8 GiB free
    h.request('big1', 'big', 'critical');
    h.clock.advance(20_000);
    h.request('small1', 'small', 'batch'); // would fit in the 8 GiB, but big1 has claimed it
    expect(h.fx.loadsOf('small')).toBe(0);
    h.machine.onRelease('b0');
    h.finishUnload('busy');
    expect(h.fx.loadsOf('big')).toBe(1);
    expect(h.fx.loadsOf('small')).toBe(0); // one load at a time, the more important first
    h.finishLoad('big');
    expect(h.fx.loadsOf('small')).toBe(1); // 32 − 16 leaves room for both
    expect(h.machine.snapshot().resources[0]!.usedBytes).toBe(22 * GiB);
  });

  it('lets only the most urgent starving request claim busy models at a time', () => {
    const h = harness([spec('v1', 16, { parallel: 4 }), spec('v2', 16, { parallel: 4 }), spec('x1', 16), spec('x2', 16)], {
      drainAfterMs: 20_000,
      agingStepMs: 600_000,
    });
    for (const v of ['v1', 'v2']) {
      h.request(`${v}-0`, v);
      h.finishLoad(v);
      h.clock.advance(1_000);
    }
    h.request('x1-0', 'x1');
    h.request('x2-0', 'x2');
    h.clock.advance(20_000);
    h.request('v2-1', 'v2'); // v2 is now in more demand: x1 claims v1
    expect(h.fx.granted('v2-1')).toBe(true);
    h.request('v1-1', 'v1'); // the claim sticks to v1 although v1 is now in more demand than v2
    h.request('v1-2', 'v1');
    h.request('v2-2', 'v2'); // x2 may not claim v2 while x1 holds a claim: v2 keeps serving
    expect(h.fx.granted('v1-1') || h.fx.granted('v1-2')).toBe(false);
    expect(h.fx.granted('v2-2')).toBe(true);
    h.machine.onRelease('v1-0');
    expect(h.fx.unloadedModels()).toEqual(['v1']);
  });

  it('keeps the free memory it counted on while its victims are still unloading', () => {
    const h = harness([spec('a', 12), spec('b', 12), spec('big', 16, { priority: 'critical' }), spec('small', 6)]);
    warm(h, 'a');
    warm(h, 'b'); // 8 GiB free
    h.request('big1', 'big', 'critical'); // 8 free + one 12 GiB victim
    expect(h.fx.unloads).toHaveLength(1);
    h.request('small1', 'small', 'batch'); // would fit in the 8 GiB that big1 is counting on
    expect(h.fx.loadsOf('small')).toBe(0); // it has to make room of its own (evicting the other idle model)
    h.finishUnload(h.fx.unloads[0]!.model);
    expect(h.fx.loadsOf('big')).toBe(1);
    expect(h.machine.snapshot().resources[0]!.usedBytes).toBeLessThanOrEqual(32 * GiB);
  });

  it('lets a smaller load use free memory while a blocked request is still waiting opportunistically', () => {
    const h = harness([spec('busy', 24), spec('big', 16), spec('small', 6)], { drainAfterMs: 20_000 });
    h.request('b0', 'busy');
    h.finishLoad('busy');
    h.request('big1', 'big', 'critical');
    h.request('small1', 'small', 'batch');
    expect(h.fx.loadsOf('small')).toBe(1);
    expect(h.fx.loadsOf('big')).toBe(0);
  });
});

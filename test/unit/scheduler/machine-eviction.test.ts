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
    const h = harness([
      spec('crit', 10, { priority: 'critical' }),
      spec('batch', 10, { priority: 'batch' }),
      spec('std', 10),
      spec('new', 10),
    ]);
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
    expect(h.fx.loadsOf('small')).toBe(1); // 32 − 16 leaves room for both
    expect(h.machine.snapshot().resources[0]!.usedBytes).toBe(22 * GiB);
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

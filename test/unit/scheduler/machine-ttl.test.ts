// Idle TTL and explicit unloads: one path for both; requests during an unload wait and reload.

import { describe, expect, it } from 'vitest';
import { harness, spec } from './harness';

const MIN = 60_000;

describe('SchedulerMachine idle TTL and unload', () => {
  it('starts the idle timer when the last request finishes, not when the model loads', () => {
    const h = harness([spec('a', 8, { ttlMs: 5 * MIN, parallel: 2 })]);
    h.request('r1', 'a');
    h.request('r2', 'a');
    h.finishLoad('a');
    h.clock.advance(10 * MIN); // busy the whole time: no unload
    h.machine.onRelease('r1');
    h.clock.advance(10 * MIN); // still one lease in flight
    expect(h.fx.unloads).toHaveLength(0);

    h.machine.onRelease('r2');
    expect(h.machine.snapshot().models[0]).toMatchObject({ idleForMs: 0, ttlLeftMs: 5 * MIN });
    h.clock.advance(5 * MIN - 1);
    expect(h.fx.unloads).toHaveLength(0);
    h.clock.advance(1);
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 2, reason: 'ttl' }]);
  });

  it('cancels the idle timer when a new request arrives', () => {
    const h = harness([spec('a', 8, { ttlMs: 5 * MIN })]);
    h.request('r1', 'a');
    h.finishLoad('a');
    h.machine.onRelease('r1');
    h.clock.advance(4 * MIN);
    h.request('r2', 'a');
    expect(h.machine.snapshot().models[0]!.ttlLeftMs).toBeNull();
    h.clock.advance(2 * MIN);
    expect(h.fx.unloads).toHaveLength(0);
    h.machine.onRelease('r2');
    h.clock.advance(5 * MIN);
    expect(h.fx.unloadedModels()).toEqual(['a']);
  });

  it('uses the class TTL when the model sets none, and never unloads pinned models', () => {
    const h = harness([spec('b', 4, { priority: 'batch' }), spec('p', 4, { pinned: true, ttlMs: 1 })]);
    for (const m of ['b', 'p']) {
      h.request(`r-${m}`, m);
      h.finishLoad(m);
      h.machine.onRelease(`r-${m}`);
    }
    h.clock.advance(10 * MIN - 1);
    expect(h.fx.unloads).toHaveLength(0);
    h.clock.advance(1);
    expect(h.fx.unloadedModels()).toEqual(['b']);
    h.clock.advance(24 * 60 * MIN);
    expect(h.fx.unloadedModels()).toEqual(['b']);
  });

  it('makes a request that arrives during an unload wait, then reloads the model', () => {
    const h = harness([spec('a', 8, { ttlMs: MIN })]);
    h.request('r1', 'a');
    h.finishLoad('a');
    h.machine.onRelease('r1');
    h.clock.advance(MIN);
    expect(h.machine.snapshot().models[0]!.state).toBe('unloading');

    h.request('r2', 'a');
    expect(h.fx.granted('r2')).toBe(false);
    expect(h.fx.loadsOf('a')).toBe(1);
    h.finishUnload('a');
    expect(h.fx.loadsOf('a')).toBe(2);
    h.finishLoad('a');
    expect(h.fx.granted('r2')).toBe(true);
  });

  it('runs an explicit unload through the same path, draining a busy model first', () => {
    const h = harness([spec('a', 8, { ttlMs: Infinity })]);
    h.request('r1', 'a');
    h.finishLoad('a');
    expect(h.machine.requestUnload('a')).toBe('draining');
    h.request('r2', 'a'); // waits: the model is draining
    expect(h.fx.granted('r2')).toBe(false);
    expect(h.fx.unloads).toHaveLength(0);

    h.machine.onRelease('r1');
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 2, reason: 'admin' }]);
    h.finishUnload('a');
    h.finishLoad('a');
    expect(h.fx.granted('r2')).toBe(true);
  });

  it('unloads an idle model at once and reports an unloaded one as done', () => {
    const h = harness([spec('a', 8), spec('b', 8)]);
    h.request('r1', 'a');
    h.finishLoad('a');
    h.machine.onRelease('r1');
    expect(h.machine.requestUnload('a')).toBe('unloading');
    expect(h.machine.requestUnload('a')).toBe('unloading');
    expect(h.machine.requestUnload('b')).toBe('unloaded');
    expect(h.fx.unloads).toHaveLength(1);
  });

  it('refuses to unload a pinned model unless forced', () => {
    const h = harness([spec('p', 8, { pinned: true })]);
    h.request('r1', 'p');
    h.finishLoad('p');
    h.machine.onRelease('r1');
    expect(() => h.machine.requestUnload('p')).toThrow(/pinned/);
    expect(h.machine.requestUnload('p', { force: true })).toBe('unloading');
  });

  it('unloads a model right after its load when an unload was asked during the load', () => {
    const h = harness([spec('a', 8)]);
    h.machine.onRequest({ id: 'admin-load', model: 'a', loadOnly: true });
    expect(h.machine.requestUnload('a')).toBe('draining');
    h.finishLoad('a');
    expect(h.fx.granted('admin-load')).toBe(true);
    expect(h.fx.unloads).toEqual([{ model: 'a', unloadId: 2, reason: 'admin' }]);
  });
});

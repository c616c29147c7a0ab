// Loading: single-flight joins, load failure, progress for waiting requests, impossible models.

import { describe, expect, it } from 'vitest';
import { GiB, harness, spec } from './harness';

describe('SchedulerMachine loading', () => {
  it('joins an in-flight load instead of starting a second one', () => {
    const h = harness([spec('a', 8, { parallel: 4 })]);
    for (let i = 0; i < 10; i++) h.request(`r${i}`, 'a');
    expect(h.fx.loads).toEqual([{ model: 'a', loadId: 1 }]);
    expect(h.fx.grants).toHaveLength(0);

    h.finishLoad('a');
    expect(h.fx.loads).toHaveLength(1);
    expect(h.fx.grantedIds()).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(h.fx.grants.every((g) => g.coldStart)).toBe(true);

    h.machine.onRelease('r0');
    expect(h.fx.grantedIds()).toContain('r4');
    expect(h.machine.snapshot().models[0]).toMatchObject({ inFlight: 4, queued: 5, loads: 1 });
  });

  it('grants at once when the model is ready and a slot is free', () => {
    const h = harness([spec('a', 4, { parallel: 2 })]);
    h.request('r1', 'a');
    h.finishLoad('a');
    h.request('r2', 'a');
    expect(h.fx.granted('r2')).toBe(true);
    expect(h.fx.grants.find((g) => g.requestId === 'r2')).toMatchObject({ coldStart: false, waitedMs: 0 });
    h.request('r3', 'a');
    expect(h.fx.granted('r3')).toBe(false);
    expect(h.fx.loads).toHaveLength(1);
  });

  it('fails every joined waiter with model_load_failed when the load fails', () => {
    const h = harness([spec('a', 8)]);
    for (let i = 0; i < 5; i++) h.request(`r${i}`, 'a');
    h.failLoad('a', new Error('CUDA out of memory'));
    expect(h.fx.failures.size).toBe(5);
    for (const err of h.fx.failures.values()) {
      expect(err.code).toBe('model_load_failed');
      expect(err.status).toBe(503);
      expect(Number(err.headers()['retry-after'])).toBeGreaterThan(0);
    }
    expect(h.machine.snapshot().models[0]!.state).toBe('unloaded');
    expect(h.machine.snapshot().resources[0]!.usedBytes).toBe(0);

    h.request('again', 'a');
    expect(h.fx.loads).toHaveLength(2);
  });

  it('ignores a late report from an older load', () => {
    const h = harness([spec('a', 8)]);
    h.request('r1', 'a');
    h.failLoad('a');
    h.request('r2', 'a');
    h.machine.onLoadDone('a', 1, { ok: true });
    expect(h.fx.granted('r2')).toBe(false);
    h.finishLoad('a');
    expect(h.fx.granted('r2')).toBe(true);
  });

  it('tells waiting requests about load progress: start, estimates, real fractions, ready', () => {
    const h = harness([spec('a', 10, { expectedLoadMs: 10_000 })], { progressTickMs: 1_000 });
    h.request('r1', 'a');
    h.clock.advance(4_000);
    h.request('late', 'a');
    h.machine.onLoadProgress('a', 1, 0.7);
    h.clock.advance(1_000);
    h.finishLoad('a');

    const first = h.fx.progressById.get('r1')!;
    expect(first[0]).toEqual({ kind: 'loading', model: 'a', fraction: 0, estimated: true, expectedMs: 10_000 });
    expect(first.slice(1, 5).map((e) => (e.kind === 'loading' ? e.fraction : -1))).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(first.at(-2)).toMatchObject({ kind: 'loading', fraction: 0.7, estimated: false });
    expect(first.at(-1)).toEqual({ kind: 'ready', model: 'a' });
    // A request joining mid-load hears the current estimate immediately.
    expect(h.fx.progressById.get('late')![0]).toMatchObject({ kind: 'loading', fraction: 0.4, estimated: true });
    // Estimates stop once the runtime reports real progress, and everything stops at ready.
    const count = h.fx.progressById.get('late')!.length;
    h.clock.advance(5_000);
    expect(h.fx.progressById.get('late')!.length).toBe(count);
  });

  it('estimates never claim completion before the runtime says so', () => {
    const h = harness([spec('a', 2, { expectedLoadMs: 2_000 })], { progressTickMs: 1_000 });
    h.request('r1', 'a');
    h.clock.advance(10_000);
    const fractions = h.fx.progressById.get('r1')!.map((e) => (e.kind === 'loading' ? e.fraction : 1));
    expect(Math.max(...fractions)).toBe(0.99);
    expect(h.fx.grants).toHaveLength(0);
  });

  it('runs one load at a time by default, the most important request first', () => {
    const h = harness([spec('a', 8), spec('b', 8), spec('c', 8)]);
    h.request('ra', 'a', 'batch');
    h.request('rb', 'b', 'standard');
    h.request('rc', 'c', 'critical');
    expect(h.fx.loads.map((l) => l.model)).toEqual(['a']); // the first arrival started at once
    h.finishLoad('a');
    expect(h.fx.loads.map((l) => l.model)).toEqual(['a', 'c']);
    h.finishLoad('c');
    expect(h.fx.loads.map((l) => l.model)).toEqual(['a', 'c', 'b']);
  });

  it('runs loads side by side when maxConcurrentLoads allows it', () => {
    const h = harness([spec('a', 8), spec('b', 8)], { maxConcurrentLoads: 2 });
    h.request('ra', 'a');
    h.request('rb', 'b');
    expect(h.fx.loads.map((l) => l.model)).toEqual(['a', 'b']);
  });

  it('fails at once with insufficient_resources when the model can never fit', () => {
    const h = harness([spec('huge', 40), spec('pin', 24, { pinned: true }), spec('mid', 12)]);
    h.request('r1', 'huge');
    expect(h.fx.failures.get('r1')?.code).toBe('insufficient_resources');
    expect(h.fx.failures.get('r1')?.status).toBe(503);

    h.request('p', 'pin');
    h.finishLoad('pin');
    h.request('r2', 'mid'); // 24 pinned + 12 > 32 and the pinned model never leaves
    expect(h.fx.failures.get('r2')?.code).toBe('insufficient_resources');
    expect(h.fx.loadsOf('mid')).toBe(0);
  });

  it('replaces the estimate with the measured footprint after the load', () => {
    const h = harness([spec('a', 8)]);
    h.request('r1', 'a');
    expect(h.machine.snapshot().resources[0]!.usedBytes).toBe(8 * GiB);
    h.finishLoad('a', { ram: 6 * GiB });
    const snap = h.machine.snapshot();
    expect(snap.resources[0]!.usedBytes).toBe(6 * GiB);
    expect(snap.models[0]!.footprint).toMatchObject({ source: 'measured', estimated: { ram: 8 * GiB } });
  });
});

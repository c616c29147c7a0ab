// Resources without a budget (a GPU the runtime reports but the config does not name) are reported,
// never a constraint: a model measured with VRAM bytes keeps being served after it unloads.

import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core';
import { GiB, harness, spec } from './harness';

const MIN = 60_000;

describe('SchedulerMachine with a resource that has no budget', () => {
  it('reloads a model measured with VRAM bytes after its idle unload instead of failing it', () => {
    const h = harness([spec('a', 8, { ttlMs: MIN })]);
    h.request('r1', 'a');
    h.finishLoad('a', { ram: 2 * GiB, gpu0: 6 * GiB });
    h.machine.onRelease('r1');
    h.clock.advance(MIN);
    h.finishUnload('a');

    h.request('r2', 'a'); // off the fast path: the model is not loaded
    expect(h.fx.failures.get('r2')).toBeUndefined();
    expect(h.fx.loadsOf('a')).toBe(2);
    h.finishLoad('a', { ram: 2 * GiB, gpu0: 6 * GiB });
    expect(h.fx.granted('r2')).toBe(true);
  });

  it('loads a model whose estimate lies only on a resource without a budget', () => {
    const h = harness([{ ...spec('gpu-only', 4), footprint: { gpu0: 4 * GiB } }]);
    h.request('r1', 'gpu-only');
    expect(h.fx.failures.get('r1')).toBeUndefined();
    expect(h.fx.loadsOf('gpu-only')).toBe(1);
  });

  it('places a second model by the budgeted resources only, while the first holds unbudgeted VRAM', () => {
    const h = harness([spec('a', 8), spec('b', 8)], { budgetGiB: 16 });
    h.request('a1', 'a');
    h.finishLoad('a', { ram: 4 * GiB, gpu0: 20 * GiB });
    h.machine.onRelease('a1');
    h.request('b1', 'b');
    h.finishLoad('b', { ram: 4 * GiB, gpu0: 20 * GiB });
    expect(h.fx.granted('b1')).toBe(true);
    expect(h.fx.unloads).toHaveLength(0); // 8 GiB of RAM used of 16: nothing to evict

    h.machine.requestUnload('a');
    h.finishUnload('a');
    h.request('a2', 'a');
    h.finishLoad('a');
    expect(h.fx.granted('a2')).toBe(true);
  });

  it('reports the unbudgeted bytes in the snapshot, outside the budgeted resources', () => {
    const h = harness([spec('a', 8)]);
    h.request('r1', 'a');
    h.finishLoad('a', { ram: 2 * GiB, gpu0: 6 * GiB });
    const snap = h.machine.snapshot();
    expect(snap.resources.map((r) => r.id)).toEqual(['ram']);
    expect(snap.unbudgeted).toEqual({ gpu0: 6 * GiB });
    expect(snap.models[0]!.footprint.counted).toEqual({ ram: 2 * GiB, gpu0: 6 * GiB });
  });

  it('logs once per resource that a model holds bytes on it without a budget', () => {
    const logger = new MemoryLogger();
    const h = harness([spec('a', 8, { ttlMs: MIN }), spec('b', 8)], { logger });
    h.request('r1', 'a');
    h.finishLoad('a', { ram: 2 * GiB, gpu0: 6 * GiB });
    h.request('r2', 'b');
    h.finishLoad('b', { ram: 2 * GiB, gpu0: 6 * GiB });
    const warnings = logger.lines.filter((l) => l.level === 'warn' && l.resource === 'gpu0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ model: 'a' });
  });
});

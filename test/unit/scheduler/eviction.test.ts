// Pure victim choice: priority-weighted reload cost, then fewest evictions, then LRU; busy/pinned rules.

import { describe, expect, it } from 'vitest';
import { chooseVictims, evictionCandidates, type EvictionCandidate, type ResidentView } from '../../../src/scheduler';
import { GiB } from './harness';

function cand(id: string, gib: number, cost: number, lastUsedAt = 0, busy = false): EvictionCandidate {
  return { id, footprint: { ram: gib * GiB }, cost, lastUsedAt, busy };
}

function resident(id: string, over: Partial<ResidentView> = {}): ResidentView {
  return { id, state: 'ready', pinned: false, inFlight: 0, footprint: { ram: GiB }, evictionCost: 1, lastUsedAt: 0, ...over };
}

describe('chooseVictims', () => {
  it('evicts the model that is cheapest to reload, weighted by priority', () => {
    // Same size and load time; `crit` carries a 4× class weight, `batch` 1×.
    const victims = chooseVictims([cand('crit', 8, 8_000 * 4), cand('batch', 8, 8_000 * 1)], { ram: 6 * GiB });
    expect(victims).toEqual(['batch']);
  });

  it('prefers a cheap reload over a large one that would also do', () => {
    const victims = chooseVictims([cand('big', 12, 12_000), cand('small', 6, 6_000)], { ram: 5 * GiB });
    expect(victims).toEqual(['small']);
  });

  it('breaks cost ties by least recent use', () => {
    const victims = chooseVictims([cand('recent', 8, 5_000, 900), cand('old', 8, 5_000, 100)], { ram: 4 * GiB });
    expect(victims).toEqual(['old']);
  });

  it('takes as few evictions as possible when costs tie', () => {
    const victims = chooseVictims([cand('a', 4, 4_000, 10), cand('b', 4, 4_000, 20), cand('both', 8, 8_000, 900)], { ram: 8 * GiB });
    expect(victims).toEqual(['both']);
  });

  it('evicts several models when one is not enough, choosing the cheapest combination', () => {
    const victims = chooseVictims([cand('a', 4, 4_000), cand('b', 6, 6_000), cand('c', 5, 20_000)], { ram: 10 * GiB });
    expect(victims?.sort()).toEqual(['a', 'b']);
  });

  it('prefers idle victims over waiting on a busy one', () => {
    const victims = chooseVictims([cand('busy', 8, 1, 0, true), cand('idle', 8, 50_000)], { ram: 8 * GiB });
    expect(victims).toEqual(['idle']);
  });

  it('returns null when all candidates together are not enough, and [] when nothing is missing', () => {
    expect(chooseVictims([cand('a', 4, 1)], { ram: 8 * GiB })).toBeNull();
    expect(chooseVictims([cand('a', 4, 1)], {})).toEqual([]);
  });

  it('handles each resource of the vector separately', () => {
    const gpuModel: EvictionCandidate = { ...cand('gpu', 1, 1), footprint: { gpu0: 10 * GiB } };
    const ramModel = cand('ram', 10, 1);
    expect(chooseVictims([gpuModel, ramModel], { gpu0: 5 * GiB })).toEqual(['gpu']);
  });

  it('falls back to a greedy plan for large fleets and drops redundant members', () => {
    const many = Array.from({ length: 16 }, (_, i) => cand(`m${String(i).padStart(2, '0')}`, 2, 1_000 + i));
    const victims = chooseVictims([...many, cand('big', 6, 1_500)], { ram: 6 * GiB });
    expect(victims).not.toBeNull();
    const freed = victims!.length;
    expect(freed).toBeLessThanOrEqual(3);
    expect(victims).toContain('m00');
  });
});

describe('evictionCandidates', () => {
  it('never offers busy, pinned, loading or unloading models unless busy ones are asked for', () => {
    const models = [
      resident('idle'),
      resident('busy', { inFlight: 2 }),
      resident('pinned', { pinned: true }),
      resident('loading', { state: 'loading' }),
      resident('leaving', { state: 'unloading' }),
    ];
    expect(evictionCandidates(models).map((c) => c.id)).toEqual(['idle']);
    expect(evictionCandidates(models, { includeBusy: true }).map((c) => c.id)).toEqual(['idle', 'busy']);
    expect(evictionCandidates(models, { exclude: new Set(['idle']) })).toEqual([]);
  });
});

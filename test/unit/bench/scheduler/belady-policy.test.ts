// The offline bound of the scheduler simulator: victim choice, next-use lookup, and cold-load counts on
// tiny traces whose optimum is known (textbook strings, hand cases, exhaustive search).

import { describe, expect, it } from 'vitest';
import { beladyPolicy, farthestNextUseVictims, NextUse, type VictimRule } from '../../../../bench/scheduler/belady-policy';
import { runTrace } from '../../../../bench/scheduler/env';
import { lruPolicy } from '../../../../bench/scheduler/lru-policy';
import { Rng } from '../../../../bench/scheduler/rng';
import type { Trace } from '../../../../bench/scheduler/workload';

const GB = 1e9;
const RULES: VictimRule[] = ['distance', 'distance-x-size'];

/** One request a minute, each served in a second: nothing overlaps, so this is plain paging. */
function sequentialTrace(sequence: readonly string[], sizes: Record<string, number>, budgetBytes: number): Trace {
  return {
    workload: 'hand',
    seed: 0,
    budgetBytes,
    models: Object.entries(sizes).map(([id, bytes]) => ({ id, bytes, parallel: 1, priority: 'standard' as const })),
    requests: sequence.map((model, i) => ({ id: `q${i}`, at: (i + 1) * 60_000, model, cls: 'standard' as const, serviceMs: 1_000 })),
  };
}

/** The fewest loads any offline policy needs for a sequential trace: exhaustive search over eviction sets. */
function optimalLoads(sequence: readonly string[], sizes: Record<string, number>, budgetBytes: number): number {
  const memo = new Map<string, number>();
  const bytes = (set: readonly string[]) => set.reduce((s, id) => s + sizes[id]!, 0);
  const go = (i: number, resident: readonly string[]): number => {
    if (i === sequence.length) return 0;
    const model = sequence[i]!;
    if (resident.includes(model)) return go(i + 1, resident);
    const key = `${i}|${[...resident].sort().join(',')}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let best = Number.POSITIVE_INFINITY;
    for (let mask = 0; mask < 1 << resident.length; mask++) {
      const kept = resident.filter((_, k) => (mask & (1 << k)) !== 0);
      if (bytes(kept) + sizes[model]! <= budgetBytes) best = Math.min(best, 1 + go(i + 1, [...kept, model]));
    }
    memo.set(key, best);
    return best;
  };
  return go(0, []);
}

const loads = (trace: Trace, rule: VictimRule) => runTrace(trace, 'bound', beladyPolicy({ rule }));

describe('farthestNextUseVictims', () => {
  const c = (id: string, bytes: number, nextUseMs: number) => ({ id, bytes, nextUseMs });

  it('evicts the model needed farthest in the future, never-needed ones first', () => {
    const candidates = [c('a', 1, 10), c('b', 1, 50), c('c', 1, Number.POSITIVE_INFINITY), c('d', 1, 30)];
    expect(farthestNextUseVictims(candidates, 1)!.map((v) => v.id)).toEqual(['c']);
    expect(farthestNextUseVictims(candidates, 2)!.map((v) => v.id)).toEqual(['c', 'b']);
  });

  it('returns nothing to evict when the need is covered, and undefined when the candidates cannot cover it', () => {
    expect(farthestNextUseVictims([c('a', 4, 10)], 0)).toEqual([]);
    expect(farthestNextUseVictims([c('a', 4, 10), c('b', 2, 20)], 7)).toBeUndefined();
  });

  it('keeps a victim that a larger one chosen after it already covers', () => {
    // Farthest first picks the 2 GB model, then the 6 GB one; the 6 GB one alone is enough.
    expect(farthestNextUseVictims([c('small', 2, 90), c('big', 6, 80)], 5, 'distance')!.map((v) => v.id)).toEqual(['big']);
  });

  it('weighs distance by size under distance-x-size', () => {
    const candidates = [c('big', 6, 20), c('s1', 2, 40), c('s2', 2, 50)];
    expect(farthestNextUseVictims(candidates, 4, 'distance')!.map((v) => v.id)).toEqual(['s2', 's1']);
    expect(farthestNextUseVictims(candidates, 4, 'distance-x-size')!.map((v) => v.id)).toEqual(['big']);
  });
});

describe('NextUse', () => {
  it('gives the time to the next request for a model, Infinity after its last', () => {
    const next = new NextUse(sequentialTrace(['a', 'b', 'a'], { a: GB, b: GB }, 2 * GB).requests);
    expect(next.distance('a', 0)).toBe(60_000);
    expect(next.distance('a', 60_001)).toBe(119_999);
    expect(next.distance('b', 120_001)).toBe(Number.POSITIVE_INFINITY);
    expect(next.distance('never', 0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('beladyPolicy', () => {
  // Silberschatz's reference string with three frames: OPT 9 faults, LRU 12.
  const textbook = '7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1'.split(' ');
  const equal = Object.fromEntries([...new Set(textbook)].map((id) => [id, GB]));

  it.each(RULES)('loads the textbook string 9 times in three equal slots (Belady), where LRU loads 12 (%s)', (rule) => {
    const trace = sequentialTrace(textbook, equal, 3 * GB);
    expect(loads(trace, rule).coldLoads).toBe(9);
    expect(runTrace(trace, 'LRU', lruPolicy()).coldLoads).toBe(12);
  });

  it.each(RULES)('matches the exhaustive optimum on random traces of equal footprints (%s)', (rule) => {
    const rng = new Rng(28);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (let round = 0; round < 25; round++) {
      const sequence = Array.from({ length: 14 }, () => ids[rng.int(ids.length)]!);
      const sizes = Object.fromEntries(ids.map((id) => [id, GB]));
      expect(loads(sequentialTrace(sequence, sizes, 3 * GB), rule).coldLoads).toBe(optimalLoads(sequence, sizes, 3 * GB));
    }
  });

  it('frees room for a model by evicting one big model instead of two small ones needed later (distance-x-size)', () => {
    // At Z, 4 GB must go: Y (6 GB, needed next) or s1 + s2 (needed after Y). One reload of Y is optimal.
    const sequence = ['s1', 's2', 'Y', 'Z', 'Y', 's1', 's2'];
    const sizes = { s1: 2 * GB, s2: 2 * GB, Y: 6 * GB, Z: 4 * GB };
    expect(optimalLoads(sequence, sizes, 10 * GB)).toBe(5);
    expect(loads(sequentialTrace(sequence, sizes, 10 * GB), 'distance-x-size').coldLoads).toBe(5);
    expect(loads(sequentialTrace(sequence, sizes, 10 * GB), 'distance').coldLoads).toBe(6);
  });

  it.each(RULES)('never loads fewer times than the exhaustive optimum on unequal footprints (%s)', (rule) => {
    const rng = new Rng(7);
    const sizes = { a: 2 * GB, b: 3 * GB, c: 4 * GB, d: 6 * GB, e: 8 * GB };
    const ids = Object.keys(sizes);
    for (let round = 0; round < 25; round++) {
      const sequence = Array.from({ length: 14 }, () => ids[rng.int(ids.length)]!);
      const result = loads(sequentialTrace(sequence, sizes, 12 * GB), rule);
      expect(result.coldLoads).toBeGreaterThanOrEqual(optimalLoads(sequence, sizes, 12 * GB));
      expect(result.budgetViolations).toBe(0);
    }
  });

  it('waits for a busy model to finish instead of evicting it, within the budget', () => {
    const trace: Trace = {
      ...sequentialTrace([], { A: 6 * GB, B: 6 * GB }, 10 * GB),
      requests: [
        { id: 'q0', at: 0, model: 'A', cls: 'batch', serviceMs: 100_000 },
        { id: 'q1', at: 5_000, model: 'B', cls: 'batch', serviceMs: 1_000 },
      ],
    };
    const result = runTrace(trace, 'bound', beladyPolicy());
    expect(result.coldLoads).toBe(2);
    expect(result.budgetViolations).toBe(0);
    expect(result.failed).toEqual({});
    // A loads (≈ 5 s) and serves 100 s; B waits for that, A's unload and its own load.
    expect(result.waits[1]!).toBeGreaterThan(100_000);
  });

  it('counts first loads and reloads after evictions apart', () => {
    const result = loads(sequentialTrace(textbook, equal, 3 * GB), 'distance');
    expect(result.loadsByCause).toEqual({ first: 6, budget: 3 });
  });
});

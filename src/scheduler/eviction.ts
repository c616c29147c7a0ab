// Victim choice as a pure function: (what must be freed, who could go) → the cheapest set, or null.
// Kept apart from the state machine, as llama-swap keeps its swappers, so the policy is testable alone.

import { fits, shortfall } from './footprint';
import type { Footprint, ModelState } from './types';

/** What eviction needs to know about one resident model. */
export interface ResidentView {
  id: string;
  state: ModelState;
  pinned: boolean;
  inFlight: number;
  footprint: Footprint;
  /** What evicting it is expected to cost: priority-weighted reload time × recent demand. */
  evictionCost: number;
  lastUsedAt: number;
}

export interface EvictionCandidate {
  id: string;
  footprint: Footprint;
  cost: number;
  lastUsedAt: number;
  busy: boolean;
}

export interface CandidateFilter {
  /** Busy models are candidates only for a drain plan (wait for them, or preempt them). */
  includeBusy?: boolean;
  /** Models already promised to another plan in this pass. */
  exclude?: ReadonlySet<string>;
}

/** Resident, unpinned models; idle ones only unless `includeBusy`. Loading models are never candidates. */
export function evictionCandidates(models: Iterable<ResidentView>, filter: CandidateFilter = {}): EvictionCandidate[] {
  const out: EvictionCandidate[] = [];
  for (const m of models) {
    if (m.state !== 'ready' || m.pinned || filter.exclude?.has(m.id)) continue;
    const busy = m.inFlight > 0;
    if (busy && !filter.includeBusy) continue;
    out.push({ id: m.id, footprint: m.footprint, cost: m.evictionCost, lastUsedAt: m.lastUsedAt, busy });
  }
  return out;
}

interface PlanScore {
  busy: number;
  cost: number;
  count: number;
  newestUse: number;
}

const EXHAUSTIVE_LIMIT = 12;

/**
 * The set of candidates whose eviction covers `need` (bytes still missing per resource), ordered by:
 * fewest busy members (waiting on a busy model delays the load), lowest total expected cost (priority-
 * weighted reload time × demand), fewest evictions, then least recently used (the set whose newest use
 * is oldest).
 * Returns null when even all candidates together are not enough.
 */
export function chooseVictims(candidates: readonly EvictionCandidate[], need: Footprint): string[] | null {
  if (fits(need, {})) return [];
  const sorted = [...candidates].sort((a, b) => a.id.localeCompare(b.id));
  const plan = sorted.length <= EXHAUSTIVE_LIMIT ? exhaustive(sorted, need) : greedy(sorted, need);
  return plan?.map((c) => c.id) ?? null;
}

function covers(set: readonly EvictionCandidate[], need: Footprint): boolean {
  const freed: Record<string, number> = {};
  for (const c of set) for (const [k, v] of Object.entries(c.footprint)) freed[k] = (freed[k] ?? 0) + v;
  return fits(need, freed);
}

function score(set: readonly EvictionCandidate[]): PlanScore {
  return {
    busy: set.filter((c) => c.busy).length,
    cost: set.reduce((s, c) => s + c.cost, 0),
    count: set.length,
    newestUse: Math.max(...set.map((c) => c.lastUsedAt)),
  };
}

const COST_EPSILON = 1e-9;

function better(a: PlanScore, b: PlanScore): boolean {
  if (a.busy !== b.busy) return a.busy < b.busy;
  if (Math.abs(a.cost - b.cost) > COST_EPSILON * Math.max(1, a.cost, b.cost)) return a.cost < b.cost;
  if (a.count !== b.count) return a.count < b.count;
  return a.newestUse < b.newestUse;
}

/** 2^n subsets; n ≤ 12 (5–10 models is the target), so at most 4096 checks. */
function exhaustive(cands: readonly EvictionCandidate[], need: Footprint): EvictionCandidate[] | null {
  let best: { set: EvictionCandidate[]; score: PlanScore } | null = null;
  for (let mask = 1; mask < 1 << cands.length; mask++) {
    const set = cands.filter((_, i) => (mask >> i) & 1);
    if (!covers(set, need)) continue;
    const s = score(set);
    if (!best || better(s, best.score)) best = { set, score: s };
  }
  return best?.set ?? null;
}

/** Large fleets: take the cheapest until the need is covered, then drop members that became redundant. */
function greedy(cands: readonly EvictionCandidate[], need: Footprint): EvictionCandidate[] | null {
  const order = [...cands].sort((a, b) => Number(a.busy) - Number(b.busy) || a.cost - b.cost || a.lastUsedAt - b.lastUsedAt);
  const set: EvictionCandidate[] = [];
  for (const c of order) {
    if (covers(set, need)) break;
    set.push(c);
  }
  if (!covers(set, need)) return null;
  for (const c of [...set].reverse()) {
    const without = set.filter((x) => x !== c);
    if (covers(without, need)) set.splice(set.indexOf(c), 1);
  }
  return set;
}

/** Convenience for callers holding free space rather than a shortfall. */
export function victimsFor(candidates: readonly EvictionCandidate[], need: Footprint, free: Footprint): string[] | null {
  return chooseVictims(candidates, shortfall(need, free));
}

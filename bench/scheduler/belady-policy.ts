// Offline bound on cold loads: Belady's farthest-next-use eviction replayed under the simulator's own
// constraints (budget, footprints, slots, shared load channel, client patience). Bench-only: it reads the future.

import type { TimerHandle } from '../../src/core';
import { DEFAULT_DRAIN_AFTER_MS } from '../../src/scheduler';
import { PATIENCE_MS, type Policy, type SimEnv } from './env';
import type { SimModel, SimRequest } from './workload';

export interface BoundCandidate {
  id: string;
  bytes: number;
  /** Time until the model's next request; Infinity when it is never asked for again. */
  nextUseMs: number;
}

/**
 * How victims are ranked. `distance`: Belady's MIN, farthest next use first. `distance-x-size`: largest
 * next-use distance × footprint first ("Belady-Size", Song et al., "Learning Relaxed Belady", NSDI '20):
 * one far, big victim makes room that would take several small ones, each perhaps needed back sooner.
 */
export type VictimRule = 'distance' | 'distance-x-size';

const score = (c: BoundCandidate, rule: VictimRule) =>
  c.nextUseMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : rule === 'distance' ? c.nextUseMs : c.nextUseMs * c.bytes;

/**
 * Victims that free `needBytes`, or undefined when the candidates together cannot: greedy by `rule`,
 * then victims the others already cover are kept, soonest needed first. With equal footprints both rules
 * are Belady's MIN, optimal for paging. With unequal ones minimising misses is NP-hard (generalized
 * caching): neither rule is a proven optimum, and neither wins on every trace, so the bench takes the
 * better of the two per trace as a heuristic bound. Never-needed models go first, the largest first.
 */
export function farthestNextUseVictims(candidates: readonly BoundCandidate[], needBytes: number, rule: VictimRule = 'distance'): BoundCandidate[] | undefined {
  if (needBytes <= 0) return [];
  const ranked = [...candidates].sort((a, b) => score(b, rule) - score(a, rule) || b.bytes - a.bytes || a.id.localeCompare(b.id));
  const chosen: BoundCandidate[] = [];
  let freed = 0;
  for (const c of ranked) {
    if (freed >= needBytes) break;
    chosen.push(c);
    freed += c.bytes;
  }
  if (freed < needBytes) return undefined;
  for (const c of [...chosen].sort((a, b) => score(a, rule) - score(b, rule) || a.bytes - b.bytes)) {
    if (freed - c.bytes < needBytes) continue;
    chosen.splice(chosen.indexOf(c), 1);
    freed -= c.bytes;
  }
  return chosen;
}

/** When each model is next asked for, from the whole trace. */
export class NextUse {
  private readonly arrivals = new Map<string, number[]>();

  constructor(requests: readonly SimRequest[]) {
    for (const r of requests) (this.arrivals.get(r.model) ?? this.arrivals.set(r.model, []).get(r.model)!).push(r.at);
    for (const times of this.arrivals.values()) times.sort((a, b) => a - b);
  }

  /** Time from `now` to the first request for `model` arriving at or after `now`. */
  distance(model: string, now: number): number {
    const times = this.arrivals.get(model) ?? [];
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! < now) lo = mid + 1;
      else hi = mid;
    }
    return lo < times.length ? times[lo]! - now : Number.POSITIVE_INFINITY;
  }
}

interface Resident {
  model: SimModel;
  state: 'loading' | 'ready' | 'unloading';
  active: number;
  /** Claimed to make room: no new leases, unloaded once its last one ends. */
  draining: boolean;
  lastUsed: number;
}

interface Entry {
  req: SimRequest;
  deadline: TimerHandle;
}

export interface BeladyPolicyOptions {
  rule?: VictimRule;
  /**
   * False estimates each distance as the time since the model's last use instead of reading the trace:
   * Belady's rule without the future is LRU. The same rules with and without the future show how much of
   * the bound's lead is foresight rather than queueing.
   */
  future?: boolean;
  /** How long the oldest cold request waits for idle models before it claims busy ones (Aegis' default). */
  drainAfterMs?: number;
}

const MAX_QUEUE_PER_MODEL = 64;
const MAX_QUEUE = 512;

/**
 * One FIFO; single-flight loads; no idle TTL (an early unload can only add loads); a model with requests
 * in flight is never cut. The oldest request whose model is not resident plans first and holds all free
 * memory until its load starts, so a big model is not starved by small ones. Like Aegis, it claims busy
 * models only after `drainAfterMs`: that rule bounds waits, not loads, so both pay it alike.
 */
export function beladyPolicy(options: BeladyPolicyOptions = {}) {
  const { rule = 'distance', future = true, drainAfterMs = DEFAULT_DRAIN_AFTER_MS } = options;
  return (env: SimEnv): Policy => {
    const models = new Map(env.trace.models.map((m) => [m.id, m]));
    const nextUse = new NextUse(env.trace.requests);
    const residents = new Map<string, Resident>();
    const lastLeft = new Map<string, string>();
    let queue: Entry[] = [];
    /** Wakes the pass when the oldest cold request may claim busy models, should nothing else happen first. */
    let wake: TimerHandle | undefined;
    const bytesWhere = (keep: (r: Resident) => boolean) => [...residents.values()].filter(keep).reduce((s, r) => s + r.model.bytes, 0);
    const candidate = (r: Resident, waiting: ReadonlySet<string>): BoundCandidate => ({
      id: r.model.id,
      bytes: r.model.bytes,
      nextUseMs: waiting.has(r.model.id) ? 0 : future ? nextUse.distance(r.model.id, env.clock.now()) : env.clock.now() - r.lastUsed,
    });

    const unload = (r: Resident): void => {
      r.state = 'unloading';
      lastLeft.set(r.model.id, 'budget');
      env.unload(() => {
        residents.delete(r.model.id);
        pump();
      });
    };

    const load = (model: SimModel): void => {
      const r: Resident = { model, state: 'loading', active: 0, draining: false, lastUsed: env.clock.now() };
      residents.set(model.id, r);
      env.loadStarted(
        bytesWhere(() => true),
        lastLeft.get(model.id) ?? 'first',
      );
      env.load(model.bytes, () => {
        r.state = 'ready';
        pump();
      });
    };

    const grant = (entry: Entry, r: Resident): void => {
      queue = queue.filter((e) => e !== entry);
      env.clock.clearTimeout(entry.deadline);
      r.active += 1;
      r.lastUsed = env.clock.now();
      env.granted(entry.req);
      env.serve(entry.req, () => {
        r.active -= 1;
        r.lastUsed = env.clock.now();
        if (r.draining && r.active === 0) unload(r);
        pump();
      });
    };

    /** Frees room for `model` (the oldest cold request's), by eviction now or by a claim once it has waited. */
    const plan = (model: SimModel, waited: number): void => {
      const waiting = new Set(queue.map((e) => e.req.model));
      const free = env.trace.budgetBytes - bytesWhere(() => true);
      const need = model.bytes - free - bytesWhere((r) => r.state === 'unloading');
      if (need <= 0) return;
      const idle = [...residents.values()].filter((r) => r.state === 'ready' && !r.draining && r.active === 0);
      const victims = farthestNextUseVictims(
        idle.map((r) => candidate(r, waiting)),
        need,
        rule,
      );
      if (victims) {
        for (const v of victims) unload(residents.get(v.id)!);
        return;
      }
      if (waited < drainAfterMs) {
        wake ??= env.clock.setTimeout(() => {
          wake = undefined;
          pump();
        }, drainAfterMs - waited);
        return;
      }
      const claimable = [...residents.values()].filter((r) => r.state === 'ready' && !r.draining);
      // Idle victims above do not count claimed memory, so the request can go now instead of after a drain
      // (counting it let more requests time out under overload: bench/README.md). New claims do count it.
      const claims = farthestNextUseVictims(
        claimable.map((r) => candidate(r, waiting)),
        need - bytesWhere((r) => r.draining && r.state === 'ready'),
        rule,
      );
      for (const c of claims ?? []) {
        const r = residents.get(c.id)!;
        r.draining = true;
        if (r.active === 0) unload(r);
      }
    };

    function pump(): void {
      for (const entry of [...queue]) {
        const r = residents.get(entry.req.model);
        if (r?.state === 'ready' && !r.draining && r.active < r.model.parallel) grant(entry, r);
      }
      const seen = new Set<string>();
      for (const entry of queue) {
        const model = models.get(entry.req.model)!;
        if (residents.has(model.id) || seen.has(model.id)) continue;
        seen.add(model.id);
        if (model.bytes <= env.trace.budgetBytes - bytesWhere(() => true)) {
          load(model);
          continue;
        }
        return plan(model, env.clock.now() - entry.req.at);
      }
    }

    return {
      arrive: (req) => {
        const perModel = queue.filter((e) => e.req.model === req.model).length;
        if (perModel >= MAX_QUEUE_PER_MODEL || queue.length >= MAX_QUEUE) return env.failed(req, 'queue_full');
        const entry: Entry = {
          req,
          deadline: env.clock.setTimeout(() => {
            queue = queue.filter((e) => e !== entry);
            env.failed(req, 'queue_timeout');
            pump();
          }, PATIENCE_MS[req.cls]),
        };
        queue.push(entry);
        pump();
      },
    };
  };
}

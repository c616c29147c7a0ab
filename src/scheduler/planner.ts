// One scheduling pass: walk waiting requests by effective priority and decide for each one
// (lease, join, load, evict-then-load, drain/preempt, or keep waiting). Synchronous; effects go through the host.

import { GatewayError } from '../core';
import { chooseVictims, evictionCandidates, type ResidentView } from './eviction';
import { budgetLimits, fits, isZero, minFootprint, onBudgets, subtractFootprints, sumFootprints } from './footprint';
import type { PriorityTable } from './priority';
import { effectiveFootprint, isResident, type ModelRecord, type Waiter } from './records';
import type { Footprint, PreemptionOptions, ResourceBudget, UnloadReason } from './types';

/** What a pass may read and do; the machine implements it. */
export interface PlannerHost {
  now(): number;
  readonly budgets: readonly ResourceBudget[];
  readonly models: ReadonlyMap<string, ModelRecord>;
  readonly priorities: PriorityTable;
  readonly preemption: PreemptionOptions;
  readonly drainAfterMs: number;
  readonly maxConcurrentLoads: number;
  waitersInOrder(): Waiter[];
  isWaiting(id: string): boolean;
  /** A slot of the model's own and room in its lease pool. */
  hasFreeSlot(m: ModelRecord): boolean;
  classOfLease(id: string): string | undefined;
  evictionCost(m: ModelRecord): number;
  grant(w: Waiter, m: ModelRecord): void;
  startLoad(m: ModelRecord): void;
  beginUnload(m: ModelRecord, reason: UnloadReason, forModel?: string): void;
  preempt(m: ModelRecord, by: Waiter): void;
  failWaitersOf(m: ModelRecord, error: GatewayError): void;
  armGrace(w: Waiter): void;
}

/** Free memory as the pass hands it out: waiters earlier in the order claim it first. */
interface PlanView {
  free: Footprint;
  /** Memory of models already unloading that nobody has claimed yet. */
  soonFree: Footprint;
  /** Models promised to an earlier waiter's plan: not candidates again, not granted to later waiters. */
  claimed: Set<string>;
  /** Models whose load an earlier waiter already planned in this pass. */
  planned: Set<string>;
  /** Loads that may still start in this pass. */
  loadSlots: number;
  /** A drain claim was made in this pass (claims cost throughput, so only the most urgent one). */
  drained: boolean;
}

/**
 * What a model takes from the budgets: its footprint on budgeted resources only. Bytes on a resource
 * without a budget are reported in the snapshot but never placed (DESIGN.md, "unbudgeted resources").
 */
export function placedFootprint(host: Pick<PlannerHost, 'budgets'>, m: ModelRecord): Footprint {
  return onBudgets(effectiveFootprint(m), host.budgets);
}

export function residentViews(host: PlannerHost): ResidentView[] {
  return [...host.models.values()].map((m) => ({
    id: m.spec.id,
    state: m.state,
    pinned: m.spec.pinned === true,
    inFlight: m.inFlight.size,
    footprint: placedFootprint(host, m),
    evictionCost: host.evictionCost(m),
    lastUsedAt: m.lastUsedAt,
  }));
}

/** True when the model could fit once every unpinned model were gone. */
export function canEverFit(host: PlannerHost, m: ModelRecord): boolean {
  const pinned = [...host.models.values()].filter((o) => o !== m && o.spec.pinned && isResident(o));
  const room = subtractFootprints(budgetLimits(host.budgets), sumFootprints(pinned.map((o) => placedFootprint(host, o))));
  return fits(placedFootprint(host, m), room);
}

export function schedulePass(host: PlannerHost): void {
  const resident = [...host.models.values()].filter(isResident);
  const unloading = resident.filter((m) => m.state === 'unloading');
  const view: PlanView = {
    free: subtractFootprints(budgetLimits(host.budgets), sumFootprints(resident.map((m) => placedFootprint(host, m)))),
    soonFree: sumFootprints(unloading.map((m) => placedFootprint(host, m))),
    claimed: new Set(),
    planned: new Set(),
    loadSlots: host.maxConcurrentLoads - resident.filter((m) => m.state === 'loading').length,
    drained: false,
  };
  for (const w of host.waitersInOrder()) {
    if (!host.isWaiting(w.id)) continue; // failed earlier in this pass
    const m = host.models.get(w.model);
    if (!m) continue;
    decide(host, view, w, m);
  }
}

function decide(host: PlannerHost, view: PlanView, w: Waiter, m: ModelRecord): void {
  if (m.state === 'ready') {
    if (w.loadOnly) host.grant(w, m);
    else if (!m.drainRequested && !view.claimed.has(m.spec.id) && host.hasFreeSlot(m)) host.grant(w, m);
    return;
  }
  // loading → joined (it waits on the same load); unloading → waits, then reloads.
  if (m.state !== 'unloaded' || view.planned.has(m.spec.id)) return;
  view.planned.add(m.spec.id);
  planLoad(host, view, w, m);
}

function planLoad(host: PlannerHost, view: PlanView, w: Waiter, m: ModelRecord): void {
  if (!canEverFit(host, m)) {
    host.failWaitersOf(m, new GatewayError('insufficient_resources', `Model ${m.spec.id} does not fit in the memory budget.`));
    return;
  }
  const need = placedFootprint(host, m);
  if (fits(need, view.free)) {
    view.free = subtractFootprints(view.free, need);
    // With every load slot taken it keeps the memory and its place; the load starts when a slot frees.
    if (view.loadSlots <= 0) return;
    view.loadSlots -= 1;
    host.startLoad(m);
    return;
  }
  // What exists now and what is already being freed covers part of the need; only the rest needs victims.
  const fromFree = minFootprint(need, view.free);
  const fromSoon = minFootprint(subtractFootprints(need, fromFree), view.soonFree);
  const missing = subtractFootprints(subtractFootprints(need, fromFree), fromSoon);
  // Once this waiter has a plan, it reserves that memory so later (less important) waiters cannot take it.
  const reserve = () => {
    view.free = subtractFootprints(view.free, fromFree);
    view.soonFree = subtractFootprints(view.soonFree, fromSoon);
  };
  if (isZero(missing)) return reserve(); // wait for unloads already under way
  const views = residentViews(host);
  const idle = chooseVictims(evictionCandidates(views, { exclude: view.claimed }), missing);
  if (idle) {
    reserve();
    for (const id of idle) {
      view.claimed.add(id);
      host.beginUnload(host.models.get(id)!, 'evict', m.spec.id);
    }
    return;
  }
  if (host.preemption.enabled && planPreemption(host, view, w, views, missing)) return reserve();
  // Every candidate is busy. Wait a while for one to go idle on its own; after `drainAfterMs` claim the
  // cheapest busy set: less urgent requests get no new leases on it, so it drains and goes (nothing
  // starves behind models that never go idle by themselves).
  if (host.now() - w.enqueuedAt < host.drainAfterMs || view.drained) return;
  // More urgent requests come earlier in the pass, so a claim never holds them back. The claim sticks:
  // re-choosing each pass would follow demand from one busy model to another and drain neither.
  const candidates = evictionCandidates(views, { includeBusy: true, exclude: view.claimed });
  const kept = w.drainSet?.filter((id) => candidates.some((c) => c.id === id));
  const keptCovers =
    kept !== undefined &&
    chooseVictims(
      candidates.filter((c) => kept.includes(c.id)),
      missing,
    ) !== null;
  const drain = keptCovers ? kept : chooseVictims(candidates, missing);
  if (!drain) return; // loads in progress or other plans hold the rest; a later event re-plans
  w.drainSet = drain;
  reserve();
  for (const id of drain) view.claimed.add(id);
  view.drained = true; // one claim per pass: starving requests get their turn one at a time
}

/** Busy models whose every lease is of a lower class than `w`: claim them; after the grace, preempt. */
function planPreemption(host: PlannerHost, view: PlanView, w: Waiter, views: ResidentView[], missing: Footprint): boolean {
  const candidates = evictionCandidates(views, { includeBusy: true, exclude: view.claimed });
  const plan = chooseVictims(
    candidates.filter((c) => !c.busy || mayPreempt(host, w, c.id)),
    missing,
  );
  if (!plan) return false;
  for (const id of plan) view.claimed.add(id);
  if (!w.graceExpired) {
    host.armGrace(w);
    return true;
  }
  for (const id of plan) {
    const victim = host.models.get(id)!;
    const busy = victim.inFlight.size > 0;
    if (busy) host.preempt(victim, w);
    host.beginUnload(victim, busy ? 'preempt' : 'evict', w.model);
  }
  return true;
}

/** Only a strictly higher class (by base rank, not aged rank) may preempt, and only all leases at once. */
function mayPreempt(host: PlannerHost, w: Waiter, modelId: string): boolean {
  const m = host.models.get(modelId);
  if (!m || m.spec.pinned) return false;
  const rank = host.priorities.get(w.cls).rank;
  for (const id of m.inFlight) {
    const cls = host.classOfLease(id);
    if (cls === undefined || host.priorities.get(cls).rank <= rank) return false;
  }
  return true;
}

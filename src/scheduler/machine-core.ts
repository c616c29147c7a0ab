// The state and actions of the scheduler state machine: what the planner and the timers may do
// (grant, load, unload, preempt, fail), plus the event loop. `SchedulerMachine` adds the public events.

import { GatewayError, silentLogger, type Clock, type Logger } from '../core';
import { unbudgeted } from './footprint';
import { schedulePass, type PlannerHost } from './planner';
import { hasFreeSlot, leaseSlots } from './pools';
import { DEFAULT_AGING_STEP_MS, DEFAULT_CLASSES, DEFAULT_DRAIN_AFTER_MS, PriorityTable } from './priority';
import { demandNow, effectiveFootprint, type LeaseRecord, type ModelRecord, type Waiter } from './records';
import { MachineTimers, type TimerHost } from './timers';
import type { EvictionReason, ModelSpec, PreemptionOptions, ResourceBudget, SchedulerEffects, SchedulerOptions, UnloadReason } from './types';

const EVICTION_REASONS: Readonly<Record<UnloadReason, EvictionReason>> = { evict: 'budget', ttl: 'ttl', preempt: 'preemption', admin: 'manual' };

export interface SchedulerMachineOptions extends SchedulerOptions {
  clock: Clock;
  effects: SchedulerEffects;
  models?: ModelSpec[];
  logger?: Logger;
}

export abstract class MachineCore implements PlannerHost, TimerHost {
  readonly budgets: readonly ResourceBudget[];
  readonly models = new Map<string, ModelRecord>();
  readonly priorities: PriorityTable;
  readonly preemption: PreemptionOptions;
  readonly waiters = new Map<string, Waiter>();
  readonly leases = new Map<string, LeaseRecord>();
  /** Lease pool sizes by id (see `ModelSpec.pool`). */
  readonly pools = new Map<string, number>();
  readonly clock: Clock;
  readonly effects: SchedulerEffects;
  readonly logger: Logger;
  readonly maxQueuePerModel: number;
  readonly maxQueueTotal: number;
  readonly drainAfterMs: number;
  readonly maxConcurrentLoads: number;
  protected readonly timers: MachineTimers;
  private running = false;
  private readonly pending: Array<() => void> = [];
  /** Resources without a budget already logged: the operator needs to hear it once, not per load. */
  private readonly unbudgetedSeen = new Set<string>();

  constructor(options: SchedulerMachineOptions) {
    this.budgets = options.budgets;
    this.clock = options.clock;
    this.effects = options.effects;
    this.logger = options.logger ?? silentLogger;
    this.priorities = new PriorityTable(options.classes ?? DEFAULT_CLASSES, options.defaultClass ?? 'standard', options.agingStepMs ?? DEFAULT_AGING_STEP_MS);
    this.preemption = { enabled: false, graceMs: 5_000, ...options.preemption };
    this.maxQueuePerModel = options.maxQueuePerModel ?? 64;
    this.maxQueueTotal = options.maxQueueTotal ?? 512;
    for (const [id, size] of Object.entries(options.pools ?? {})) this.pools.set(id, Math.max(1, size));
    this.maxConcurrentLoads = Math.max(1, options.maxConcurrentLoads ?? 1);
    this.drainAfterMs = options.drainAfterMs ?? DEFAULT_DRAIN_AFTER_MS;
    this.timers = new MachineTimers(this, options.progressTickMs ?? 1_000);
  }

  now(): number {
    return this.clock.now();
  }

  abstract onQueueTimeout(id: string): void;
  abstract onGraceExpired(id: string): void;
  abstract onIdleExpired(model: string, op: number): void;

  waitersInOrder(): Waiter[] {
    const now = this.now();
    const rank = (w: Waiter) => this.priorities.effectiveRank(w.cls, now - w.enqueuedAt);
    return [...this.waiters.values()]
      .map((w) => ({ w, r: rank(w) }))
      .sort((a, b) => a.r - b.r || a.w.enqueuedAt - b.w.enqueuedAt || a.w.seq - b.w.seq)
      .map((x) => x.w);
  }

  /** A slot of its own and room in its lease pool. */
  hasFreeSlot(m: ModelRecord): boolean {
    return hasFreeSlot(m, this.pools, this.models);
  }

  /** Leases the model can hold at once (for Retry-After estimates). */
  slotsOf(m: ModelRecord): number {
    return leaseSlots(m, this.pools);
  }

  isWaiting(id: string): boolean {
    return this.waiters.has(id);
  }

  classOfLease(id: string): string | undefined {
    return this.leases.get(id)?.cls;
  }

  /** Expected reload time weighted by the more important of the model's class and its last user's. */
  reloadCost(m: ModelRecord): number {
    const weight = Math.max(this.priorities.get(m.spec.priority).weight, this.priorities.get(m.lastClass).weight);
    return m.spec.expectedLoadMs * weight;
  }

  /**
   * What evicting `m` is expected to cost: its priority-weighted reload time × its recent demand
   * (decayed request count). A model nobody asked for lately costs almost nothing to evict, a hot small
   * model more than a cold big one; equal costs fall back to least recently used.
   */
  evictionCost(m: ModelRecord): number {
    return this.reloadCost(m) * demandNow(m, this.now());
  }

  grant(w: Waiter, m: ModelRecord): void {
    this.removeWaiter(w);
    const now = this.now();
    if (!w.loadOnly) this.startLease(w.id, m, w.cls, now);
    this.effects.grant({
      requestId: w.id,
      model: m.spec.id,
      loadOnly: w.loadOnly,
      waitedMs: now - w.enqueuedAt,
      coldStart: w.coldStart,
    });
  }

  /** Request `id` holds one of `m`'s slots from `now` (the bookkeeping of every grant, queued or not). */
  protected startLease(id: string, m: ModelRecord, cls: LeaseRecord['cls'], now: number): void {
    this.leases.set(id, { id, model: m.spec.id, cls, grantedAt: now });
    m.inFlight.add(id);
    m.lastUsedAt = now;
    m.lastClass = cls;
  }

  startLoad(m: ModelRecord): void {
    this.timers.clearIdle(m);
    m.state = 'loading';
    m.op += 1;
    m.loads += 1;
    m.load = { id: m.op, startedAt: this.now(), fraction: 0, estimated: true };
    for (const w of this.waiters.values()) if (w.model === m.spec.id) w.coldStart = true;
    this.timers.startLoad(m);
    this.effects.startLoad(m.spec.id, m.op);
  }

  /** Starts unloading `m`; `forModel` is the model the room is made for (budget and preemption). */
  beginUnload(m: ModelRecord, reason: UnloadReason, forModel?: string): void {
    this.timers.clearIdle(m);
    m.state = 'unloading';
    m.op += 1;
    m.drainRequested = false;
    m.idleSince = undefined;
    this.logger.debug({ model: m.spec.id, reason }, 'unloading model');
    this.effects.report({ type: 'eviction', model: m.spec.id, reason: EVICTION_REASONS[reason], freed: effectiveFootprint(m), forModel });
    this.effects.startUnload(m.spec.id, m.op, reason);
  }

  preempt(m: ModelRecord, by: Waiter): void {
    const retryAfter = Math.ceil((m.holdEwmaMs + m.spec.expectedLoadMs) / 1000);
    const revoked = [...m.inFlight].map((id) => this.leases.get(id)?.cls ?? this.priorities.lowest());
    this.effects.report({ type: 'preemption', model: m.spec.id, byModel: by.model, byPriority: by.cls, revoked, freed: effectiveFootprint(m) });
    for (const id of [...m.inFlight]) {
      this.leases.delete(id);
      this.effects.revoke(id, new GatewayError('preempted', `Preempted by a ${by.cls} request for model ${by.model}.`, { retryAfter }));
    }
    m.inFlight.clear();
    m.lastUsedAt = this.now();
  }

  failWaitersOf(m: ModelRecord, error: GatewayError): void {
    for (const w of [...this.waiters.values()]) {
      if (w.model !== m.spec.id) continue;
      this.removeWaiter(w);
      this.effects.fail(w.id, error);
    }
  }

  armGrace(w: Waiter): void {
    if (w.grace === undefined) this.timers.armGrace(w, this.preemption.graceMs);
  }

  queuedFor(model: string): number {
    let n = 0;
    for (const w of this.waiters.values()) if (w.model === model) n += 1;
    return n;
  }

  /**
   * A footprint with bytes on a resource Aegis has no budget for (Ollama reporting VRAM while
   * `scheduler.gpus` is empty): those bytes are not managed, and the operator should know.
   */
  protected noteUnbudgeted(m: ModelRecord): void {
    for (const resource of unbudgeted(effectiveFootprint(m), this.budgets)) {
      if (this.unbudgetedSeen.has(resource)) continue;
      this.unbudgetedSeen.add(resource);
      this.logger.warn({ model: m.spec.id, resource }, 'model uses a resource without a budget (scheduler.gpus); its bytes there are reported, not managed');
    }
  }

  protected removeWaiter(w: Waiter): void {
    this.waiters.delete(w.id);
    this.timers.clearWaiter(w);
  }

  /** True while an event and its pass run (effects calling back in must queue, not re-enter). */
  protected get dispatching(): boolean {
    return this.running;
  }

  /**
   * Runs one event and then the scheduling pass. Effects may call back synchronously (a fake runtime
   * that loads instantly); those calls queue behind the current event instead of re-entering it.
   */
  protected dispatch(event: () => void): void {
    this.pending.push(event);
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.length > 0) {
        this.pending.shift()!();
        schedulePass(this);
        this.timers.settleIdle();
      }
    } finally {
      this.running = false;
    }
  }
}

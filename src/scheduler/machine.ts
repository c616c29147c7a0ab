// The scheduler state machine: synchronous `on*` events in, side effects out through `SchedulerEffects`.
// No method awaits; time comes from the injected Clock, so tests drive it with ManualClock.

import { GatewayError } from '../core';
import { MachineCore, type SchedulerMachineOptions } from './machine-core';
import { canEverFit, placedFootprint } from './planner';
import { newModelRecord, recordDemand, retryAfterSeconds, type ModelRecord, type Waiter } from './records';
import { buildSnapshot, type SchedulerSnapshot } from './snapshot';
import type { Grant, LoadResult, ModelSpec, RequestEvent, ResidentModel } from './types';

export type { SchedulerMachineOptions } from './machine-core';

export type UnloadStatus = 'unloaded' | 'unloading' | 'draining';

export class SchedulerMachine extends MachineCore {
  private seq = 0;

  constructor(options: SchedulerMachineOptions) {
    super(options);
    for (const spec of options.models ?? []) this.setModel(spec);
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────

  /** Adds or updates a model (registry change). A resident model keeps its state and measurement. */
  setModel(spec: ModelSpec): void {
    this.dispatch(() => {
      const fixed = { ...spec, priority: this.priorities.resolve(spec.priority), parallel: Math.max(1, spec.parallel) };
      const m = this.models.get(spec.id) ?? newModelRecord(fixed, this.now());
      m.spec = fixed;
      this.models.set(spec.id, m);
      this.noteUnbudgeted(m);
    });
  }

  /**
   * Sets how many leases the models of pool `id` may hold together (an upstream's connections). A
   * bigger pool grants waiting requests at once; a smaller one grants nothing until leases end.
   */
  setPool(id: string, size: number): void {
    this.dispatch(() => this.pools.set(id, Math.max(1, size)));
  }

  onRequest(req: RequestEvent): void {
    this.dispatch(() => this.admit(req));
  }

  /**
   * The common case without a pass: nobody waits for anything and the model is ready with a free slot,
   * so a pass would grant this request at once and do nothing else. Grants it (the same bookkeeping as
   * `onRequest` then `grant`) and returns the grant; returns undefined, touching nothing, whenever the
   * full path must decide (then call `onRequest`). No waiter record, deadline timer or pass.
   */
  tryGrant(req: RequestEvent): Grant | undefined {
    if (this.dispatching || this.waiters.size > 0 || req.loadOnly || this.leases.has(req.id)) return undefined;
    const m = this.models.get(req.model);
    if (m?.state !== 'ready' || m.drainRequested || !this.hasFreeSlot(m)) return undefined;
    const now = this.now();
    const cls = this.priorities.resolve(req.priority ?? m.spec.priority);
    recordDemand(m, now);
    this.startLease(req.id, m, cls, now);
    this.timers.settleModel(m, now);
    return { requestId: req.id, model: m.spec.id, loadOnly: false, waitedMs: 0, coldStart: false };
  }

  /** The lease ended (response body finished or client gone). Idempotent; unknown ids are ignored. */
  onRelease(id: string): void {
    // With nobody waiting a pass has nothing to decide: settle the one model the lease held.
    if (!this.dispatching && this.waiters.size === 0) {
      const m = this.endLease(id);
      if (m) this.timers.settleModel(m, this.now());
      return;
    }
    this.dispatch(() => {
      if (!this.endLease(id)) this.dropWaiter(id);
    });
  }

  /** The client disconnected: a waiter leaves the queue silently, a lease is released. */
  onCancel(id: string): void {
    this.onRelease(id);
  }

  onLoadProgress(model: string, loadId: number, fraction: number): void {
    this.dispatch(() => {
      const m = this.models.get(model);
      if (m?.state !== 'loading' || m.load?.id !== loadId) return;
      this.timers.reportProgress(m, fraction);
    });
  }

  onLoadDone(model: string, loadId: number, result: LoadResult): void {
    this.dispatch(() => {
      const m = this.models.get(model);
      if (m?.state !== 'loading' || m.load?.id !== loadId) return;
      this.effects.report({ type: 'load', model, outcome: result.ok ? 'ok' : 'failed', durationMs: this.now() - m.load.startedAt });
      this.timers.endLoad(m);
      if (!result.ok) {
        m.state = 'unloaded';
        this.logger.warn({ model, err: String(result.error) }, 'model load failed');
        this.failWaitersOf(
          m,
          new GatewayError('model_load_failed', `Model ${model} failed to load.`, {
            retryAfter: retryAfterSeconds(m, 0, this.slotsOf(m)),
            cause: result.error,
          }),
        );
        return;
      }
      m.state = 'ready';
      if (result.measured) m.measured = result.measured;
      this.noteUnbudgeted(m);
      m.lastUsedAt = this.now();
      for (const w of this.waiters.values()) if (w.model === model) this.effects.progress(w.id, { kind: 'ready', model });
    });
  }

  onUnloadDone(model: string, unloadId: number): void {
    this.dispatch(() => {
      const m = this.models.get(model);
      if (m?.state !== 'unloading' || m.op !== unloadId) return;
      m.state = 'unloaded';
      m.idleSince = undefined;
    });
  }

  /** Start-up: count what the runtimes already hold against the budget, as idle resident models. */
  onReconcile(resident: readonly ResidentModel[]): void {
    this.dispatch(() => {
      for (const r of resident) {
        let m = this.models.get(r.model);
        if (!m) {
          m = newModelRecord(foreignSpec(r, this.lowestClass()), this.now());
          this.models.set(r.model, m);
        }
        if (r.footprint) m.measured = r.footprint;
        this.noteUnbudgeted(m);
        if (m.state === 'unloaded') {
          m.state = 'ready';
          m.lastUsedAt = this.now();
        }
      }
    });
  }

  /** Admin or TTL-equivalent unload. Busy or loading models drain first; requests meanwhile wait. */
  requestUnload(model: string, options: { force?: boolean } = {}): UnloadStatus {
    const m = this.models.get(model);
    if (!m) throw new GatewayError('model_not_found', `Model ${model} is not known to the scheduler.`);
    if (m.spec.pinned && !options.force) {
      throw new GatewayError('invalid_request', `Model ${model} is pinned; unpin it or force the unload.`);
    }
    if (m.state === 'unloaded' || m.state === 'unloading') return m.state;
    const idle = m.state === 'ready' && m.inFlight.size === 0;
    this.dispatch(() => {
      if (m.state === 'ready' && m.inFlight.size === 0) this.beginUnload(m, 'admin');
      else if (m.state === 'ready' || m.state === 'loading') m.drainRequested = true;
    });
    return idle ? 'unloading' : 'draining';
  }

  /** Shutdown: every waiting request ends with `shutting_down`; leases finish on their own. */
  onShutdown(): void {
    this.dispatch(() => {
      for (const w of [...this.waiters.values()]) {
        this.removeWaiter(w);
        this.effects.fail(w.id, new GatewayError('shutting_down', 'The gateway is shutting down.'));
      }
    });
  }

  snapshot(): SchedulerSnapshot {
    return buildSnapshot(this);
  }

  // ── timer callbacks (called by MachineTimers) ────────────────────────────────────────────────

  onQueueTimeout(id: string): void {
    this.dispatch(() => {
      const w = this.waiters.get(id);
      if (!w) return;
      const m = this.models.get(w.model)!;
      this.removeWaiter(w);
      const waited = Math.round((this.now() - w.enqueuedAt) / 1000);
      this.effects.fail(
        id,
        new GatewayError('queue_timeout', `Waited ${waited}s for model ${w.model} without getting a slot.`, {
          retryAfter: retryAfterSeconds(m, this.queuedFor(m.spec.id), this.slotsOf(m)),
        }),
      );
    });
  }

  onGraceExpired(id: string): void {
    this.dispatch(() => {
      const w = this.waiters.get(id);
      if (w) w.graceExpired = true;
    });
  }

  onIdleExpired(model: string, op: number): void {
    this.dispatch(() => {
      const m = this.models.get(model);
      if (!m || m.op !== op || m.state !== 'ready' || m.inFlight.size > 0 || m.spec.pinned) return;
      m.ttlTimer = undefined;
      this.beginUnload(m, 'ttl');
    });
  }

  private admit(req: RequestEvent): void {
    const m = this.models.get(req.model);
    if (!m) {
      this.effects.fail(req.id, new GatewayError('model_not_found', `Model ${req.model} is not known to the scheduler.`));
      return;
    }
    if (this.waiters.has(req.id) || this.leases.has(req.id)) {
      this.effects.fail(req.id, new GatewayError('invalid_request', `Request id ${req.id} is already scheduled.`));
      return;
    }
    if (!canEverFit(this, m)) {
      const total = Object.entries(placedFootprint(this, m))
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      this.effects.fail(req.id, new GatewayError('insufficient_resources', `Model ${req.model} (${total}) cannot fit.`));
      return;
    }
    const queued = this.queuedFor(req.model);
    const slotFree = m.state === 'ready' && !m.drainRequested && this.hasFreeSlot(m);
    const cap = m.spec.maxQueue ?? this.maxQueuePerModel;
    if (!slotFree && !req.loadOnly && (queued >= cap || this.waiters.size >= this.maxQueueTotal)) {
      this.effects.fail(
        req.id,
        new GatewayError('queue_full', `Too many requests waiting for model ${req.model}.`, {
          retryAfter: retryAfterSeconds(m, queued, this.slotsOf(m)),
        }),
      );
      return;
    }
    const cls = this.priorities.resolve(req.priority ?? m.spec.priority);
    if (!req.loadOnly) recordDemand(m, this.now());
    const w: Waiter = {
      id: req.id,
      model: req.model,
      cls,
      loadOnly: req.loadOnly === true,
      enqueuedAt: this.now(),
      seq: this.seq++,
      coldStart: m.state === 'loading',
      graceExpired: false,
    };
    this.waiters.set(w.id, w);
    this.timers.armDeadline(w, this.priorities.get(cls).maxQueueWaitMs);
    if (m.state === 'loading' && m.load) this.timers.notifyJoin(m, w);
  }

  /** Forgets lease `id`; returns its model's record, or undefined when there was no such lease. */
  private endLease(id: string): ModelRecord | undefined {
    const lease = this.leases.get(id);
    if (!lease) return undefined;
    this.leases.delete(id);
    const m = this.models.get(lease.model);
    if (!m) return undefined;
    const now = this.now();
    m.inFlight.delete(id);
    m.lastUsedAt = now;
    m.holdEwmaMs = 0.8 * m.holdEwmaMs + 0.2 * (now - lease.grantedAt);
    return m;
  }

  private dropWaiter(id: string): void {
    const w = this.waiters.get(id);
    if (w) this.removeWaiter(w);
  }

  private lowestClass(): string {
    return this.priorities.lowest();
  }
}

/** A model a runtime holds but the registry does not know: count it, and let it be evicted first. */
function foreignSpec(r: ResidentModel, cls: string): ModelSpec {
  const bytes = Object.values(r.footprint ?? {}).reduce((s, v) => s + v, 0);
  return { id: r.model, footprint: r.footprint ?? {}, priority: cls, parallel: 1, expectedLoadMs: bytes / 1e6 };
}

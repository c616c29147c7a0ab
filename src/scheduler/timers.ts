// Every timer of the state machine: queue deadlines, preemption grace, idle TTLs and load-progress ticks.
// All go through the injected Clock and call back into synchronous machine events.

import type { Clock } from '../core';
import type { PriorityTable } from './priority';
import type { ModelRecord, Waiter } from './records';
import type { SchedulerEffects, UnloadReason } from './types';

/** Node clamps longer timeouts to 1 ms; anything longer is treated as this long. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TimerHost {
  readonly clock: Clock;
  readonly effects: SchedulerEffects;
  readonly models: ReadonlyMap<string, ModelRecord>;
  readonly waiters: ReadonlyMap<string, Waiter>;
  readonly priorities: PriorityTable;
  onQueueTimeout(id: string): void;
  onGraceExpired(id: string): void;
  onIdleExpired(model: string, op: number): void;
  beginUnload(m: ModelRecord, reason: UnloadReason): void;
}

export class MachineTimers {
  constructor(
    private readonly host: TimerHost,
    private readonly progressTickMs: number,
  ) {}

  armDeadline(w: Waiter, ms: number): void {
    if (!Number.isFinite(ms)) return;
    w.deadline = this.host.clock.setTimeout(() => this.host.onQueueTimeout(w.id), Math.min(ms, MAX_TIMER_MS));
  }

  armGrace(w: Waiter, ms: number): void {
    w.grace = this.host.clock.setTimeout(() => this.host.onGraceExpired(w.id), ms);
  }

  clearWaiter(w: Waiter): void {
    if (w.deadline !== undefined) this.host.clock.clearTimeout(w.deadline);
    if (w.grace !== undefined) this.host.clock.clearTimeout(w.grace);
    w.deadline = undefined;
    w.grace = undefined;
  }

  clearIdle(m: ModelRecord): void {
    if (m.ttlTimer !== undefined) this.host.clock.clearTimeout(m.ttlTimer);
    m.ttlTimer = undefined;
    m.ttlDeadline = undefined;
  }

  /**
   * After every event: the idle timer of a ready model starts when its last lease ends and stops when a
   * lease starts; an admin unload that waited for the model to drain happens now.
   */
  settleIdle(): void {
    const now = this.host.clock.now();
    for (const m of this.host.models.values()) this.settleModel(m, now);
  }

  /** `settleIdle` for one model: all an event that touched only this model needs. */
  settleModel(m: ModelRecord, now: number): void {
    if (m.state !== 'ready') return;
    if (m.inFlight.size > 0) {
      this.clearIdle(m);
      m.idleSince = undefined;
      return;
    }
    m.idleSince ??= now;
    if (m.drainRequested) {
      this.host.beginUnload(m, 'admin');
      return;
    }
    if (m.spec.pinned || m.ttlTimer !== undefined) return;
    const ttl = m.spec.ttlMs ?? this.host.priorities.get(m.spec.priority).idleTtlMs;
    if (!Number.isFinite(ttl) || ttl < 0) return;
    const op = m.op;
    m.ttlDeadline = now + ttl;
    m.ttlTimer = this.host.clock.setTimeout(() => this.host.onIdleExpired(m.spec.id, op), Math.min(ttl, MAX_TIMER_MS));
  }

  startLoad(m: ModelRecord): void {
    this.emit(m);
    this.tick(m);
  }

  /** A request joining a load hears where it stands right away, not at the next tick. */
  notifyJoin(m: ModelRecord, w: Waiter): void {
    if (!m.load) return;
    this.host.effects.progress(w.id, this.event(m));
  }

  /** Real progress from the runtime replaces the time-based estimate for the rest of the load. */
  reportProgress(m: ModelRecord, fraction: number): void {
    if (!m.load) return;
    this.stopTick(m);
    m.load.estimated = false;
    m.load.fraction = Math.min(1, Math.max(m.load.fraction, fraction));
    this.emit(m);
  }

  endLoad(m: ModelRecord): void {
    this.stopTick(m);
    m.load = undefined;
  }

  private tick(m: ModelRecord): void {
    const load = m.load;
    if (!load || this.progressTickMs <= 0) return;
    load.tick = this.host.clock.setTimeout(() => {
      if (m.load !== load || !load.estimated) return;
      const elapsed = this.host.clock.now() - load.startedAt;
      load.fraction = Math.min(0.99, elapsed / Math.max(1, m.spec.expectedLoadMs));
      this.emit(m);
      this.tick(m);
    }, this.progressTickMs);
  }

  private stopTick(m: ModelRecord): void {
    if (m.load?.tick !== undefined) this.host.clock.clearTimeout(m.load.tick);
    if (m.load) m.load.tick = undefined;
  }

  private event(m: ModelRecord) {
    return {
      kind: 'loading' as const,
      model: m.spec.id,
      fraction: m.load?.fraction ?? 0,
      estimated: m.load?.estimated ?? true,
      expectedMs: m.spec.expectedLoadMs,
    };
  }

  private emit(m: ModelRecord): void {
    const event = this.event(m);
    for (const w of this.host.waiters.values()) if (w.model === m.spec.id) this.host.effects.progress(w.id, event);
  }
}

// Test harness for the scheduler state machine: a recording fake Effects and a ManualClock.
// No sleeps and no real timers: tests advance the clock and answer loads/unloads by hand.

import { ManualClock, type GatewayError } from '../../../src/core';
import {
  SchedulerMachine,
  type Footprint,
  type Grant,
  type LoadProgress,
  type ModelSpec,
  type SchedulerEffects,
  type SchedulerEvent,
  type SchedulerMachineOptions,
  type UnloadReason,
} from '../../../src/scheduler';

export const GiB = 2 ** 30;

export class RecordingEffects implements SchedulerEffects {
  readonly loads: Array<{ model: string; loadId: number }> = [];
  readonly unloads: Array<{ model: string; unloadId: number; reason: UnloadReason }> = [];
  readonly grants: Grant[] = [];
  readonly failures = new Map<string, GatewayError>();
  readonly revoked = new Map<string, GatewayError>();
  readonly progressById = new Map<string, LoadProgress[]>();
  readonly events: SchedulerEvent[] = [];

  startLoad(model: string, loadId: number): void {
    this.loads.push({ model, loadId });
  }
  startUnload(model: string, unloadId: number, reason: UnloadReason): void {
    this.unloads.push({ model, unloadId, reason });
  }
  grant(grant: Grant): void {
    this.grants.push(grant);
  }
  fail(requestId: string, error: GatewayError): void {
    this.failures.set(requestId, error);
  }
  revoke(requestId: string, error: GatewayError): void {
    this.revoked.set(requestId, error);
  }
  progress(requestId: string, event: LoadProgress): void {
    const list = this.progressById.get(requestId) ?? [];
    list.push(event);
    this.progressById.set(requestId, list);
  }

  report(event: SchedulerEvent): void {
    this.events.push(event);
  }

  /** Evictions and preemptions: the events the gateway audits (loads are for metrics). */
  audited(): SchedulerEvent[] {
    return this.events.filter((e) => e.type === 'eviction' || e.type === 'preemption');
  }

  granted(id: string): boolean {
    return this.grants.some((g) => g.requestId === id);
  }
  grantedIds(): string[] {
    return this.grants.map((g) => g.requestId);
  }
  loadsOf(model: string): number {
    return this.loads.filter((l) => l.model === model).length;
  }
  unloadedModels(): string[] {
    return this.unloads.map((u) => u.model);
  }
}

export function spec(id: string, gib: number, over: Partial<ModelSpec> = {}): ModelSpec {
  return { id, footprint: { ram: gib * GiB }, priority: 'standard', parallel: 1, expectedLoadMs: gib * 1000, ...over };
}

export interface Harness {
  machine: SchedulerMachine;
  clock: ManualClock;
  fx: RecordingEffects;
  /** Completes the newest load of `model` (successfully unless `error` is given). */
  finishLoad(model: string, measured?: Footprint): void;
  failLoad(model: string, error?: unknown): void;
  /** Completes the newest unload of `model`. */
  finishUnload(model: string): void;
  request(id: string, model: string, priority?: string): void;
}

export function harness(
  models: ModelSpec[],
  options: Partial<Omit<SchedulerMachineOptions, 'clock' | 'effects' | 'models'>> & { budgetGiB?: number } = {},
): Harness {
  const clock = new ManualClock(1_000_000);
  const fx = new RecordingEffects();
  const { budgetGiB = 32, ...rest } = options;
  const machine = new SchedulerMachine({
    budgets: [{ id: 'ram', totalBytes: budgetGiB * GiB, budgetBytes: budgetGiB * GiB, reserveBytes: 0 }],
    progressTickMs: 0,
    ...rest,
    clock,
    effects: fx,
    models,
  });
  const lastLoad = (model: string) => {
    const load = [...fx.loads].reverse().find((l) => l.model === model);
    if (!load) throw new Error(`no load of ${model} was started`);
    return load;
  };
  return {
    machine,
    clock,
    fx,
    finishLoad: (model, measured) => machine.onLoadDone(model, lastLoad(model).loadId, { ok: true, measured }),
    failLoad: (model, error = new Error('boom')) => machine.onLoadDone(model, lastLoad(model).loadId, { ok: false, error }),
    finishUnload: (model) => {
      const u = [...fx.unloads].reverse().find((x) => x.model === model);
      if (!u) throw new Error(`no unload of ${model} was started`);
      machine.onUnloadDone(model, u.unloadId);
    },
    request: (id, model, priority) => machine.onRequest({ id, model, priority }),
  };
}

/** Loads `model` through one request and releases it, leaving it resident and idle. */
export function warm(h: Harness, model: string, id = `warm-${model}`): void {
  h.request(id, model);
  h.finishLoad(model);
  h.machine.onRelease(id);
}

// The simulated world every policy runs in: a ManualClock (discrete events), a shared load channel
// whose bandwidth concurrent loads split, request service times, and the metrics recorder.

import { ManualClock, type TimerHandle } from '../../src/core';
import { DEFAULT_CLASSES } from '../../src/scheduler';
import type { ClassName, SimRequest, Trace } from './workload';

/** The client's patience per class: identical for every policy (Aegis' default class limits). */
export const PATIENCE_MS: Record<ClassName, number> = {
  critical: DEFAULT_CLASSES.critical!.maxQueueWaitMs,
  standard: DEFAULT_CLASSES.standard!.maxQueueWaitMs,
  batch: DEFAULT_CLASSES.batch!.maxQueueWaitMs,
};

export const LOAD_BYTES_PER_SEC = 1.5e9;
export const LOAD_FIXED_MS = 1_000;
export const UNLOAD_MS = 500;

/** Load time of a model loading alone: process start plus reading its bytes. */
export function soloLoadMs(bytes: number): number {
  return LOAD_FIXED_MS + (bytes / LOAD_BYTES_PER_SEC) * 1000;
}

interface ActiveLoad {
  remaining: number;
  onDone: () => void;
}

/** Processor sharing: n concurrent loads each read at bandwidth / n, so parallel loads are not free. */
export class LoadChannel {
  private active: ActiveLoad[] = [];
  private last = 0;
  private timer?: TimerHandle;

  constructor(
    private readonly clock: ManualClock,
    private readonly bytesPerMs = LOAD_BYTES_PER_SEC / 1000,
  ) {}

  read(bytes: number, onDone: () => void): void {
    this.progress();
    this.active.push({ remaining: bytes, onDone });
    this.reschedule();
  }

  private progress(): void {
    const now = this.clock.now();
    if (this.active.length > 0) {
      const each = ((now - this.last) * this.bytesPerMs) / this.active.length;
      for (const a of this.active) a.remaining -= each;
    }
    this.last = now;
  }

  private reschedule(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.active.length === 0) return;
    const min = Math.min(...this.active.map((a) => a.remaining));
    const ms = Math.max(0, Math.ceil((min * this.active.length) / this.bytesPerMs));
    this.timer = this.clock.setTimeout(() => {
      this.progress();
      const done = this.active.filter((a) => a.remaining <= 1);
      this.active = this.active.filter((a) => a.remaining > 1);
      this.reschedule();
      for (const d of done) d.onDone();
    }, ms);
  }
}

export interface RunResult {
  policy: string;
  workload: string;
  seed: number;
  requests: number;
  coldLoads: number;
  /** Waits of granted requests, ms. */
  waits: number[];
  /** How long requests that timed out had waited (a timeout is a wait, not a lucky escape). */
  timeoutWaits: number[];
  /** Granted waits per priority class. */
  waitsByClass: Record<string, number[]>;
  failed: Record<string, number>;
  budgetViolations: number;
  /** Loads by why the model was not resident (`first`, or how it last left: `budget`, `ttl`, …), for policies that know. */
  loadsByCause: Record<string, number>;
  /** Evictions to make room (Aegis only, for the bound's comparison). */
  budgetEvictions: number;
  /** Of those, evictions of a model needed again before an idle, at least as large model that stayed. */
  evictionsAgainstFuture: number;
}

export class SimEnv {
  readonly clock = new ManualClock(0);
  readonly channel = new LoadChannel(this.clock);
  readonly result: RunResult;
  private readonly settled = new Set<string>();

  constructor(
    readonly trace: Trace,
    policy: string,
  ) {
    this.result = {
      policy,
      workload: trace.workload,
      seed: trace.seed,
      requests: trace.requests.length,
      coldLoads: 0,
      waits: [],
      timeoutWaits: [],
      waitsByClass: {},
      failed: {},
      budgetViolations: 0,
      loadsByCause: {},
      budgetEvictions: 0,
      evictionsAgainstFuture: 0,
    };
  }

  granted(req: SimRequest): void {
    this.settle(req);
    this.result.waits.push(this.clock.now() - req.at);
    (this.result.waitsByClass[req.cls] ??= []).push(this.clock.now() - req.at);
  }

  failed(req: SimRequest, code: string): void {
    this.settle(req);
    if (code === 'queue_timeout') this.result.timeoutWaits.push(this.clock.now() - req.at);
    this.result.failed[code] = (this.result.failed[code] ?? 0) + 1;
  }

  /** Every load start: count it, and check the policy's own books against the budget. */
  loadStarted(residentBytes: number, cause?: string): void {
    this.result.coldLoads += 1;
    if (cause !== undefined) this.result.loadsByCause[cause] = (this.result.loadsByCause[cause] ?? 0) + 1;
    if (residentBytes > this.trace.budgetBytes + 1) this.result.budgetViolations += 1;
  }

  load(bytes: number, onDone: () => void): void {
    this.clock.setTimeout(() => this.channel.read(bytes, onDone), LOAD_FIXED_MS);
  }

  unload(onDone: () => void): void {
    this.clock.setTimeout(onDone, UNLOAD_MS);
  }

  serve(req: SimRequest, onDone: () => void): void {
    this.clock.setTimeout(onDone, req.serviceMs);
  }

  private settle(req: SimRequest): void {
    if (this.settled.has(req.id)) throw new Error(`${this.result.policy}: ${req.id} settled twice`);
    this.settled.add(req.id);
  }

  settledCount(): number {
    return this.settled.size;
  }
}

export interface Policy {
  arrive(req: SimRequest): void;
}

/** Replays the trace; afterwards every request must have been granted or failed: nothing may hang. */
export function runTrace(trace: Trace, name: string, make: (env: SimEnv) => Policy): RunResult {
  const env = new SimEnv(trace, name);
  const policy = make(env);
  for (const req of trace.requests) {
    env.clock.advance(req.at - env.clock.now());
    policy.arrive(req);
  }
  env.clock.advance(24 * 60 * 60_000);
  if (env.settledCount() !== trace.requests.length) {
    throw new Error(`${name}/${trace.workload}/${trace.seed}: ${trace.requests.length - env.settledCount()} requests hung`);
  }
  return env.result;
}

// The state machine's internal records: one per model, one per waiting request, one per lease.
// Plain data so the planner, the snapshot and the machine can share them without methods.

import type { TimerHandle } from '../core';
import type { Footprint, ModelSpec, ModelState } from './types';

export interface LoadInFlight {
  id: number;
  startedAt: number;
  fraction: number;
  /** True until the runtime reports a real fraction. */
  estimated: boolean;
  tick?: TimerHandle;
}

export interface ModelRecord {
  spec: ModelSpec;
  state: ModelState;
  /** What the runtime reported after the last load; survives unloads as the better estimate. */
  measured?: Footprint;
  /** Sequence of load/unload operations, so a late report of an old operation is ignored. */
  op: number;
  load?: LoadInFlight;
  inFlight: Set<string>;
  lastUsedAt: number;
  /** When in-flight dropped to zero (undefined while busy or not resident). */
  idleSince?: number;
  ttlTimer?: TimerHandle;
  ttlDeadline?: number;
  /** An admin unload was asked while busy or loading: grant nothing more, unload when idle. */
  drainRequested: boolean;
  /** The class of the last request that used the model: eviction weighs its reload by it. */
  lastClass: string;
  /** Requests for this model, exponentially decayed (see `demandNow`): frequency and recency in one number. */
  demand: number;
  demandAt: number;
  /** Moving average of lease durations, for Retry-After estimates. */
  holdEwmaMs: number;
  loads: number;
}

export interface Waiter {
  id: string;
  model: string;
  cls: string;
  loadOnly: boolean;
  enqueuedAt: number;
  seq: number;
  /** Set when the waiter first had to wait for a load of its model. */
  coldStart: boolean;
  deadline?: TimerHandle;
  grace?: TimerHandle;
  graceExpired: boolean;
  /** Busy models this waiter claimed to drain; kept across passes so the target does not hop. */
  drainSet?: string[];
}

export interface LeaseRecord {
  id: string;
  model: string;
  cls: string;
  grantedAt: number;
}

export const INITIAL_HOLD_MS = 10_000;

/** Half-life of the demand estimate: long enough to remember a model used every few minutes. */
export const DEMAND_HALF_LIFE_MS = 10 * 60_000;

/** Decayed request count at `now`. */
export function demandNow(m: ModelRecord, now: number): number {
  return m.demand * 2 ** (-(now - m.demandAt) / DEMAND_HALF_LIFE_MS);
}

export function recordDemand(m: ModelRecord, now: number): void {
  m.demand = demandNow(m, now) + 1;
  m.demandAt = now;
}

export function newModelRecord(spec: ModelSpec, now: number): ModelRecord {
  return {
    spec,
    state: 'unloaded',
    op: 0,
    inFlight: new Set(),
    lastUsedAt: now,
    drainRequested: false,
    lastClass: spec.priority,
    demand: 0,
    demandAt: now,
    holdEwmaMs: INITIAL_HOLD_MS,
    loads: 0,
  };
}

/** The footprint counted against the budget: a config override, else measured, else the estimate. */
export function effectiveFootprint(m: ModelRecord): Footprint {
  if (m.spec.footprintSource === 'config') return m.spec.footprint;
  return m.measured ?? m.spec.footprint;
}

/** Loading, ready and unloading models all hold memory until the runtime says otherwise. */
export function isResident(m: ModelRecord): boolean {
  return m.state !== 'unloaded';
}

/** Seconds a client should wait before retrying: queue drain estimate plus a load if one is needed. */
export function retryAfterSeconds(m: ModelRecord, queued: number, leaseSlots = m.spec.parallel): number {
  const slots = Math.max(1, leaseSlots);
  const drainMs = m.holdEwmaMs * Math.ceil((queued + 1) / slots);
  const loadMs = m.state === 'ready' ? 0 : m.spec.expectedLoadMs;
  return Math.min(600, Math.max(1, Math.ceil((drainMs + loadMs) / 1000)));
}

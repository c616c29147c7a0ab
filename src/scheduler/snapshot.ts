// The operations view behind `GET /admin/ps`: per model state, footprint estimated vs measured,
// in-flight, queued, idle time, TTL left; per resource budget and use.

import { budgetLimits, offBudgets, sumFootprints } from './footprint';
import { poolInFlight } from './pools';
import { effectiveFootprint, isResident, type ModelRecord, type Waiter } from './records';
import type { Footprint, ModelState, ResourceBudget } from './types';

export interface ModelSnapshot {
  id: string;
  state: ModelState;
  priority: string;
  pinned: boolean;
  parallel: number;
  /** The lease pool it shares with the other models of its upstream, if any. */
  pool: string | null;
  footprint: { estimated: Footprint; measured?: Footprint; counted: Footprint; source: 'estimate' | 'measured' | 'config' };
  inFlight: number;
  queued: number;
  /** Null while busy or not resident. */
  idleForMs: number | null;
  /** Null when no idle timer runs (busy, pinned, infinite TTL, not resident). */
  ttlLeftMs: number | null;
  /** Fraction of the current load, null when not loading. */
  loadProgress: number | null;
  draining: boolean;
  loads: number;
  lastUsedAt: number;
}

export interface ResourceSnapshot {
  id: string;
  totalBytes: number;
  budgetBytes: number;
  reserveBytes: number;
  limitBytes: number;
  usedBytes: number;
  freeBytes: number;
}

export interface PoolSnapshot {
  id: string;
  /** Leases the pool's models may hold together. */
  size: number;
  inFlight: number;
}

export interface SchedulerSnapshot {
  at: number;
  models: ModelSnapshot[];
  resources: ResourceSnapshot[];
  /** Bytes resident models hold on resources without a budget: reported, not managed. */
  unbudgeted: Footprint;
  pools: PoolSnapshot[];
  inFlight: number;
  queued: number;
}

export interface SnapshotSource {
  now(): number;
  readonly budgets: readonly ResourceBudget[];
  readonly models: ReadonlyMap<string, ModelRecord>;
  readonly waiters: ReadonlyMap<string, Waiter>;
  readonly pools: ReadonlyMap<string, number>;
}

export function buildSnapshot(src: SnapshotSource): SchedulerSnapshot {
  const now = src.now();
  const queuedBy = new Map<string, number>();
  for (const w of src.waiters.values()) queuedBy.set(w.model, (queuedBy.get(w.model) ?? 0) + 1);
  const models = [...src.models.values()].map((m) => modelSnapshot(m, now, queuedBy.get(m.spec.id) ?? 0));
  const resident = [...src.models.values()].filter(isResident).map(effectiveFootprint);
  const used = sumFootprints(resident);
  const limits = budgetLimits(src.budgets);
  const resources = src.budgets.map((b) => ({
    id: b.id,
    totalBytes: b.totalBytes,
    budgetBytes: b.budgetBytes,
    reserveBytes: b.reserveBytes,
    limitBytes: limits[b.id] ?? 0,
    usedBytes: used[b.id] ?? 0,
    freeBytes: (limits[b.id] ?? 0) - (used[b.id] ?? 0),
  }));
  return {
    at: now,
    models,
    resources,
    unbudgeted: sumFootprints(resident.map((f) => offBudgets(f, src.budgets))),
    pools: [...src.pools].map(([id, size]) => ({ id, size, inFlight: poolInFlight(src.models.values(), id) })),
    inFlight: models.reduce((s, m) => s + m.inFlight, 0),
    queued: src.waiters.size,
  };
}

function modelSnapshot(m: ModelRecord, now: number, queued: number): ModelSnapshot {
  const source = m.spec.footprintSource === 'config' ? 'config' : m.measured ? 'measured' : 'estimate';
  return {
    id: m.spec.id,
    state: m.state,
    priority: m.spec.priority,
    pinned: m.spec.pinned === true,
    parallel: m.spec.parallel,
    pool: m.spec.pool ?? null,
    footprint: { estimated: m.spec.footprint, measured: m.measured, counted: effectiveFootprint(m), source },
    inFlight: m.inFlight.size,
    queued,
    idleForMs: m.idleSince === undefined ? null : now - m.idleSince,
    ttlLeftMs: m.ttlDeadline === undefined ? null : Math.max(0, m.ttlDeadline - now),
    loadProgress: m.state === 'loading' ? (m.load?.fraction ?? 0) : null,
    draining: m.drainRequested,
    loads: m.loads,
    lastUsedAt: m.lastUsedAt,
  };
}

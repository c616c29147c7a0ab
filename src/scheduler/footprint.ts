// Resource-vector arithmetic: footprints and free space are per-resource byte counts (RAM, each GPU).
// A missing key is zero, so a CPU-only model and a GPU budget compose without special cases.

import type { Footprint, ResourceBudget, ResourceId } from './types';

type Mutable = Record<ResourceId, number>;

export const EMPTY_FOOTPRINT: Footprint = Object.freeze({});

function keys(...vectors: Footprint[]): ResourceId[] {
  const all = new Set<ResourceId>();
  for (const v of vectors) for (const k of Object.keys(v)) all.add(k);
  return [...all];
}

export function addFootprints(a: Footprint, b: Footprint): Footprint {
  const out: Mutable = {};
  for (const k of keys(a, b)) out[k] = (a[k] ?? 0) + (b[k] ?? 0);
  return out;
}

export function subtractFootprints(a: Footprint, b: Footprint): Footprint {
  const out: Mutable = {};
  for (const k of keys(a, b)) out[k] = (a[k] ?? 0) - (b[k] ?? 0);
  return out;
}

export function sumFootprints(list: Iterable<Footprint>): Footprint {
  let total: Footprint = EMPTY_FOOTPRINT;
  for (const f of list) total = addFootprints(total, f);
  return total;
}

/** Per resource, the part of `need` that `have` does not cover (never negative). */
export function shortfall(need: Footprint, have: Footprint): Footprint {
  const out: Mutable = {};
  for (const k of keys(need)) {
    const missing = (need[k] ?? 0) - Math.max(0, have[k] ?? 0);
    if (missing > 0) out[k] = missing;
  }
  return out;
}

/** Per resource, min(a, b) clamped at zero. */
export function minFootprint(a: Footprint, b: Footprint): Footprint {
  const out: Mutable = {};
  for (const k of keys(a, b)) out[k] = Math.max(0, Math.min(a[k] ?? 0, b[k] ?? 0));
  return out;
}

export function fits(need: Footprint, free: Footprint): boolean {
  return isZero(shortfall(need, free));
}

export function isZero(f: Footprint): boolean {
  return Object.values(f).every((v) => v <= 0);
}

/** Usable bytes per resource: budget minus reserve. */
export function budgetLimits(budgets: readonly ResourceBudget[]): Footprint {
  const out: Mutable = {};
  for (const b of budgets) out[b.id] = Math.max(0, b.budgetBytes - b.reserveBytes);
  return out;
}

/** Resources a footprint holds bytes on that have no budget (a GPU the config does not name). */
export function unbudgeted(need: Footprint, budgets: readonly ResourceBudget[]): ResourceId[] {
  const known = new Set(budgets.map((b) => b.id));
  return Object.entries(need)
    .filter(([k, v]) => v > 0 && !known.has(k))
    .map(([k]) => k);
}

/**
 * The part of a footprint on budgeted resources. Bytes on a resource Aegis was given no budget for
 * are the runtime's business (Ollama places layers on a GPU by itself): placing them against a limit
 * of zero would refuse every model that ever used that GPU.
 */
export function onBudgets(f: Footprint, budgets: readonly ResourceBudget[]): Footprint {
  const out: Mutable = {};
  for (const b of budgets) if (f[b.id] !== undefined) out[b.id] = f[b.id];
  return out;
}

/** The part of a footprint on resources without a budget (reported, never placed). */
export function offBudgets(f: Footprint, budgets: readonly ResourceBudget[]): Footprint {
  const out: Mutable = {};
  for (const k of unbudgeted(f, budgets)) out[k] = f[k];
  return out;
}

/**
 * A footprint from the byte pair runtimes and the registry report (Ollama `/api/ps` size − size_vram
 * and size_vram, `ModelEntry.footprint`): host RAM plus one GPU's VRAM.
 */
export function footprintFromBytes(bytes: { ramBytes?: number; vramBytes?: number }, gpu: ResourceId = 'gpu0'): Footprint {
  const out: Mutable = {};
  if (bytes.ramBytes) out.ram = bytes.ramBytes;
  if (bytes.vramBytes) out[gpu] = bytes.vramBytes;
  return out;
}

// Lease pools: models whose leases share one limit on top of their own parallel slots. The gateway
// puts the models of one upstream in one pool sized to its connections, so a lease never has to wait
// for a socket: that wait would be a second queue, unbounded and invisible to this one.

import type { ModelRecord } from './records';

/** Leases held by the models of `pool`. */
export function poolInFlight(models: Iterable<ModelRecord>, pool: string): number {
  let n = 0;
  for (const m of models) if (m.spec.pool === pool) n += m.inFlight.size;
  return n;
}

/** True when `m` may take one more lease: a slot of its own and room in its pool. */
export function hasFreeSlot(m: ModelRecord, pools: ReadonlyMap<string, number>, models: ReadonlyMap<string, ModelRecord>): boolean {
  if (m.inFlight.size >= m.spec.parallel) return false;
  const pool = m.spec.pool;
  if (pool === undefined) return true;
  const size = pools.get(pool);
  return size === undefined || poolInFlight(models.values(), pool) < size;
}

/** Leases `m` can hold at most: its parallel slots, or its pool's size if smaller. */
export function leaseSlots(m: ModelRecord, pools: ReadonlyMap<string, number>): number {
  const size = m.spec.pool === undefined ? undefined : pools.get(m.spec.pool);
  return Math.min(m.spec.parallel, size ?? Infinity);
}

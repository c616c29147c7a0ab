// A scheduler snapshot for tests of routes that only pass it through (/admin/ps, /status.json).
import type { ModelSnapshot, SchedulerSnapshot } from '../../src/scheduler';

export function schedulerSnapshot(over: Partial<SchedulerSnapshot> = {}): SchedulerSnapshot {
  return { at: 0, models: [], resources: [], unbudgeted: {}, pools: [], inFlight: 0, queued: 0, ...over };
}

export function modelSnapshot(over: Partial<ModelSnapshot> & { id: string }): ModelSnapshot {
  return {
    state: 'ready',
    priority: 'standard',
    pinned: false,
    parallel: 1,
    pool: null,
    footprint: { estimated: { ram: 1 }, counted: { ram: 1 }, source: 'estimate' },
    inFlight: 0,
    queued: 0,
    idleForMs: null,
    ttlLeftMs: null,
    loadProgress: null,
    draining: false,
    loads: 1,
    lastUsedAt: 0,
    ...over,
  };
}

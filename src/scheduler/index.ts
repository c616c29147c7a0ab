// Public surface of src/scheduler: the async Scheduler facade, the synchronous state machine and its
// ports, pure eviction, budget parsing and the GGUF footprint estimate.

export { Scheduler } from './scheduler';
export { modelSpec, physicalId, upstreamTraits, type ModelSpecSource, type UpstreamShape, type UpstreamTraits } from './model-spec';
export { schedulerConfigSchema, type SchedulerConfig } from './config-schema';
export type { AcquireOptions, Lease, ModelRuntime, RevocationListener, SchedulerFacadeOptions } from './scheduler';
export { SchedulerMachine } from './machine';
export type { SchedulerMachineOptions, UnloadStatus } from './machine';
export type { ModelSnapshot, PoolSnapshot, ResourceSnapshot, SchedulerSnapshot } from './snapshot';
export { chooseVictims, evictionCandidates, victimsFor } from './eviction';
export type { CandidateFilter, EvictionCandidate, ResidentView } from './eviction';
export { parseAmount, parseBytes, resolveBudget, resolveBudgets } from './budget';
export type { BudgetValue, BudgetsConfig, GpuBudgetConfig, ParsedAmount, ResourceBudgetConfig } from './budget';
export { estimateFootprint, expectedLoadMs } from './gguf-estimate';
export type { EstimateFootprintOptions, FootprintEstimate, GgufEstimateInput } from './gguf-estimate';
export type { KvCacheType } from './ggml-types';
export { DEFAULT_AGING_STEP_MS, DEFAULT_CLASSES, DEFAULT_DRAIN_AFTER_MS, PriorityTable } from './priority';
export { addFootprints, budgetLimits, fits, footprintFromBytes, shortfall, subtractFootprints, sumFootprints } from './footprint';
export type * from './types';

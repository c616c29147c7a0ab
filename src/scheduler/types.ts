// Shared types of the scheduler: resources, model specs, priority classes, events and the Effects port.
// Everything the state machine needs from the world is declared here so tests can fake it.

import type { GatewayError } from '../core';

/** `ram` for host memory, `gpu0`, `gpu1`, … for each GPU's VRAM. */
export type ResourceId = string;

/** Bytes per resource. A missing key means zero. */
export type Footprint = Readonly<Record<ResourceId, number>>;

/** One resource's limit: usable = budgetBytes − reserveBytes. */
export interface ResourceBudget {
  id: ResourceId;
  /** What the machine has (for the snapshot; 0 if unknown). */
  totalBytes: number;
  /** Absolute budget, or the fraction of `totalBytes` resolved to bytes. */
  budgetBytes: number;
  /** Headroom kept free inside the budget (driver allocations, OS, the gateway itself). */
  reserveBytes: number;
}

/** What the scheduler knows about one model. The registry entry and the policy decide it, never the client. */
export interface ModelSpec {
  id: string;
  /** Estimated bytes per resource before the first load (GGUF estimate or config). */
  footprint: Footprint;
  /** `config` footprints are operator overrides: a measured size never replaces them. */
  footprintSource?: 'estimate' | 'config';
  /** Default priority class of requests for this model. */
  priority: string;
  /** Idle TTL in ms; `Infinity` never unloads; undefined takes the class default. */
  ttlMs?: number;
  /** Pinned models are never evicted and never unloaded by a TTL. */
  pinned?: boolean;
  /** The runtime's parallel slots: the per-model concurrency limit. */
  parallel: number;
  /**
   * The lease pool the model shares with others (its upstream's connection pool): their leases
   * together stay within the pool's size (`SchedulerOptions.pools`, `setPool`). None: no shared limit.
   */
  pool?: string;
  /** Expected cold-load time, used for victim cost, progress estimates and Retry-After. */
  expectedLoadMs: number;
  /** Per-model queue bound; undefined takes the scheduler default. */
  maxQueue?: number;
}

export interface PriorityClass {
  /** 0 is the most important class; aging lowers a waiting request's rank over time. */
  rank: number;
  /** Multiplies a model's reload cost when choosing eviction victims. */
  weight: number;
  /** How long a request of this class may wait for a lease before 503 queue_timeout. */
  maxQueueWaitMs: number;
  /** Idle TTL for models of this class unless the model sets its own. */
  idleTtlMs: number;
}

export interface PreemptionOptions {
  enabled: boolean;
  /** How long a blocked higher-class request waits before it preempts lower-class work. */
  graceMs: number;
}

export interface SchedulerOptions {
  budgets: ResourceBudget[];
  classes?: Record<string, PriorityClass>;
  /** Class for requests and models naming an unknown class. */
  defaultClass?: string;
  /** A waiting request gains one rank per `agingStepMs` waited (continuously), so nothing starves. */
  agingStepMs?: number;
  /**
   * How long a request that needs memory waits for some model to go idle before it claims busy ones
   * (less urgent requests get no new leases on them until they drain). Default 60 s; Infinity never claims.
   */
  drainAfterMs?: number;
  maxQueuePerModel?: number;
  maxQueueTotal?: number;
  /** Lease pools by id → how many leases their models may hold together (see `ModelSpec.pool`). */
  pools?: Record<string, number>;
  /**
   * Loads running at once. Concurrent loads share disk bandwidth, so running them one after another
   * (most important first) finishes the first sooner and the last no later. Default 1.
   */
  maxConcurrentLoads?: number;
  preemption?: Partial<PreemptionOptions>;
  /** Period of estimated progress events while a runtime reports none. */
  progressTickMs?: number;
}

export type ModelState = 'unloaded' | 'loading' | 'ready' | 'unloading';

export type UnloadReason = 'ttl' | 'evict' | 'admin' | 'preempt';

/** Why a model left memory, in the audit's words: `evict` made room (budget), `admin` was asked (manual). */
export type EvictionReason = 'budget' | 'ttl' | 'preemption' | 'manual';

/**
 * What the scheduler decided, as it decides it. Evictions and preemptions are decisions an operator
 * must be able to account for after the fact (the gateway audits them); loads and rejections are
 * reported for metrics (load duration, rejections by reason).
 */
export type SchedulerEvent =
  | {
      type: 'eviction';
      model: string;
      reason: EvictionReason;
      /** What the runtime gives back: the model's footprint, unbudgeted resources included. */
      freed: Footprint;
      /** The model the room is made for (budget and preemption evictions). */
      forModel?: string;
    }
  | {
      type: 'preemption';
      model: string;
      /** The more important request's model and class. */
      byModel: string;
      byPriority: string;
      /** Classes of the leases taken back, one entry per lease. */
      revoked: string[];
      freed: Footprint;
    }
  | { type: 'load'; model: string; outcome: 'ok' | 'failed'; durationMs: number }
  | {
      type: 'rejection';
      model: string;
      /** The GatewayError code the waiting request ended with (queue_full, queue_timeout, …). */
      reason: string;
    };

/** Progress of the load a waiting request depends on (the gateway renders SSE comments from it). */
export type LoadProgress = { kind: 'loading'; model: string; fraction: number; estimated: boolean; expectedMs: number } | { kind: 'ready'; model: string };

export interface Grant {
  requestId: string;
  model: string;
  /** True for admin `load()` requests: the model is resident, no slot was taken. */
  loadOnly: boolean;
  waitedMs: number;
  /** The request waited for a load of its model. */
  coldStart: boolean;
}

export interface RequestEvent {
  id: string;
  model: string;
  /** Class decided by the registry entry and the policy; undefined uses the model's class. */
  priority?: string;
  /** Admin load: wait until the model is resident, take no slot. */
  loadOnly?: boolean;
}

export type LoadResult = { ok: true; measured?: Footprint } | { ok: false; error: unknown };

/** A model a runtime already holds when Aegis starts. */
export interface ResidentModel {
  model: string;
  /** Measured bytes per resource (Ollama `/api/ps` size/size_vram, runner RSS). */
  footprint?: Footprint;
}

/** Every side effect of the state machine. Calls are synchronous; slow work reports back through `on*`. */
export interface SchedulerEffects {
  startLoad(model: string, loadId: number): void;
  startUnload(model: string, unloadId: number, reason: UnloadReason): void;
  grant(grant: Grant): void;
  /** A waiting request ends without a lease (queue_full, queue_timeout, model_load_failed, …). */
  fail(requestId: string, error: GatewayError): void;
  /** A granted lease is taken back (preemption): the gateway must cut the upstream request. */
  revoke(requestId: string, error: GatewayError): void;
  progress(requestId: string, event: LoadProgress): void;
  /** An eviction, preemption or finished load (for the audit log and metrics). */
  report(event: SchedulerEvent): void;
}

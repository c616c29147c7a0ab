// Priority classes and aging. Classes come from the model entry and the policy decision; a waiting
// request's effective rank improves with time so a flood of important work cannot starve the rest.

import type { PriorityClass } from './types';

const MINUTE = 60_000;

/** Defaults: TTLs between Ollama's 5 min and LM Studio's 60 min; waits long enough to cover a cold load. */
export const DEFAULT_CLASSES: Readonly<Record<string, PriorityClass>> = Object.freeze({
  critical: { rank: 0, weight: 4, maxQueueWaitMs: 60_000, idleTtlMs: 60 * MINUTE },
  standard: { rank: 1, weight: 2, maxQueueWaitMs: 120_000, idleTtlMs: 30 * MINUTE },
  batch: { rank: 2, weight: 1, maxQueueWaitMs: 10 * MINUTE, idleTtlMs: 10 * MINUTE },
});

/**
 * Each class rank is worth this much waiting: a standard request that has waited 2 s ranks with a
 * fresh critical one. Chosen on 20 seeds of bench/results/scheduler-sim.md: longer head starts cut
 * critical p99 further but lengthen the pooled tail past FIFO's (DESIGN.md, "Decisions").
 */
export const DEFAULT_AGING_STEP_MS = 2_000;

/**
 * How long a request waits for memory to free up on its own before it claims busy models. Claims
 * prevent starvation but cost throughput under overload (bench/results/scheduler-sim.md).
 */
export const DEFAULT_DRAIN_AFTER_MS = 60_000;

export class PriorityTable {
  constructor(
    private readonly classes: Readonly<Record<string, PriorityClass>>,
    private readonly fallback: string,
    private readonly agingStepMs: number,
  ) {
    if (!classes[fallback]) throw new Error(`default priority class "${fallback}" is not defined`);
    if (agingStepMs <= 0) throw new Error('agingStepMs must be positive');
  }

  /** The class name actually used: unknown names fall back rather than failing the request. */
  resolve(name: string | undefined): string {
    return name !== undefined && this.classes[name] ? name : this.fallback;
  }

  get(name: string | undefined): PriorityClass {
    return this.classes[this.resolve(name)]!;
  }

  /**
   * Rank after aging, continuously: one rank better per `agingStepMs` waited (may go below 0). Ordering
   * by it is ordering by arrival time with each class rank counting as `agingStepMs` of lateness, so a
   * class is a head start, never a wall: no quantisation steps where a burst leapfrogs at once.
   */
  effectiveRank(name: string, waitedMs: number): number {
    return this.get(name).rank - Math.max(0, waitedMs) / this.agingStepMs;
  }

  /** The least important class: what unknown resident models found at start-up get. */
  lowest(): string {
    const names = Object.keys(this.classes);
    return names.reduce((a, b) => (this.classes[b]!.rank > this.classes[a]!.rank ? b : a), this.fallback);
  }

  /** The more important of two classes (lower rank). */
  higher(a: string, b: string): string {
    return this.get(a).rank <= this.get(b).rank ? this.resolve(a) : this.resolve(b);
  }
}

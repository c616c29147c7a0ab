// The shape of one benchmark run as stored in bench/results/<date>-<sha>.json, and the derived
// figures (medians over rounds, gateway minus direct per percentile) the report and verdicts use.
import type { MachineInfo } from './machine';
import type { OpenLoopResult } from './open-loop';
import type { BenchOptions } from './options';
import type { DoorCheck, PipelineCheck, StageCheck } from './pipeline-check';
import type { PolicyProbeResult } from './policy-probe';
import type { ProfileSummary, StageCost } from './profile';
import type { PreviousRun } from './compare';
import type { SaturationResult } from './saturation';
import type { StreamLoadResult } from './sse-load';
import { median, medianIqr } from './stats';
import type { TargetId } from './targets';

export interface TargetInfo {
  id: TargetId;
  label: string;
  failure?: string;
  streamFailure?: string;
  /** RSS right after startup and smoke test. */
  idleRssMiB?: number;
}

export type Skipped = { skipped: string };
export type RoundOf<T> = T | Skipped;

export interface FixedRatePoint {
  /** As given: ≤ 1 is a fraction of direct's max RPS (of Aegis full's for `doorRate`). */
  spec: number;
  rate: number;
  label: string;
  /** Per target, one entry per round. */
  rounds: Partial<Record<TargetId, RoundOf<OpenLoopResult>[]>>;
}

export interface HoldResult {
  seconds: number;
  streams: number;
  load: StreamLoadResult;
  idleRssMiB: number;
  /** RSS when the hold window starts (after ramp and settle), at its end, and its peak. */
  rssStartMiB: number;
  rssEndMiB: number;
  rssMaxMiB: number;
  /** Least-squares RSS slope over the second half of the hold window ("after plateau"). */
  rssSlopeMiBPerMin: number;
  rssSlopeWholeMiBPerMin: number;
  /** RSS after the short hold's length (--other-hold) into the window: comparable across targets. */
  rssAtCommonMiB: number;
  cores: number;
  mockCores: number;
  /** Busy fraction of each CPU over the whole hold (everyone's work): core 0 near 1.0 = harness-bound. */
  coreBusy: number[];
  /** Fewest streams open at any sample inside the hold window. */
  minOpen: number;
  samples: { t: number; rssMiB: number; open: number }[];
}

export interface RunResults {
  version: 1;
  /** The command line of the run (older files lack it). */
  command?: string;
  machine: MachineInfo;
  options: BenchOptions;
  startedAt: string;
  /** sourceStamp() of src/ when the targets started. */
  sourceStamp?: string;
  durationSeconds: number;
  phaseSeconds: Record<string, number>;
  targets: TargetInfo[];
  pipeline: Partial<Record<TargetId, PipelineCheck>>;
  /** Aegis full's front doors, checked before measuring (older files lack it). */
  doors?: Partial<Record<TargetId, DoorCheck>>;
  saturation: Partial<Record<TargetId, RoundOf<SaturationResult>[]>>;
  fixedRates: FixedRatePoint[];
  /** Aegis full's front doors and chat at one rate below its capacity (`--door-rate`; older files lack it). */
  doorRate?: FixedRatePoint;
  /** The wave-2 stage shapes, checked before measuring (issue 28; older files lack it). */
  stages?: Partial<Record<TargetId, StageCheck>>;
  /** Issue 28's latency rates: fractions of Aegis full's own max RPS (older files lack it). */
  ownRates?: FixedRatePoint[];
  streaming: Partial<Record<TargetId, RoundOf<StreamLoadResult>[]>>;
  hold: Partial<Record<TargetId, RoundOf<HoldResult>>>;
  policy?: PolicyProbeResult;
  profile?: ProfileSummary & {
    file?: string;
    error?: string;
    rps?: number;
    failed?: number;
    /** µs of the profiled process per request by pipeline stage, one entry per request shape profiled (issue 28). */
    stageCosts?: StageCost[];
  };
  /** The previous full run's comparable rows, read when this run's files were written (issue 28). */
  previous?: PreviousRun;
  errors: string[];
  teardown: { childrenLeft: number };
}

export function measured<T>(rounds: RoundOf<T>[] | undefined): T[] {
  return (rounds ?? []).filter((r): r is T => !(typeof r === 'object' && r !== null && 'skipped' in r));
}

export function skippedWhy<T>(rounds: RoundOf<T>[] | RoundOf<T> | undefined): string | undefined {
  const list = Array.isArray(rounds) ? rounds : rounds === undefined ? [] : [rounds];
  const s = list.find((r): r is Skipped => typeof r === 'object' && r !== null && 'skipped' in r);
  return s?.skipped;
}

export function maxRps(r: RunResults, id: TargetId): { median: number; q1: number; q3: number; n: number } {
  return medianIqr(measured(r.saturation[id]).map((s) => s.rps));
}

/** Median over rounds of (target − direct) for one percentile of a round result. */
export function addedPerRound<T>(target: RoundOf<T>[] | undefined, direct: RoundOf<T>[] | undefined, pick: (t: T) => number): number {
  const diffs: number[] = [];
  (target ?? []).forEach((t, i) => {
    const d = direct?.[i];
    if (!t || !d || 'skipped' in (t as object) || 'skipped' in (d as object)) return;
    diffs.push(pick(t as T) - pick(d as T));
  });
  return median(diffs);
}

export function medianOf<T>(rounds: RoundOf<T>[] | undefined, pick: (t: T) => number): number {
  return median(measured(rounds).map(pick));
}

// The interleaved measurement phases: in every round each target runs in turn (the order rotates
// per round), after a warm-up, so slow drift of a shared box hits all targets alike.
import { request } from 'undici';
import { setMock, type Fleet } from './fleet';
import { openLoop, type OpenLoopResult } from './open-loop';
import { doorRounds, type BenchOptions } from './options';
import { maxRps, type FixedRatePoint, type RoundOf, type RunResults } from './results';
import { saturate, warmUp, type SaturationResult } from './saturation';
import { streamLoad } from './sse-load';
import { isStageTarget, processOf, type Target, type TargetId } from './targets';

export type Log = (line: string) => void;

function rotate<T>(list: T[], by: number): T[] {
  const k = by % Math.max(1, list.length);
  return [...list.slice(k), ...list.slice(0, k)];
}

function push<T>(map: Partial<Record<TargetId, T[]>>, id: TargetId, value: T): void {
  (map[id] ??= []).push(value);
}

/** One whole request to `t`: its status and the start of its body. */
export async function probeOnce(t: Target): Promise<string> {
  try {
    const res = await request(`${t.url}${t.path}`, { method: 'POST', headers: t.headers, body: t.shape.whole, headersTimeout: 10_000, bodyTimeout: 10_000 });
    return `HTTP ${res.statusCode} ${String(res.headers['x-aegis-context'] ?? '')}: ${(await res.body.text()).slice(0, 300)}`;
  } catch (err) {
    return (err as Error).message;
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export async function saturationPhase(fleet: Fleet, o: BenchOptions, out: RunResults, log: Log): Promise<void> {
  await setMock(fleet.mockUrl, { delayMs: 0, tokens: o.stream.tokens });
  const live = fleet.targets.filter((t) => !t.failure);
  for (const t of live) await warmUp(t, o.initialWarmupSeconds, o.connections).catch(() => {});
  for (let round = 0; round < o.rounds; round++) {
    for (const t of rotate(live, round)) {
      try {
        await warmUp(t, o.warmupSeconds, o.connections);
        const r = await saturate(t, { connections: o.connections, seconds: o.saturationSeconds, mockPid: fleet.mock.pid });
        push(out.saturation, t.id, r);
        // The run keeps no answers: one more request says what the failing ones were.
        if (r.non2xx + r.errors + r.timeouts > 0)
          out.errors.push(
            `saturation r${round + 1} ${t.id}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts; one request after it: ${await probeOnce(t)}`,
          );
        log(
          `  saturation r${round + 1} ${t.id.padEnd(15)} ${fmt(r.rps)} rps  p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms  errors ${r.errors + r.non2xx + r.timeouts}  target ${fmt(r.targetCores, 2)} cores, core busy ${r.coreBusy.map((b) => fmt(b, 2)).join('/')}`,
        );
      } catch (err) {
        push<RoundOf<SaturationResult>>(out.saturation, t.id, { skipped: `failed: ${(err as Error).message}` });
      }
    }
  }
}

/** Rates from their specs: fractions of direct's median max RPS, or absolute rates. */
export function ratePoints(o: BenchOptions, out: RunResults): FixedRatePoint[] {
  const direct = maxRps(out, 'direct').median;
  return o.rates
    .map((spec) => {
      const rate = spec <= 1 ? Math.round(spec * direct) : spec;
      const label = spec <= 1 ? `${Math.round(spec * 100)} % of direct max (${rate} RPS)` : `${rate} RPS`;
      return { spec, rate, label, rounds: {} };
    })
    .filter((p) => Number.isFinite(p.rate) && p.rate > 0);
}

export async function fixedRatePhase(fleet: Fleet, o: BenchOptions, out: RunResults, log: Log): Promise<void> {
  await setMock(fleet.mockUrl, { delayMs: 0, tokens: o.stream.tokens });
  out.fixedRates = ratePoints(o, out);
  // Aegis full's other front doors are compared with chat at their own rate (doorRatePhase).
  const live = fleet.targets.filter((t) => !t.failure && processOf(t.id) === t.id);
  await measurePoints(out.fixedRates, live, o.quick ? 1 : o.rounds, { o, out, log, capped: true });
}

/** One target at a point's rate: a warm-up, then the measured run, logged; a failure is kept as a skip. */
async function measureAt(t: Target, point: FixedRatePoint, round: number, o: BenchOptions, log: Log): Promise<void> {
  try {
    await openLoop(t, { rate: point.rate, seconds: Math.min(1, o.warmupSeconds) });
    const r = await openLoop(t, { rate: point.rate, seconds: o.rateSeconds });
    push(point.rounds, t.id, r);
    log(
      `  ${point.label} r${round + 1} ${t.id.padEnd(15)} p50 ${fmt(r.latency.p50, 3)} ms p99 ${fmt(r.latency.p99, 3)} ms  achieved ${fmt(r.achievedRps)} rps  errors ${r.errors} dropped ${r.dropped}`,
    );
  } catch (err) {
    push<RoundOf<OpenLoopResult>>(point.rounds, t.id, { skipped: `failed: ${(err as Error).message}` });
  }
}

/**
 * Every point, in interleaved rounds over `live`. `capped`: a gateway is skipped at a rate above
 * 90 % of its own max RPS (it would measure queueing, not overhead).
 */
async function measurePoints(
  points: readonly FixedRatePoint[],
  live: Target[],
  rounds: number,
  { o, out, log, capped }: { o: BenchOptions; out: RunResults; log: Log; capped: boolean },
): Promise<void> {
  for (const point of points) {
    for (let round = 0; round < rounds; round++) {
      for (const t of rotate(live, round)) {
        const capacity = capped ? maxRps(out, t.id).median : Number.POSITIVE_INFINITY;
        if (t.id !== 'direct' && point.rate > 0.9 * capacity) {
          push(point.rounds, t.id, { skipped: `above this target's capacity (max ${fmt(capacity)} RPS)` });
          continue;
        }
        await measureAt(t, point, round, o, log);
      }
    }
  }
}

/**
 * Chat and the other front doors of Aegis full at one rate well below its capacity (a fraction of
 * its own max RPS, not direct's), interleaved, in at least three rounds even in --quick: the doors' latency
 * verdict compares them here, where a difference is the door's work rather than queueing.
 */
export async function doorRatePhase(fleet: Fleet, o: BenchOptions, out: RunResults, log: Log): Promise<void> {
  const live = fleet.targets.filter((t) => !t.failure && processOf(t.id) === 'aegis-full' && !isStageTarget(t.id));
  const capacity = maxRps(out, 'aegis-full').median;
  if (live.length < 2 || !live.some((t) => t.id === 'aegis-full') || !Number.isFinite(capacity)) return;
  await setMock(fleet.mockUrl, { delayMs: 0, tokens: o.stream.tokens });
  const rate = Math.max(1, Math.round(o.doorRate * capacity));
  const point: FixedRatePoint = { spec: o.doorRate, rate, label: `${Math.round(o.doorRate * 100)} % of Aegis full's max (${rate} RPS)`, rounds: {} };
  out.doorRate = point;
  await measurePoints([point], live, doorRounds(o), { o, out, log, capped: false });
}

/**
 * Issue 28's latency rows: direct, thin and Aegis full (and the other process targets that can carry
 * it) at fractions of Aegis full's own max RPS, interleaved, at least three rounds even in --quick.
 * Unlike the fixed rates (fractions of direct's max, above Aegis full's one-core capacity), every
 * gateway here runs below saturation, so Aegis full − thin per round is Aegis' own work.
 */
export async function ownRatePhase(fleet: Fleet, o: BenchOptions, out: RunResults, log: Log): Promise<void> {
  const capacity = maxRps(out, 'aegis-full').median;
  const live = fleet.targets.filter((t) => !t.failure && processOf(t.id) === t.id);
  if (!live.some((t) => t.id === 'aegis-full') || !Number.isFinite(capacity)) return;
  await setMock(fleet.mockUrl, { delayMs: 0, tokens: o.stream.tokens });
  out.ownRates = o.ownRates
    .filter((f) => f > 0 && f <= 1)
    .map((spec) => {
      const rate = Math.max(1, Math.round(spec * capacity));
      return { spec, rate, label: `${Math.round(spec * 100)} % of Aegis full's max (${rate} RPS)`, rounds: {} };
    });
  await measurePoints(out.ownRates, live, doorRounds(o), { o, out, log, capped: true });
}

export async function streamingPhase(fleet: Fleet, o: BenchOptions, out: RunResults, log: Log): Promise<void> {
  await setMock(fleet.mockUrl, { ...o.stream });
  // The stage shapes are max-RPS rows (and profiled); their streams are not timed.
  const live = fleet.targets.filter((t: Target) => !t.failure && !isStageTarget(t.id));
  const rounds = o.quick ? 1 : o.rounds;
  for (let round = 0; round < rounds; round++) {
    for (const t of rotate(live, round)) {
      if (t.streamFailure) {
        push(out.streaming, t.id, { skipped: t.streamFailure });
        continue;
      }
      const load = { concurrency: o.streamConcurrency, expectedTokens: o.stream.tokens, stallMs: 10 * o.stream.gapMs };
      await streamLoad(t, { ...load, seconds: Math.min(1, o.warmupSeconds) });
      const r = await streamLoad(t, { ...load, seconds: o.streamSeconds });
      push(out.streaming, t.id, r);
      log(
        `  streaming r${round + 1} ${t.id.padEnd(15)} ttft p50 ${fmt(r.ttft.p50, 2)} ms  gap p50 ${fmt(r.gap.p50, 3)} ms  streams ${r.streams} errors ${r.errors}`,
      );
    }
  }
}

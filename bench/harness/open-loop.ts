// Fixed-rate (open-loop) load: requests are sent on a schedule whatever the answers do, each timed
// with microsecond resolution. autocannon's `-R` mode is not used for this: it sends each second's
// quota in a burst, stores latency in whole milliseconds and back-fills synthetic values for
// coordinated omission, which gave p50 below the upstream delay here (benchmarking.md §3, pitfall 2).
import { Pool } from 'undici';
import { CoreMeter, coresUsed, readProc } from './proc-stats';
import { Samples, percentile, summarize, type Percentiles } from './stats';
import type { Target } from './targets';

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Client connections (undici opens them as needed). */
  connections?: number;
  /** Requests beyond this many in flight are dropped and counted (the target is overloaded). */
  maxInFlight?: number;
  drainMs?: number;
}

export interface OpenLoopResult {
  rate: number;
  achievedRps: number;
  ok: number;
  errors: number;
  dropped: number;
  unfinished: number;
  /** From the moment the request was handed to the client (ms). */
  latency: Percentiles;
  /** From the moment it was scheduled: includes any lag of the generator or queueing (ms). */
  latencyFromSchedule: Percentiles;
  /** How late the generator sent, p99 (ms): large values mean the generator, not the target, lagged. */
  sendLagP99Ms: number;
  targetCores: number;
  /** Busy fraction of each CPU during the run (everyone's work). */
  coreBusy: number[];
}

export async function openLoop(
  target: Target,
  { rate, seconds, connections = 128, maxInFlight = 2_000, drainMs = 5_000 }: OpenLoopOptions,
): Promise<OpenLoopResult> {
  const pool = new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const body = target.shape.whole;
  const total = Math.max(1, Math.floor(rate * seconds));
  const interval = 1_000 / rate;
  const latency = new Samples();
  const fromSchedule = new Samples();
  const lag = new Samples();
  let ok = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  let closed = false;
  const cpuBefore = readProc(target.pid);
  const meter = new CoreMeter();
  const start = performance.now() + 2;

  const fire = (intended: number) => {
    const sent = performance.now();
    lag.add(sent - intended);
    inFlight++;
    pool
      .request({ path: target.path, method: 'POST', headers: target.headers, body })
      .then(async (res) => {
        await res.body.text();
        if (closed) return;
        const end = performance.now();
        if (res.statusCode === 200) {
          ok++;
          latency.add(end - sent);
          fromSchedule.add(end - intended);
        } else errors++;
      })
      .catch(() => {
        if (!closed) errors++;
      })
      .finally(() => inFlight--);
  };

  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < total && start + i * interval <= now) {
        const intended = start + i * interval;
        i++;
        if (inFlight >= maxInFlight) dropped++;
        else fire(intended);
      }
      if (i < total) setTimeout(tick, Math.max(0, start + i * interval - performance.now() - 0.5));
      else resolve();
    };
    setTimeout(tick, 1);
  });
  const scheduledEnd = performance.now();
  const deadline = scheduledEnd + drainMs;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (performance.now() - start) / 1000;
  const targetCores = coresUsed(cpuBefore, readProc(target.pid), elapsed);
  const coreBusy = meter.read();
  closed = true;
  const unfinished = inFlight;
  await pool.destroy().catch(() => {});
  return {
    rate,
    achievedRps: ok / ((scheduledEnd - start) / 1000),
    ok,
    errors,
    dropped,
    unfinished,
    latency: summarize(latency.sorted()),
    latencyFromSchedule: summarize(fromSchedule.sorted()),
    sendLagP99Ms: percentile(lag.sorted(), 99),
    targetCores,
    coreBusy,
  };
}

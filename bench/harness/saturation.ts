// Maximum request rate: autocannon, closed loop at a fixed number of connections, non-streaming,
// with the target's CPU use over the run read from /proc (≈ 1 core means the target was the limit).
import autocannon from 'autocannon';
import { CoreMeter, coresUsed, readProc } from './proc-stats';
import type { Target } from './targets';

export interface SaturationResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  /** autocannon latency (1 ms resolution: its histogram stores whole milliseconds). */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  /** Cores the target process used during the run. */
  targetCores: number;
  mockCores: number;
  /** Busy fraction of each CPU during the run (everyone's work), to show a shared box's noise. */
  coreBusy: number[];
}

export interface SaturationOptions {
  connections: number;
  seconds: number;
  mockPid: number;
}

export async function saturate(target: Target, { connections, seconds, mockPid }: SaturationOptions): Promise<SaturationResult> {
  const before = readProc(target.pid);
  const mockBefore = readProc(mockPid);
  const meter = new CoreMeter();
  const started = performance.now();
  const r = await autocannon({
    url: `${target.url}${target.path}`,
    method: 'POST',
    headers: target.headers,
    body: target.shape.whole,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
  });
  const elapsed = (performance.now() - started) / 1000;
  return {
    rps: r['2xx'] / (r.duration || seconds),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
    targetCores: coresUsed(before, readProc(target.pid), elapsed),
    mockCores: target.pid === mockPid ? Number.NaN : coresUsed(mockBefore, readProc(mockPid), elapsed),
    coreBusy: meter.read(),
  };
}

/** A short unmeasured run so JIT, connection pools and caches are warm. */
export async function warmUp(target: Target, seconds: number, connections: number): Promise<void> {
  if (seconds <= 0) return;
  await autocannon({
    url: `${target.url}${target.path}`,
    method: 'POST',
    headers: target.headers,
    body: target.shape.whole,
    connections,
    duration: seconds,
    timeout: 10,
  });
}

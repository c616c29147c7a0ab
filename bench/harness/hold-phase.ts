// 1,000 (by default) concurrent open streams held for a while: RSS and CPU of the target sampled
// every second, errors and stalls counted, and the RSS slope over the hold window as the growth check.
import { setMock, type Fleet } from './fleet';
import type { BenchOptions } from './options';
import type { Log } from './phases';
import { CoreMeter, ProcSampler, readProc } from './proc-stats';
import type { HoldResult, RunResults } from './results';
import { streamLoad, type StreamLoadState } from './sse-load';
import { slope } from './stats';
import { processOf, type Target } from './targets';

const RAMP_MS = 3_000;

/** Seconds after the ramp before the hold window opens (connections, pools and heap settle). */
const settleSeconds = (hold: number) => (hold >= 120 ? 15 : 2);

export async function holdOne(fleet: Fleet, t: Target, o: BenchOptions, seconds: number): Promise<HoldResult> {
  const idle = readProc(t.pid)?.rssMiB ?? Number.NaN;
  const state: StreamLoadState = { open: 0 };
  const sampler = new ProcSampler(t.pid);
  const mockSampler = t.pid === fleet.mock.pid ? undefined : new ProcSampler(fleet.mock.pid);
  const opens: { t: number; open: number }[] = [];
  const started = performance.now();
  const openTimer = setInterval(() => opens.push({ t: (performance.now() - started) / 1000, open: state.open }), 1_000);
  const total = RAMP_MS / 1000 + settleSeconds(seconds) + seconds;
  const meter = new CoreMeter();
  const load = await streamLoad(
    t,
    { concurrency: o.holdStreams, seconds: total, expectedTokens: o.hold.tokens, stallMs: 10 * o.hold.gapMs, rampMs: RAMP_MS, cutAtDeadline: true },
    state,
  );
  clearInterval(openTimer);
  const coreBusy = meter.read();
  const samples = sampler.stop();
  const mockSamples = mockSampler?.stop() ?? [];
  const from = RAMP_MS / 1000 + settleSeconds(seconds);
  const window = samples.filter((s) => s.t >= from && s.t <= total);
  const first = window[0];
  const last = window.at(-1);
  const mockWindow = mockSamples.filter((s) => s.t >= from && s.t <= total);
  const cores = (w: typeof samples) => (w.length > 1 ? (w.at(-1)!.cpuSeconds - w[0]!.cpuSeconds) / (w.at(-1)!.t - w[0]!.t) : Number.NaN);
  const openInWindow = opens.filter((x) => x.t >= from && x.t <= total - 1).map((x) => x.open);
  return {
    seconds,
    streams: o.holdStreams,
    load,
    idleRssMiB: idle,
    rssStartMiB: first?.rssMiB ?? Number.NaN,
    rssEndMiB: last?.rssMiB ?? Number.NaN,
    rssMaxMiB: window.length ? Math.max(...window.map((s) => s.rssMiB)) : Number.NaN,
    // "After plateau" (benchmarking.md D3): V8 grows its heap for a while under a new load, so
    // growth is judged on the second half of the window; the whole-window slope is kept too.
    rssSlopeMiBPerMin: slope(window.filter((s) => s.t >= from + seconds / 2).map((s) => [s.t / 60, s.rssMiB] as const)),
    rssSlopeWholeMiBPerMin: slope(window.map((s) => [s.t / 60, s.rssMiB] as const)),
    rssAtCommonMiB: window.find((s) => s.t >= from + o.otherHoldSeconds - 0.5)?.rssMiB ?? last?.rssMiB ?? Number.NaN,
    cores: cores(window),
    mockCores: cores(mockWindow),
    coreBusy,
    minOpen: openInWindow.length ? Math.min(...openInWindow) : 0,
    samples: samples.map((s) => ({
      t: Math.round(s.t * 10) / 10,
      rssMiB: Math.round(s.rssMiB * 10) / 10,
      open: opens.find((x) => Math.abs(x.t - s.t) < 0.6)?.open ?? -1,
    })),
  };
}

/** Aegis full gets the long hold; the others a short one for the RSS/CPU comparison. */
export async function holdPhase(fleet: Fleet, o: BenchOptions, out: RunResults, log: Log): Promise<void> {
  await setMock(fleet.mockUrl, { ...o.hold });
  const order = [...fleet.targets].sort((a, b) => Number(b.id === 'aegis-full') - Number(a.id === 'aegis-full'));
  for (const t of order) {
    if (processOf(t.id) !== t.id) {
      out.hold[t.id] = { skipped: 'the same process as Aegis full, held through chat' };
      continue;
    }
    if (t.failure || t.streamFailure) {
      out.hold[t.id] = { skipped: t.failure ?? t.streamFailure! };
      continue;
    }
    const seconds = t.id === 'aegis-full' ? o.holdSeconds : o.otherHoldSeconds;
    log(`  hold ${t.id}: ${o.holdStreams} streams for ${seconds} s (+ ${RAMP_MS / 1000 + settleSeconds(seconds)} s ramp and settle)`);
    try {
      const h = await holdOne(fleet, t, o, seconds);
      out.hold[t.id] = h;
      log(
        `  hold ${t.id.padEnd(15)} rss ${h.rssStartMiB.toFixed(0)} → ${h.rssEndMiB.toFixed(0)} MiB (max ${h.rssMaxMiB.toFixed(0)}, slope ${h.rssSlopeMiBPerMin.toFixed(2)} MiB/min)  cpu ${h.cores.toFixed(2)} cores  errors ${h.load.errors}  min open ${h.minOpen}`,
      );
    } catch (err) {
      out.hold[t.id] = { skipped: `failed: ${(err as Error).message}` };
    }
    // Let the closed sockets drain before the next target starts its ramp.
    await new Promise((r) => setTimeout(r, 500));
  }
}

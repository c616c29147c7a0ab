// A CPU profile of Aegis (full pipeline) at saturation: a separate instance started with
// --cpu-prof, driven by autocannon, stopped with SIGTERM so V8 writes the profile on exit.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTarget, startAegis } from './fleet';
import type { BenchOptions } from './options';
import type { Log } from './phases';
import { repoRoot, stopChild } from './processes';
import { stageCosts, summarizeProfile, type ProfileSegment } from './profile';
import type { RunResults } from './results';
import { saturate, warmUp } from './saturation';
import { request } from 'undici';
import { fullPipelineConfig, STAGE_TARGETS, type Target, type TargetId } from './targets';
import type { StageShape } from './workload';

const nowUs = () => Number(process.hrtime.bigint() / 1_000n);

async function probe(target: Target): Promise<string> {
  try {
    const res = await request(`${target.url}${target.path}`, {
      method: 'POST',
      headers: target.headers,
      body: target.shape.whole,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    return `HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function profilePhase(
  mockUrl: string,
  mockPid: number,
  workDir: string,
  o: BenchOptions,
  out: RunResults,
  copyTo: string,
  log: Log,
  /** Stage shapes profiled after chat, each in a saturation run of its own (issue 28's stage costs). */
  shapes: StageShape[] = [],
): Promise<void> {
  const dir = join(workDir, 'cpu-prof');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(workDir, 'profiled'), { recursive: true });
  const { child, url } = await startAegis({
    name: 'aegis-profiled',
    // Its own work dir: the RAG spool is locked by the process that opened it (aegis-full).
    config: fullPipelineConfig(mockUrl, join(workDir, 'profiled')),
    workDir,
    pin: o.pin,
    // No --cpu-prof-name: tsx's loader-hooks thread writes a profile too, and with one fixed name
    // the idle hooks thread's profile would overwrite the main thread's.
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  let rps: number | undefined;
  let failed = 0;
  const segments: ProfileSegment[] = [];
  try {
    // Chat (the common case) first: the hot spots below are its. Then each stage shape, windowed
    // by the profiler's clock (process.hrtime, the same in this process).
    const runs: [string, TargetId][] = [['chat', 'aegis-full'], ...shapes.map((s): [string, TargetId] => [s, STAGE_TARGETS[s]])];
    for (const [shape, id] of runs) {
      const target = makeTarget(id, url, child.pid, mockUrl);
      await warmUp(target, o.warmupSeconds, o.connections);
      const fromUs = nowUs();
      const r = await saturate(target, { connections: o.connections, seconds: o.profileSeconds, mockPid });
      const toUs = nowUs();
      const ok = Math.round(r.rps * o.profileSeconds);
      const bad = r.errors + r.non2xx + r.timeouts;
      // What went wrong, when something did: one more request's answer (the run's own are not kept).
      const failure = bad ? await probe(target) : undefined;
      segments.push({ shape, fromUs, toUs, requests: ok, failed: bad, failure });
      if (bad)
        out.errors.push(
          `profiled run (${shape}): ${bad} of its requests failed (${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts); one request after it: ${failure}`,
        );
      if (shape === 'chat') {
        rps = r.rps;
        failed = r.errors + r.non2xx + r.timeouts;
      }
      log(
        `  profiled run (${shape}): ${r.rps.toFixed(0)} rps (profiler on), ${r.errors + r.non2xx + r.timeouts} failed, target ${r.targetCores.toFixed(2)} cores`,
      );
    }
  } finally {
    await stopChild(child, 15_000);
  }
  // Default names are CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main one.
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${child.pid}.0.`));
  if (!file) {
    out.profile = { totalMs: 0, idlePercent: 0, topSelf: [], aegisFiles: [], areas: [], error: 'no .cpuprofile written (did the process exit cleanly?)' };
    return;
  }
  copyFileSync(join(dir, file), copyTo);
  const chat = segments[0];
  const summary = chat
    ? summarizeProfile(join(dir, file), repoRoot, { window: chat })
    : summarizeProfile(join(dir, file), repoRoot, { lastMs: o.profileSeconds * 1_000 + 500 });
  out.profile = { ...summary, file: copyTo, rps, failed, stageCosts: stageCosts(join(dir, file), repoRoot, segments) };
}

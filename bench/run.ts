// `npm run bench`: gateway overhead against direct access, a thin pass-through and Portkey, in one
// run (issue 7). Starts the mock and every target in its own process, runs the phases in turn,
// writes bench/results/<date>-<sha>[-quick].{md,json} and latest.md, and always tears down.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { GATEWAY_CPUS, startFleet, type Fleet } from './harness/fleet';
import { holdPhase } from './harness/hold-phase';
import { machineInfo, sourceStamp } from './harness/machine';
import { parseOptions, type BenchOptions } from './harness/options';
import { doorRatePhase, fixedRatePhase, ownRatePhase, saturationPhase, streamingPhase, type Log } from './harness/phases';
import { checkDoor, checkPipeline, checkStage, directoryBytes, fileBytes } from './harness/pipeline-check';
import { probePolicy } from './harness/policy-probe';
import { readProc } from './harness/proc-stats';
import { installTeardown, logTail, repoRoot, running, stopAll } from './harness/processes';
import { profilePhase } from './harness/profile-phase';
import { renderReport } from './harness/report';
import type { RunResults } from './harness/results';
import { isStageTarget, processOf, STAGE_TARGETS, type ProcessTargetId } from './harness/targets';
import { previousFullRun } from './harness/compare';

const log: Log = (line) => process.stdout.write(`${line}\n`);

/** The parent is the load generator: keep it (and the unpinned mock it spawns) on core 0. */
function pinSelf(o: BenchOptions): string {
  if (!o.pin) return 'none (--no-pin)';
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return `gateways on core ${GATEWAY_CPUS}; mock and load generator (bench parent) on core 0`;
  } catch {
    o.pin = false;
    return 'none (taskset failed)';
  }
}

async function measure(fleet: Fleet, o: BenchOptions, out: RunResults, workDir: string, profileFile: string): Promise<void> {
  for (const t of fleet.targets) {
    out.targets.push({
      id: t.id,
      label: t.label,
      failure: t.failure,
      streamFailure: t.streamFailure,
      idleRssMiB: t.pid > 0 ? readProc(t.pid)?.rssMiB : undefined,
    });
    log(
      `  ${t.label}: ${t.failure ? `FAILED ${t.failure}` : `${t.url} pid ${t.pid}${t.streamFailure ? ` (no streaming: ${t.streamFailure.slice(0, 120)})` : ''}`}`,
    );
  }
  if (fleet.targets.find((t) => t.id === 'direct')?.failure) throw new Error('the mock does not answer; nothing to measure');
  for (const t of fleet.targets) {
    const config = t.id === processOf(t.id) ? fleet.configs.get(t.id as ProcessTargetId) : undefined;
    if (config && !t.failure) out.pipeline[t.id] = await checkPipeline(t, config);
  }
  const doors = fleet.targets.filter((t) => processOf(t.id) === 'aegis-full' && !isStageTarget(t.id));
  if (doors.length > 1) {
    out.doors = {};
    for (const t of doors) out.doors[t.id] = await checkDoor(t);
    const chatTokens = out.doors['aegis-full']?.promptTokens;
    for (const t of doors) {
      const c = out.doors[t.id]!;
      log(
        `  door ${c.door}: whole ${c.whole ? 'ok' : 'FAILED'}, stream ${c.stream ? 'ok' : 'FAILED'}, decision header ${c.policyDecisionHeader ? 'yes' : 'no'}, 401 without key ${c.refusesAnonymous ? 'yes' : 'no'}, prompt tokens ${c.promptTokens ?? '?'}`,
      );
      if (c.whole && c.promptTokens !== chatTokens)
        out.errors.push(`the ${c.door} door's request counted ${c.promptTokens} prompt tokens, chat's ${chatTokens}: the requests are not equivalent`);
    }
  }
  const stages = fleet.targets.filter((t) => isStageTarget(t.id));
  if (stages.length) {
    out.stages = {};
    for (const t of stages) {
      const c = await checkStage(t, fleet.mockUrl);
      out.stages[t.id] = c;
      log(
        `  stage ${c.stage}: whole ${c.whole ? 'ok' : `FAILED ${c.why ?? ''}`}, x-aegis-context ${c.context ?? 'none'}${c.stage === 'tools' ? `, constrained upstream request ${c.constrainedUpstream ? 'yes' : 'no'}` : ''}`,
      );
      if (c.stage === 'fit' && c.whole && !(c.dropped && c.dropped > 0))
        out.errors.push(`the fit shape was not counted and cut (x-aegis-context: ${c.context ?? 'none'}): its row does not measure fitting`);
      if (c.stage === 'tools' && c.whole && !c.constrainedUpstream)
        out.errors.push('the tools shape did not reach the mock as a constrained request: its row does not measure the emulation path');
    }
  }
  const phase = async (name: string, run: () => Promise<void>) => {
    log(name);
    const t = performance.now();
    await run();
    out.phaseSeconds[name] = Math.round((performance.now() - t) / 100) / 10;
  };
  await phase('saturation (max RPS)', () => saturationPhase(fleet, o, out, log));
  await phase('fixed rates (added latency)', () => fixedRatePhase(fleet, o, out, log));
  await phase("Aegis full's own rates (added latency over thin)", () => ownRatePhase(fleet, o, out, log));
  if (out.doors) await phase('front doors at a fixed rate', () => doorRatePhase(fleet, o, out, log));
  await phase('streaming (TTFT and inter-token overhead)', () => streamingPhase(fleet, o, out, log));
  await phase(`${o.holdStreams} concurrent open streams`, () => holdPhase(fleet, o, out, log));
  for (const [id, config] of fleet.configs) {
    const rag = config.rag as { spool?: { dir?: unknown }; embedded?: { path?: unknown } } | undefined;
    const spool = rag?.spool?.dir;
    const db = rag?.embedded?.path;
    const check = out.pipeline[id];
    const dbBytes = typeof db === 'string' ? fileBytes(resolve(workDir, db)) + fileBytes(resolve(workDir, `${db}-wal`)) : 0;
    if (check) check.spoolBytes = typeof spool === 'string' ? directoryBytes(resolve(workDir, spool)) + dbBytes : undefined;
  }
  if (o.profile) {
    if (sourceStamp() !== out.sourceStamp)
      out.errors.push(
        'src/ changed while the benchmark ran (a shared working tree): the profiled Aegis, started last, ran newer code than the measured targets.',
      );
    await phase('CPU profile of Aegis (full) at saturation', () =>
      profilePhase(
        fleet.mockUrl,
        fleet.mock.pid,
        workDir,
        o,
        out,
        profileFile,
        log,
        o.stages.filter((s) => out.stages?.[STAGE_TARGETS[s]]?.whole),
      ),
    );
  }
}

/** Rewrites a run's Markdown from its JSON, e.g. after a change to the report. */
function render(file: string): number {
  const json = resolve(file);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResults;
  const md = json.replace(/\.json$/, '.md');
  writeFileSync(md, renderReport(r, r.command ?? `npm run bench${r.options.quick ? ' -- --quick' : ''}`));
  log(`wrote ${relative(repoRoot, md)}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (o.render) return render(o.render);
  installTeardown();
  const pinning = pinSelf(o);
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), 'aegis-bench-'));
  const outDir = resolve(repoRoot, o.outDir);
  mkdirSync(outDir, { recursive: true });
  const machine = await machineInfo(pinning);
  const stem = `${machine.date.slice(0, 10)}-${machine.gitSha}${o.quick ? '-quick' : ''}`;
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const out: RunResults = {
    version: 1,
    command,
    machine,
    options: o,
    startedAt: machine.date,
    durationSeconds: 0,
    phaseSeconds: {},
    targets: [],
    pipeline: {},
    saturation: {},
    fixedRates: [],
    streaming: {},
    hold: {},
    errors: [],
    teardown: { childrenLeft: 0 },
  };
  process.on('unhandledRejection', (err) => out.errors.push(`unhandled rejection: ${(err as Error)?.message ?? String(err)}`));
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over --max-minutes ${o.maxMinutes}; stopping\n`);
    void stopAll(2_000).finally(() => process.exit(2));
  }, o.maxMinutes * 60_000);
  watchdog.unref();

  log(`aegis bench (${o.quick ? 'quick' : 'full'}): work dir ${workDir}; load average ${machine.loadAvgStart.join(' ')}`);
  if (machine.othersBusy.length) log(`  note: other busy processes: ${machine.othersBusy.join(', ')}`);
  let code = 0;
  let fleet: Fleet | undefined;
  try {
    log('policy evaluation probe');
    out.policy = await probePolicy(repoRoot);
    log(`starting targets: ${o.targets.join(', ')}`);
    out.sourceStamp = sourceStamp();
    fleet = await startFleet(o.targets, workDir, o.pin, o.stream);
    await measure(fleet, o, out, workDir, join(outDir, `${stem}.cpuprofile`));
  } catch (err) {
    code = 1;
    out.errors.push(`run aborted: ${(err as Error).stack ?? String(err)}`);
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    for (const c of fleet?.children.values() ?? []) process.stderr.write(`--- ${c.name} log tail ---\n${logTail(c, 10)}\n`);
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
  out.teardown = { childrenLeft: running().length };
  out.durationSeconds = (performance.now() - started) / 1000;
  machine.loadAvgEnd = loadavg().map((v) => Math.round(v * 100) / 100);
  if (out.profile?.file) out.profile.file = relative(repoRoot, out.profile.file);

  out.previous = previousFullRun(outDir, stem);
  const md = renderReport(out, out.command!);
  writeFileSync(join(outDir, `${stem}.json`), `${JSON.stringify(out, null, 1)}\n`);
  writeFileSync(join(outDir, `${stem}.md`), md);
  copyFileSync(join(outDir, `${stem}.md`), join(outDir, 'latest.md'));
  log(
    `\nwrote ${relative(repoRoot, join(outDir, `${stem}.md`))} (+ .json) and latest.md in ${out.durationSeconds.toFixed(0)} s; children left running: ${out.teardown.childrenLeft}`,
  );
  if (code === 0) rmSync(workDir, { recursive: true, force: true });
  else log(`child logs kept in ${workDir}`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    void stopAll(2_000).finally(() => process.exit(1));
  },
);

// Trace-driven scheduler simulator: replays seeded synthetic workloads through Aegis' real state
// machine (discrete events on a ManualClock), two baselines and an offline bound, then writes
// bench/results/scheduler-sim.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aegisPolicy } from './scheduler/aegis-policy';
import { beladyPolicy } from './scheduler/belady-policy';
import { boundTable, boundVerdicts, pickBound } from './scheduler/bound-report';
import { LOAD_BYTES_PER_SEC, LOAD_FIXED_MS, PATIENCE_MS, runTrace, type Policy, type RunResult, type SimEnv } from './scheduler/env';
import { lruPolicy } from './scheduler/lru-policy';
import { ollamaPolicy } from './scheduler/ollama-policy';
import { aggregate, classTable, markdownTable, verdicts } from './scheduler/report';
import { WORKLOADS, generateTrace } from './scheduler/workload';

/** 20 seeds: with 5, the pooled p99 of a workload moved by ±5 % with a one-line policy change (a few bursts decide it). */
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const HERO = 'Aegis';
const BASELINES = ['LRU', 'Ollama (max 3 loaded)', 'Ollama (memory only)'];
const BOUND = 'Offline bound';
const BOUND_VARIANTS = ['Belady (distance)', 'Belady (distance × size)'];
const BOUND_TWIN = 'Bound rules, no future';
const BOUND_TARGETS = ['zipf', 'bursty', 'priority-mix'];

const POLICIES: ReadonlyArray<[string, (env: SimEnv) => Policy]> = [
  [HERO, aegisPolicy()],
  ['Aegis (TTL 5 min)', aegisPolicy({ ttlMs: 5 * 60_000 })],
  ['LRU', lruPolicy()],
  ['Ollama (max 3 loaded)', ollamaPolicy({ maxLoaded: 3 })],
  ['Ollama (memory only)', ollamaPolicy({ maxLoaded: 0 })],
  [BOUND_VARIANTS[0]!, beladyPolicy({ rule: 'distance' })],
  [BOUND_VARIANTS[1]!, beladyPolicy({ rule: 'distance-x-size' })],
  [BOUND_TWIN, beladyPolicy({ rule: 'distance', future: false })],
];

const NOTES = [
  `- Workloads (seeds 1–${SEEDS.length}, 4 h of simulated traffic each; rows pool the seeds):`,
  '  - `zipf`: Poisson 0.12 req/s, Zipf(1.0) popularity over the 8 models (rank order shuffled per seed), classes 15 % critical / 60 % standard / 25 % batch.',
  '  - `zipf-heavy`: the same at 0.4 req/s — about 2× what the slots and the 32 GB can serve; a stress test where every policy sheds load. Not a target: past capacity, fewer loads come from serving fewer requests (compare *loads per 100 served* and *failed*).',
  '  - `bursty`: 0.05 req/s background plus agent fan-out bursts (every ~4 min, 6–16 requests within 8 s to two models).',
  '  - `priority-mix`: interactive (critical/standard) traffic on the four small models, long batch jobs on the four big ones.',
  "  - `round-robin`: LRU's worst case — cycling over five big models that do not fit together.",
  catalogLine(),
  `- Load = ${LOAD_FIXED_MS / 1000} s + size at ${LOAD_BYTES_PER_SEC / 1e9} GB/s; concurrent loads share that bandwidth (processor sharing); unload 0.5 s. No CPU contention is modelled.`,
  `- Client patience per class, the same for every policy: critical ${PATIENCE_MS.critical / 1000} s, standard ${PATIENCE_MS.standard / 1000} s, batch ${PATIENCE_MS.batch / 1000} s; queue caps 64 per model / 512 in all.`,
  '- Wait = arrival → start of service (includes any load). **p99 wait** counts a timed-out request with the time it waited (otherwise a policy that lets requests time out looks better); "served only" leaves them out. Rejections (429) are only in *failed*.',
  "- **Aegis**: the real `SchedulerMachine`, default settings (class TTLs 10–60 min). **Aegis (TTL 5 min)**: Ollama's keep_alive for every model, to separate the TTL effect.",
  '- **LRU**: evicts least recently used idle instances until the model fits; no single-flight (every request that finds no ready instance starts its own load; the runtime keeps one instance, so a duplicate is wasted), no priorities; one FIFO queue.',
  "- **Offline bound**: per trace, the better of two offline policies that know every future request (`scheduler/belady-policy.ts`) under the same budget, slots, load channel and patience: evict the idle models whose next request is farthest (Belady's MIN), or farthest × largest (Belady-Size), and keep any victim the others already cover. One FIFO, single-flight loads, no idle TTL, no preemption; busy models are claimed after 60 s as in Aegis. With unequal footprints no known rule is optimal, so this is a heuristic bound, not a proven minimum. **Bound rules, no future**: the same policy with each next-use distance estimated as the time since the last use (Belady without the future is LRU); shown only in the bound's table.",
  '- **Ollama**: `server/sched.go` rules — loaded/loading models attach directly; everything else waits in one FIFO handled one request at a time (head-of-line blocking); victim = shortest remaining keep_alive (5 min), a busy victim is drained; with `OLLAMA_MAX_LOADED_MODELS`=3 (the CPU default) and limited by memory only.',
];

function catalogLine(): string {
  const { models, budgetBytes } = generateTrace('zipf', 1);
  const gb = (b: number) => (b / 1e9).toFixed(1);
  const sizes = models.map((m) => m.bytes);
  const total = sizes.reduce((s, b) => s + b, 0);
  return `- ${models.length} models of ${gb(Math.min(...sizes))}–${gb(Math.max(...sizes))} GB (${gb(total)} GB in all), 1–4 parallel slots, in a ${gb(budgetBytes)} GB budget. Service time log-normal, median 6 s (batch 25 s).`;
}

function main(): void {
  const started = performance.now();
  const results: RunResult[] = [];
  for (const workload of WORKLOADS) {
    for (const seed of SEEDS) {
      const trace = generateTrace(workload, seed);
      for (const [name, make] of POLICIES) results.push(runTrace(trace, name, make));
    }
  }
  const rows = aggregate([...results, ...pickBound(results, BOUND_VARIANTS, BOUND)]);
  const shown = rows.filter((r) => !BOUND_VARIANTS.includes(r.policy) && r.policy !== BOUND_TWIN);
  const table = markdownTable(shown);
  const verdict = verdicts(rows, HERO, BASELINES);
  const against = { hero: HERO, bound: BOUND, variants: BOUND_VARIANTS, twin: BOUND_TWIN, targets: BOUND_TARGETS };
  const bound = boundVerdicts(rows, against);
  const elapsed = ((performance.now() - started) / 1000).toFixed(1);

  const doc = [
    '# Scheduler simulation',
    '',
    'Generated by `npm run bench:scheduler` (`bench/scheduler-sim.ts`). Deterministic: seeded traces, simulated time.',
    '',
    ...NOTES,
    '',
    table,
    '',
    `Aegis against ${BASELINES.join(', ')}:`,
    '',
    ...verdict,
    '',
    'Why the exceptions happen, and what was tried: `src/scheduler/DESIGN.md`, "Simulator findings".',
    '',
    '## Against the offline bound (issue 28)',
    '',
    `Target: ${HERO}' cold loads within 15 % of the bound's on ${BOUND_TARGETS.join(', ')}. *Reloads* split each policy's loads of a model it had held before by how the model last left memory; first loads are the same for every policy that serves each model's requests. An *eviction against the future* removed a model that was asked for again before some idle model at least as large that stayed resident: evicting that one instead would have freed at least as much memory and kept the model needed sooner (the exchange step in the proof of Belady's rule), a choice only a policy that sees the next request can make.`,
    '',
    boundTable(rows, against),
    '',
    ...bound,
    '',
    '## p99 wait of served requests by priority class',
    '',
    classTable(shown),
    '',
  ].join('\n');

  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'scheduler-sim.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, doc);
  process.stdout.write(`${table}\n\n${verdict.join('\n')}\n\n${bound.join('\n')}\n\nwrote ${out} in ${elapsed}s\n`);
}

main();

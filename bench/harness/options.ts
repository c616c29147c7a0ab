// Command-line options of `npm run bench`, with the full and `--quick` presets.
//   npm run bench                      full run (≈ 22 min, with a 10-minute hold of 1,000 streams)
//   npm run bench -- --quick           ≈ 2 min, for development
//   npm run bench -- --hold 10m        any option overrides its preset (see `usage`)
import { flag, parseArgs } from '../../src/cli/args';
import { DOOR_TARGETS, PROCESS_TARGETS, STAGE_TARGETS, TARGET_ORDER, type ProcessTargetId, type TargetId } from './targets';
import { DEFAULT_DOORS, DOORS, STAGE_SHAPES, type Door, type StageShape } from './workload';

export interface BenchOptions {
  quick: boolean;
  /** What is measured: the processes of `--targets`, and Aegis full once per front door of `doors`. */
  targets: TargetId[];
  /** Aegis full's front doors (issue 22); chat is always measured, as the others' baseline. */
  doors: Door[];
  /** Wave-2 stage shapes sent to Aegis full beside chat (issue 28): `fit`, `tools`. */
  stages: StageShape[];
  /** Interleaved rounds; the report takes the median of the round figures. */
  rounds: number;
  /** Once per target before the first round: JIT and pools (round 1 ran ~40 % slower without it). */
  initialWarmupSeconds: number;
  warmupSeconds: number;
  /** Saturation: autocannon connections and seconds per run. */
  connections: number;
  saturationSeconds: number;
  /** Fixed rates: ≤ 1 is a fraction of direct's max RPS, > 1 an absolute rate. */
  rates: number[];
  rateSeconds: number;
  /** The front doors' fixed rate: this fraction of Aegis full's (chat) max RPS, so the doors are compared below saturation on any box. */
  doorRate: number;
  /** Issue 28's latency rates: fractions of Aegis full's own max RPS, thin and direct at the same rate (older files lack it). */
  ownRates: number[];
  /** Streaming overhead at low concurrency. */
  streamConcurrency: number;
  streamSeconds: number;
  stream: { ttftMs: number; tokens: number; gapMs: number };
  /** The open-streams hold. */
  holdStreams: number;
  holdSeconds: number;
  /** Hold length for targets other than Aegis full (RSS/CPU comparison only). */
  otherHoldSeconds: number;
  hold: { ttftMs: number; tokens: number; gapMs: number };
  profile: boolean;
  profileSeconds: number;
  pin: boolean;
  outDir: string;
  maxMinutes: number;
  /** Re-render the Markdown of an existing results JSON (after a report change) and exit. */
  render?: string;
}

export const usage = `usage: npm run bench -- [--quick] [--hold 5m] [--rounds N] [--targets direct,thin,aegis-full,aegis-min,portkey]
  [--doors chat,responses,messages[,responses-store]] (Aegis full's front doors; chat always)
  [--stages fit,tools|none] (wave-2 stage shapes through Aegis full's chat door)
  [--seconds S] [--initial-warmup S] [--warmup S] [--connections C] [--rates 0.25,0.5,500] [--rate-seconds S] [--door-rate 0.25]
  [--own-rates 0.25,0.5] (fractions of Aegis full's own max RPS; thin and direct at the same rates)
  [--stream-concurrency C] [--stream-seconds S] [--streams 1000] [--hold-gap-ms 100] [--other-hold S]
  [--no-profile] [--profile-seconds S] [--no-pin] [--out bench/results] [--max-minutes M]
  npm run bench -- --render bench/results/<run>.json   (rewrite that run's .md from its JSON)`;

/** Rounds of the front doors' fixed rate: at least three, so that one round a shared box disturbed cannot decide the median. */
export const doorRounds = (o: Pick<BenchOptions, 'rounds'>) => Math.max(3, o.rounds);

/** "300", "300s", "5m" → seconds. */
export function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|min)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text} (use 90, 90s or 5m)`);
  return Number(m[1]) * (m[2] === 'm' || m[2] === 'min' ? 60 : 1);
}

export function parseOptions(argv: string[]): BenchOptions {
  const args = parseArgs(argv, ['quick', 'no-profile', 'no-pin', 'help']);
  if (flag(args, 'help')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const quick = flag(args, 'quick') === 'true';
  const num = (name: string, full: number, fast: number) => Number(flag(args, name) ?? (quick ? fast : full));
  const dur = (name: string, full: number, fast: number) => {
    const v = flag(args, name);
    return v === undefined ? (quick ? fast : full) : seconds(v);
  };
  const targets = (flag(args, 'targets')?.split(',') ?? PROCESS_TARGETS) as ProcessTargetId[];
  for (const t of targets)
    if (!PROCESS_TARGETS.includes(t)) throw new Error(`unknown target ${t} (known: ${PROCESS_TARGETS.join(', ')}; front doors: --doors)`);
  if (!targets.includes('direct')) targets.unshift('direct');
  const doors = (flag(args, 'doors')?.split(',') ?? [...DEFAULT_DOORS]) as Door[];
  for (const d of doors) if (!DOORS.includes(d)) throw new Error(`unknown door ${d} (known: ${DOORS.join(', ')})`);
  if (!doors.includes('chat')) doors.unshift('chat');
  const stagesFlag = flag(args, 'stages');
  const stages = (stagesFlag === 'none' ? [] : (stagesFlag?.split(',') ?? [...STAGE_SHAPES])) as StageShape[];
  for (const s of stages) if (!STAGE_SHAPES.includes(s)) throw new Error(`unknown stage shape ${s} (known: ${STAGE_SHAPES.join(', ')}, or none)`);
  const doorTargets: TargetId[] = targets.includes('aegis-full') ? [...doors.map((d) => DOOR_TARGETS[d]), ...stages.map((s) => STAGE_TARGETS[s])] : [];
  // 100 ms (10 tokens/s, a CPU box's pace) keeps core 0 (mock + client) below saturation at 1,000
  // streams; --hold-gap-ms 50 reproduces benchmarking.md's C3 pace, where the harness core saturates.
  const holdGap = num('hold-gap-ms', 100, 100);
  return {
    quick,
    targets: TARGET_ORDER.filter((t) => (targets as TargetId[]).includes(t) || doorTargets.includes(t)),
    doors: DOORS.filter((d) => doors.includes(d)),
    stages: STAGE_SHAPES.filter((x) => stages.includes(x)),
    rounds: num('rounds', 3, 2),
    initialWarmupSeconds: dur('initial-warmup', 5, 2),
    warmupSeconds: dur('warmup', 2, 1),
    connections: num('connections', 50, 50),
    saturationSeconds: dur('seconds', 8, 2),
    rates: (flag(args, 'rates') ?? '0.25,0.5,500').split(',').map(Number),
    rateSeconds: dur('rate-seconds', 5, 2),
    doorRate: num('door-rate', 0.25, 0.25),
    ownRates: (flag(args, 'own-rates') ?? '0.25,0.5').split(',').map(Number),
    streamConcurrency: num('stream-concurrency', 10, 10),
    streamSeconds: dur('stream-seconds', 6, 2),
    stream: { ttftMs: 20, tokens: 20, gapMs: 10 },
    holdStreams: num('streams', 1_000, 1_000),
    // benchmarking.md D3: a 10-minute soak, growth judged on its last 5 minutes. Over a shorter
    // window the old generation's GC sawtooth (a few MiB) reads as growth or shrinkage.
    holdSeconds: dur('hold', 600, 8),
    otherHoldSeconds: dur('other-hold', 20, 2),
    // Streams of ~10 s that restart: the hold also covers stream churn, not only idle sockets.
    hold: { ttftMs: 50, tokens: Math.max(2, Math.round(10_000 / holdGap)), gapMs: holdGap },
    profile: flag(args, 'no-profile') === undefined,
    profileSeconds: dur('profile-seconds', 10, 4),
    pin: flag(args, 'no-pin') === undefined,
    outDir: flag(args, 'out') ?? 'bench/results',
    maxMinutes: num('max-minutes', 40, 6),
    render: flag(args, 'render'),
  };
}

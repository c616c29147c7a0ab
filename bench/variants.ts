// `npm run bench:variants`: what each part of Aegis full costs in place, on the gateway core. The
// thin pass-through and Aegis full with parts switched off, each in its own process pinned to the
// gateway core, take turns at saturation (interleaved rounds, as `npm run bench`). Each row is µs of
// that core per request (the inverse of RPS per CPU-second), split into the event-loop thread and
// the process' other threads (the embedded store's writer and checkpointer, V8's GC helpers), read
// per thread from /proc. A part's cost is the difference of two rows in the same run: a profile
// or a hot loop measures a part out of place, where its caches are warm and its threads idle.
//   npm run bench:variants -- [--variants thin,full,no-record,no-policy,min] [--rounds 5] [--seconds 3]
//                             [--mongodb mongodb://127.0.0.1:27017/]   (adds the `mongodb` variant)
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_CPUS, makeTarget, setMock, startAegis, startMock, startProcessTarget } from './harness/fleet';
import { machineInfo } from './harness/machine';
import { readThreadCpu } from './harness/proc-stats';
import { installTeardown, repoRoot, stopAll } from './harness/processes';
import { saturate, warmUp } from './harness/saturation';
import { median } from './harness/stats';
import { fullPipelineConfig, minimalConfig, type Target } from './harness/targets';

/** What each variant is: the thin pass-through, or Aegis full's config with parts switched off. */
const VARIANTS = {
  thin: 'the thin pass-through (bench/thin-proxy.ts)',
  full: 'Aegis full: auth, policy, context, scheduler, metrics, recording into the embedded SQLite store',
  'no-record': 'Aegis full with recording off (`rag.enabled: false`)',
  'no-policy': 'Aegis full with the policy off (`policy.enabled: false`)',
  min: 'Aegis minimal: both off',
  mongodb: 'Aegis full recording into MongoDB at --mongodb instead of the embedded store',
} as const;
type Variant = keyof typeof VARIANTS;

const { values: flags } = parseArgs({
  options: {
    variants: { type: 'string', default: 'thin,full,no-record,no-policy,min' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    mongodb: { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'bench', 'results') },
  },
});
const chosen = flags.variants.split(',').filter(Boolean) as Variant[];
if (flags.mongodb && !chosen.includes('mongodb')) chosen.push('mongodb');
for (const v of chosen) if (!(v in VARIANTS)) throw new Error(`unknown variant ${v} (known: ${Object.keys(VARIANTS).join(', ')})`);
if (chosen.includes('mongodb') && !flags.mongodb) throw new Error('the mongodb variant needs --mongodb URI');
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);

interface Round {
  rps: number;
  /** µs of CPU per request: all threads, the event-loop thread, the others. */
  all: number;
  loop: number;
  others: number;
}

function configOf(variant: Exclude<Variant, 'thin'>, mockUrl: string, dir: string): Record<string, unknown> {
  if (variant === 'min') return minimalConfig(mockUrl, dir);
  const config = fullPipelineConfig(mockUrl, dir);
  if (variant === 'no-policy') config.policy = { enabled: false };
  if (variant === 'no-record') config.rag = { enabled: false };
  if (variant === 'mongodb') config.mongodb = { uri: flags.mongodb, database: `aegis_variants_${Date.now()}` };
  return config;
}

async function start(variant: Variant, mockUrl: string, workDir: string): Promise<Target> {
  if (variant === 'thin') {
    const { child, url } = await startProcessTarget('thin', mockUrl, workDir, true);
    return makeTarget('thin', url, child.pid, mockUrl);
  }
  const dir = join(workDir, variant);
  mkdirSync(dir, { recursive: true });
  const { child, url } = await startAegis({ name: variant, config: configOf(variant, mockUrl, dir), workDir: dir, pin: true });
  return makeTarget('aegis-full', url, child.pid, mockUrl);
}

/** One saturation run with the CPU of each of the target's threads read before and after. */
async function measure(target: Target, mockPid: number): Promise<Round> {
  await warmUp(target, Number(flags.warmup), connections);
  const before = readThreadCpu(target.pid);
  const s = await saturate(target, { connections, seconds, mockPid });
  const after = readThreadCpu(target.pid);
  let loop = 0;
  let others = 0;
  for (const [tid, cpu] of after) {
    const used = cpu - (before.get(tid) ?? 0);
    if (tid === target.pid) loop += used;
    else others += used;
  }
  const requests = s.rps * seconds;
  if (s.errors + s.non2xx > 0) throw new Error(`${target.label}: ${s.errors} errors and ${s.non2xx} non-2xx answers at saturation`);
  return { rps: s.rps, all: ((loop + others) / requests) * 1e6, loop: (loop / requests) * 1e6, others: (others / requests) * 1e6 };
}

installTeardown();
const machine = await machineInfo(`gateways on core ${GATEWAY_CPUS}; mock and load generator on core 0`);
const workDir = mkdtempSync(join(tmpdir(), 'aegis-variants-'));
const mock = await startMock(workDir);
await setMock(mock.url, { delayMs: 0 });
const targets = new Map<Variant, Target>();
for (const v of chosen) targets.set(v, await start(v, mock.url, workDir));
for (const t of targets.values()) await warmUp(t, 2, connections);

const results = new Map<Variant, Round[]>(chosen.map((v) => [v, []]));
for (let r = 0; r < rounds; r++) {
  // Each round starts with another variant, so none always runs first.
  for (let i = 0; i < chosen.length; i++) {
    const v = chosen[(i + r) % chosen.length]!;
    const round = await measure(targets.get(v)!, mock.child.pid);
    results.get(v)!.push(round);
    process.stderr.write(`round ${r + 1}/${rounds} ${v}: ${round.rps.toFixed(0)} RPS, ${round.all.toFixed(1)} µs per request\n`);
  }
}
await stopAll();

const med = (v: Variant, pick: (r: Round) => number) => median(results.get(v)!.map(pick));
const fmt = (n: number) => n.toFixed(1);
const thin = chosen.includes('thin') ? med('thin', (r) => r.all) : undefined;
const lines = [
  `# What each part of Aegis full costs in place — ${machine.date.slice(0, 10)} (${machine.gitSha}${machine.gitDirty ? ', uncommitted changes' : ''})`,
  '',
  `Generated by \`npm run bench:variants -- --variants ${chosen.join(',')} --rounds ${rounds} --seconds ${seconds}\` (bench/variants.ts). ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; ${machine.pinning}; load average at start ${machine.loadAvgStart.join(' ')}. Each variant is its own process; autocannon, ${connections} connections, 0 ms upstream, ${seconds} s per run after ${flags.warmup} s of warm-up, ${rounds} interleaved rounds, medians. µs are of the gateway core per request (all of the process' threads are pinned to it).`,
  '',
  '| variant | µs per request | event-loop thread | other threads | RPS per CPU-second | / thin | max RPS |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...chosen.map((v) => {
    const all = med(v, (r) => r.all);
    return `| ${v}: ${VARIANTS[v]} | ${fmt(all)} | ${fmt(med(v, (r) => r.loop))} | ${fmt(med(v, (r) => r.others))} | ${(1e6 / all).toFixed(0)} | ${thin ? `${(thin / all).toFixed(2)}×` : '–'} | ${med(v, (r) => r.rps).toFixed(0)} |`;
  }),
  '',
];
const diff = (a: Variant, b: Variant, what: string) => {
  if (chosen.includes(a) && chosen.includes(b)) lines.push(`- ${what}: ${fmt(med(a, (r) => r.all) - med(b, (r) => r.all))} µs per request (${a} − ${b})`);
};
diff('full', 'no-record', 'recording into the embedded store');
diff('full', 'no-policy', 'the policy');
diff('full', 'min', 'both together');
diff('min', 'thin', "Aegis minimal's own work");
diff('mongodb', 'no-record', 'recording into MongoDB (the driver on the gateway core; the database is elsewhere)');
if (thin) lines.push(`- Aegis full at 0.5× thin would take ${fmt(2 * thin)} µs per request.`);
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
mkdirSync(flags.out, { recursive: true });
const base = join(flags.out, `${machine.date.slice(0, 10)}-${machine.gitSha}-variants`);
writeFileSync(`${base}.md`, text);
writeFileSync(
  `${base}.json`,
  `${JSON.stringify({ machine, variants: chosen, rounds, seconds, connections, results: Object.fromEntries(results) }, null, 2)}\n`,
);
process.stderr.write(`wrote ${base}.md\n`);
process.exit(0);

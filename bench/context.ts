// npm run bench:context: context fitting on the real runtimes (issue 19), one run side by side.
//   1. what fitting costs on the request path when nothing must be dropped (µs, in process);
//   2. Aegis' token counts of real prompts against the runtime's own count, per method;
//   3. a 40-turn conversation growing to 4× the model's context, through Aegis' cache-friendly
//      window, through per-request drop-oldest (what a rolling window does: lowWaterMark 1), and
//      straight to the runtime: time to first token and KV-cache reuse from the runtime's own log.
//
//   npm run bench:context                 full: 2048-token context, 40 turns, 200 prompts per model
//   npm run bench:context -- --quick      512-token context, 16 turns, 40 prompts (indicative only)
//   npm run bench:context -- --phases fit,accuracy,window --runtimes llamacpp,ollama --ctx 1024
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flag, parseArgs } from '../src/cli/args';
import { parseConfig, upstreamSchema } from '../src/config';
import { GatewayRuntime } from '../src/cli/runtime';
import { silentLogger } from '../src/core';
import type { ModelEntry } from '../src/registry';
import { OllamaUpstream, OpenAICompatibleUpstream, type Upstream } from '../src/upstreams';
import { paths } from '../test/world/manifest';
import { stopAll } from '../test/world/process';
import { ensureInstalled } from '../test/world/install';
import { accuracyStats, measureAccuracy, type CountSample } from './context/accuracy';
import { growingPrompts } from './context/corpus';
import { fitCosts, type FitCost } from './context/fit-cost';
import { cpuCount, startLlamaCpp, startOllama, threadLimitedCopies, type Runtime } from './context/runtimes';
import { runWindow, summarizeMode, type ModeResult } from './context/window';
import { machineInfo } from './harness/machine';
import { repoRoot } from './harness/processes';
import { renderContextReport } from './context/report';

const args = parseArgs(process.argv.slice(2), ['quick']);
const quick = flag(args, 'quick') === 'true';
const options = {
  quick,
  ctx: Number(flag(args, 'ctx') ?? (quick ? 512 : 2048)),
  /** The counting comparison runs with this context, whatever the window's (longer prompts). */
  accuracyCtx: Number(flag(args, 'accuracy-ctx') ?? 2048),
  turns: Number(flag(args, 'turns') ?? (quick ? 16 : 40)),
  prompts: Number(flag(args, 'prompts') ?? (quick ? 40 : 200)),
  maxTokens: Number(flag(args, 'max-tokens') ?? 16),
  iterations: Number(flag(args, 'iterations') ?? (quick ? 2_000 : 20_000)),
  phases: (flag(args, 'phases') ?? 'fit,accuracy,window').split(','),
  runtimes: (flag(args, 'runtimes') ?? 'llamacpp,ollama').split(','),
  ollamaModels: (flag(args, 'ollama-models') ?? 'smollm2:135m,gemma3:270m').split(','),
  /** Pin the runtimes to one core (the bench parent and the gateway keep the other). */
  cpus: flag(args, 'cpus') ?? '1',
};

const log = (line: string) => process.stderr.write(`${line}\n`);

function entry(over: Partial<ModelEntry> & Pick<ModelEntry, 'name' | 'upstream' | 'upstreamModel'>): ModelEntry {
  return {
    version: '1',
    aliases: [],
    tags: [],
    capabilities: { chat: true, completion: true, embeddings: false, tools: 'emulated', vision: false },
    priority: 'standard',
    pinned: false,
    status: 'active',
    origin: 'config',
    ...over,
  };
}

export interface AccuracyRun {
  runtime: string;
  model: string;
  samples: CountSample[];
}

async function accuracy(rt: Runtime, models: string[]): Promise<AccuracyRun[]> {
  // Prompts stay under ~3.3 characters per token of the context (the densest text here), so no
  // runtime truncates or refuses one.
  const prompts = growingPrompts(options.prompts, Math.floor(options.accuracyCtx * 2.6));
  // Ollama renders a prompt for Aegis (`_debug_render_only`) only after tokenizing it to fit
  // num_ctx, which takes seconds for Gemma's vocabulary: long enough here to count every prompt.
  const config = upstreamSchema.parse({ name: rt.kind, type: rt.kind === 'ollama' ? 'ollama' : 'openai', url: rt.url, timeouts: { healthMs: 60_000 } });
  const upstream: Upstream = rt.kind === 'ollama' ? new OllamaUpstream(config) : new OpenAICompatibleUpstream(config);
  const out: AccuracyRun[] = [];
  for (const model of models) {
    log(`accuracy: ${rt.kind} ${model}, ${prompts.length} prompts`);
    const e = entry({
      name: model,
      upstream: rt.kind,
      upstreamModel: model,
      contextLength: options.ctx,
      path: rt.kind === 'llamacpp' ? paths.model('smollm2-135m') : undefined,
    });
    out.push({ runtime: rt.kind, model, samples: await measureAccuracy({ runtime: rt, upstream, entry: e, prompts, ctx: options.accuracyCtx, log }) });
  }
  await upstream.close();
  return out;
}

async function windows(rt: Runtime, runtimeModel: string): Promise<ModeResult[]> {
  const model = (name: string, over: Record<string, unknown> = {}) => ({
    name,
    upstream: rt.kind,
    upstreamModel: runtimeModel,
    contextLength: options.ctx,
    ...(rt.kind === 'llamacpp' ? { path: paths.model('smollm2-135m') } : {}),
    ...over,
  });
  const config = {
    policy: { enabled: false },
    rag: { enabled: false },
    scheduler: { enabled: false },
    upstreams: [{ name: rt.kind, type: rt.kind === 'ollama' ? 'ollama' : 'openai', url: rt.url, discover: false }],
    models: [model('window'), model('rolling', { context: { lowWaterMark: 1 } })],
  };
  const gw = await GatewayRuntime.create(parseConfig(JSON.stringify(config), process.env, 'bench'), { logger: silentLogger });
  const { url } = await gw.listen('127.0.0.1', 0);
  const turnTokens = Math.round((4 * options.ctx) / options.turns);
  const out: ModeResult[] = [];
  const runs = [
    { mode: 'window' as const, model: 'window', baseUrl: url },
    { mode: 'rolling' as const, model: 'rolling', baseUrl: url },
    { mode: 'direct' as const, model: runtimeModel, baseUrl: rt.url },
  ];
  for (const [k, run] of runs.entries()) {
    log(`window: ${rt.kind} ${run.mode}, ${options.turns} turns of ~${turnTokens} tokens, ${options.ctx}-token context`);
    out.push(
      await runWindow({ runtime: rt, ...run, turns: options.turns, turnTokens, tag: `Session ${k + 1}`, maxTokens: options.maxTokens, ctx: options.ctx, log }),
    );
  }
  await gw.close(1_000);
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = await machineInfo(`runtimes on cpu ${options.cpus}`);
  const fit: FitCost[] = options.phases.includes('fit') ? await fitCosts(options.iterations) : [];
  for (const f of fit) log(`fit: ${f.case}: ${f.microsPerCall.toFixed(2)} µs (${f.path})`);
  const accuracyRuns: AccuracyRun[] = [];
  const windowRuns: ModeResult[] = [];
  if (options.phases.some((p) => p !== 'fit')) {
    await Promise.all([ensureInstalled('models'), ...(options.runtimes.includes('ollama') ? [ensureInstalled('ollama')] : []), ensureInstalled('llamacpp')]);
  }
  const start = (kind: string, ctx: number) => (kind === 'ollama' ? startOllama(options.cpus) : startLlamaCpp(ctx, options.cpus));
  // Ollama's models as copies with as many threads as the runtime has CPUs (threadLimitedCopies).
  const ollamaModels = async (rt: Runtime, models: string[]) =>
    options.cpus ? [...(await threadLimitedCopies(rt, models, cpuCount(options.cpus))).values()] : models;
  for (const kind of options.runtimes) {
    // Each phase gets a fresh runtime: llama-cpp-python's context is fixed at start, and neither
    // phase should start from the other's KV cache.
    if (options.phases.includes('accuracy')) {
      const rt = await start(kind, options.accuracyCtx);
      try {
        accuracyRuns.push(...(await accuracy(rt, kind === 'ollama' ? await ollamaModels(rt, options.ollamaModels) : ['smollm2-135m'])));
      } finally {
        await rt.server.stop();
      }
    }
    if (options.phases.includes('window')) {
      const rt = await start(kind, options.ctx);
      try {
        windowRuns.push(...(await windows(rt, kind === 'ollama' ? (await ollamaModels(rt, ['smollm2:135m']))[0]! : 'smollm2-135m')));
      } finally {
        await rt.server.stop();
      }
    }
  }
  const result = {
    options,
    machine: { ...machine, loadAvgEnd: (await import('node:os')).loadavg() },
    minutes: (Date.now() - started) / 60_000,
    fit,
    accuracy: accuracyRuns.map((r) => ({ runtime: r.runtime, model: r.model, stats: accuracyStats(r.samples), samples: r.samples })),
    window: windowRuns.map((m) => ({ ...m, all: summarizeMode(m, 0) })),
  };
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // A partial run says which part it ran, so two on one commit do not overwrite each other.
  const partial = [...(options.phases.length < 3 ? [options.phases.join('+')] : []), ...(options.runtimes.length < 2 ? [options.runtimes.join('+')] : [])];
  const name = `context-${machine.date.slice(0, 10)}-${machine.gitSha}${quick ? '-quick' : ''}${partial.map((p) => `-${p}`).join('')}`;
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(result, null, 2));
  const md = renderContextReport(result);
  writeFileSync(join(dir, `${name}.md`), md);
  process.stdout.write(md);
  log(`wrote bench/results/${name}.md and .json`);
}

// Interrupted, the runtimes this bench started stop with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));
await main();
process.exit(0);

// Aegis' counts of real prompts against the runtime's own: llama-cpp-python's usage.prompt_tokens
// and Ollama's prompt_eval_count for the same chat, one prompt at a time.
import { estimateTokenizer, PromptCounter, type Tokenizer } from '../../src/context';
import { ggufTokenizerLoader } from '../../src/cli/wiring-context';
import type { ModelEntry } from '../../src/registry';
import { resolveTokenizer } from '../../src/gateway/context/tokenizers';
import type { Upstream } from '../../src/upstreams';
import type { ChatMessage } from './corpus';
import type { Runtime } from './runtimes';

export interface CountSample {
  messages: number;
  /** The runtime's own count. */
  runtime: number;
  /** Aegis' counts by method; undefined where the method could not count this prompt. */
  counts: Record<string, number | undefined>;
  /** Microseconds each method took. */
  micros: Record<string, number>;
}

export interface AccuracyOptions {
  runtime: Runtime;
  upstream: Upstream;
  entry: ModelEntry;
  prompts: ChatMessage[][];
  ctx: number;
  log: (line: string) => void;
}

async function runtimeCount(o: AccuracyOptions, messages: ChatMessage[]): Promise<number> {
  const ollama = o.runtime.kind === 'ollama';
  const body = ollama
    ? { model: o.entry.upstreamModel, messages, stream: false, options: { num_predict: 1, num_ctx: o.ctx, temperature: 0 } }
    : { model: o.entry.upstreamModel, messages, max_tokens: 1, temperature: 0 };
  const res = await fetch(`${o.runtime.url}${ollama ? '/api/chat' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  const json = (await res.json()) as { prompt_eval_count?: number; usage?: { prompt_tokens: number } };
  return (ollama ? json.prompt_eval_count : json.usage?.prompt_tokens) ?? Number.NaN;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) * 1000];
}

export async function measureAccuracy(o: AccuracyOptions): Promise<CountSample[]> {
  const loadLocal = ggufTokenizerLoader();
  const tokenizer = (counting: 'auto' | 'runtime' | 'local') => resolveTokenizer({ entry: o.entry, upstream: o.upstream, counting, loadLocal });
  // The GGUF's own vocabulary and template alone: on Ollama, resolveTokenizer counts the prompt
  // Ollama renders with its own template (`_debug_render_only`) instead.
  // A GGUF without a chat template (the test world's Gemma) has no such count.
  const ggufOnly = async (): Promise<Record<string, Tokenizer>> => {
    const path = o.entry.path ?? (await o.upstream.modelFile?.(o.entry).catch(() => undefined));
    const local = path ? await loadLocal(path, 'ollama') : undefined;
    return local?.countPrompt ? { 'local (GGUF template)': local } : {};
  };
  const methods: Record<string, Tokenizer> =
    o.runtime.kind === 'llamacpp'
      ? { exact: await tokenizer('runtime'), local: await tokenizer('local') }
      : { 'local (runtime template)': await tokenizer('auto'), ...(await ggufOnly()) };
  const local = await tokenizer('local');
  const parts = new PromptCounter(local);
  const estimate = new PromptCounter(estimateTokenizer);
  const samples: CountSample[] = [];
  let refused = 0;
  for (const [i, messages] of o.prompts.entries()) {
    const runtime = await runtimeCount(o, messages).catch((err: Error) => {
      // A prompt the runtime refuses (longer than its context) has no count to compare with.
      refused++;
      o.log(`  prompt ${i} refused: ${err.message.slice(0, 120)}`);
      return undefined;
    });
    if (runtime === undefined) continue;
    const counts: Record<string, number | undefined> = {};
    const micros: Record<string, number> = {};
    for (const [name, t] of Object.entries(methods)) [counts[name], micros[name]] = await timed(async () => t.countPrompt?.(messages, undefined));
    [counts['sum of parts (local)'], micros['sum of parts (local)']] = await timed(async () => (await parts.count(messages, undefined)).total);
    const e = (await estimate.count(messages, undefined)).total;
    counts['estimate (calibrated)'] = e;
    micros['estimate (calibrated)'] = 0;
    // As the gateway does after each answer: the runtime's count calibrates the estimate.
    estimate.calibration.observe(e, runtime);
    samples.push({ messages: messages.length, runtime, counts, micros });
    if (i % 20 === 0)
      o.log(
        `  ${o.entry.name} prompt ${i}: runtime ${runtime}, ${Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  }
  if (refused > 0) o.log(`  ${refused} prompt(s) refused by the runtime`);
  return samples;
}

export interface MethodStats {
  method: string;
  prompts: number;
  exact: number;
  /** Mean of |error| / runtime count. */
  mae: number;
  /** The largest undercount as a share of the runtime's count (0 when it never undercounts). */
  maxUnder: number;
  meanMicros: number;
}

export function accuracyStats(samples: readonly CountSample[]): MethodStats[] {
  const names = Object.keys(samples[0]?.counts ?? {});
  return names.map((method) => {
    const rows = samples.filter((s) => s.counts[method] !== undefined && Number.isFinite(s.runtime));
    const errors = rows.map((s) => (s.counts[method]! - s.runtime) / s.runtime);
    return {
      method,
      prompts: rows.length,
      exact: rows.filter((s) => s.counts[method] === s.runtime).length,
      mae: errors.reduce((a, e) => a + Math.abs(e), 0) / Math.max(1, errors.length),
      maxUnder: Math.max(0, ...errors.map((e) => -e)),
      meanMicros: rows.reduce((a, s) => a + s.micros[method]!, 0) / Math.max(1, rows.length),
    };
  });
}

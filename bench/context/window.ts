// The cache-friendly window against per-request drop-oldest and the runtime alone: one 40-turn
// conversation growing to four times the model's context, streamed turn by turn; time to the
// first token, and what the runtime's log says it took from its KV cache.
import type { CacheUse, Runtime } from './runtimes';

export type WindowMode = 'window' | 'rolling' | 'direct';

export interface TurnResult {
  turn: number;
  ok: boolean;
  error?: string;
  ttftMs?: number;
  promptTokens?: number;
  /** What Aegis said it did (x-aegis-context). */
  dropped?: number;
  cache?: CacheUse;
}

export interface ModeResult {
  runtime: string;
  model: string;
  mode: WindowMode;
  turns: TurnResult[];
}

/** A turn of about `tokens` tokens: a question and an answer on the same subject. */
export function scriptedTurn(i: number, tokens: number): [{ role: 'user'; content: string }, { role: 'assistant'; content: string }] {
  const words = ['river', 'stone', 'garden', 'window', 'engine', 'signal', 'harbor', 'lantern', 'meadow', 'circuit', 'violin', 'glacier'];
  const text = (seed: number, n: number) => Array.from({ length: n }, (_, k) => words[(seed * 7 + k * 5) % words.length]).join(' ');
  // About 1.3 tokens per word of this vocabulary (measured on SmolLM2); the question is the shorter half.
  const perTurn = Math.max(8, Math.round(tokens / 1.3));
  return [
    { role: 'user', content: `Turn ${i}: what do you make of ${text(i, Math.round(perTurn * 0.4))}?` },
    { role: 'assistant', content: `About turn ${i}: ${text(i + 1, Math.round(perTurn * 0.6))}.` },
  ];
}

export interface RunWindowOptions {
  runtime: Runtime;
  /** The model's name at the gateway (window, rolling) or at the runtime (direct). */
  model: string;
  mode: WindowMode;
  /** Where to send: the gateway's /v1 or the runtime's own API. */
  baseUrl: string;
  turns: number;
  turnTokens: number;
  /** A different opening per mode, so no mode starts from another's KV cache. */
  tag: string;
  maxTokens: number;
  ctx: number;
  log: (line: string) => void;
}

async function streamOnce(url: string, body: unknown, ollamaNative: boolean): Promise<{ ttftMs: number; headers: Headers; promptTokens?: number }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
  let ttftMs: number | undefined;
  let promptTokens: number | undefined;
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const part of res.body!) {
    buffered += decoder.decode(part, { stream: true });
    // The first token, or the end of an empty answer (the model's first token was its stop).
    // Runtimes differ in JSON spacing (llama-cpp-python writes `"content": "…"`).
    ttftMs ??= /"content":\s*"[^"]|"finish_reason":\s*"|"done":\s*true/.test(buffered) ? performance.now() - started : undefined;
    const usage = ollamaNative ? /"prompt_eval_count":\s*(\d+)/.exec(buffered) : /"prompt_tokens":\s*(\d+)/.exec(buffered);
    if (usage) promptTokens = Number(usage[1]);
  }
  // A stream that never got that far is a refusal sent as an SSE error event (llama-cpp-python, Aegis after the headers).
  const error = /"error":\s*[{"]/.exec(buffered);
  if (ttftMs === undefined || error) throw new Error(`refused: ${buffered.slice(error ? Math.max(0, error.index - 40) : 0, (error?.index ?? 0) + 400)}`);
  return { ttftMs, headers: res.headers, promptTokens };
}

export async function runWindow(o: RunWindowOptions): Promise<ModeResult> {
  const messages: { role: string; content: string }[] = [{ role: 'system', content: `${o.tag}. You are a thoughtful assistant; answer briefly.` }];
  const turns: TurnResult[] = [];
  o.runtime.reuse();
  for (let t = 0; t < o.turns; t++) {
    const [question, answer] = scriptedTurn(t, o.turnTokens);
    messages.push(question);
    const ollamaDirect = o.mode === 'direct' && o.runtime.kind === 'ollama';
    const url = ollamaDirect ? `${o.baseUrl}/api/chat` : `${o.baseUrl}/v1/chat/completions`;
    const body = ollamaDirect
      ? { model: o.model, messages, stream: true, options: { num_predict: o.maxTokens, num_ctx: o.ctx, temperature: 0 } }
      : { model: o.model, messages, stream: true, stream_options: { include_usage: true }, max_tokens: o.maxTokens, temperature: 0 };
    try {
      const r = await streamOnce(url, body, ollamaDirect);
      const dropped = /dropped=(\d+)/.exec(r.headers.get('x-aegis-context') ?? '')?.[1];
      turns.push({
        turn: t,
        ok: true,
        ttftMs: r.ttftMs,
        promptTokens: r.promptTokens,
        dropped: dropped === undefined ? undefined : Number(dropped),
        cache: o.runtime.reuse().at(-1),
      });
    } catch (err) {
      turns.push({ turn: t, ok: false, error: (err as Error).message });
      o.runtime.reuse();
    }
    const last = turns.at(-1)!;
    o.log(
      `  ${o.mode} turn ${t}: ${last.ok ? `ttft ${last.ttftMs!.toFixed(0)} ms, prompt ${last.promptTokens}, dropped ${last.dropped ?? '-'}, cache ${last.cache ? `${last.cache.reused}+${last.cache.evaluated}` : '?'}` : last.error}`,
    );
    // The conversation goes on with the scripted answer, as a client replaying its history would.
    messages.push(answer);
  }
  return { runtime: o.runtime.kind, model: o.model, mode: o.mode, turns };
}

export interface ModeSummary {
  mode: WindowMode;
  answered: number;
  failed: number;
  meanTtftMs: number;
  p50TtftMs: number;
  /** Turns whose prompt came at least half from the KV cache, of the answered turns. */
  reusedTurns: number;
  /** Tokens taken from the cache over all prompt tokens. */
  reusedShare: number;
}

export function summarizeMode(m: ModeResult, skipFirst: number): ModeSummary {
  const turns = m.turns.slice(skipFirst);
  const ok = turns.filter((t) => t.ok && t.ttftMs !== undefined);
  const ttfts = ok.map((t) => t.ttftMs!).sort((a, b) => a - b);
  const withCache = ok.filter((t) => t.cache);
  const reused = withCache.filter((t) => t.cache!.reused >= (t.cache!.reused + t.cache!.evaluated) / 2).length;
  const tokens = withCache.reduce((s, t) => s + t.cache!.reused + t.cache!.evaluated, 0);
  return {
    mode: m.mode,
    answered: ok.length,
    failed: turns.length - ok.length,
    meanTtftMs: ttfts.reduce((s, v) => s + v, 0) / Math.max(1, ttfts.length),
    p50TtftMs: ttfts[Math.floor(ttfts.length / 2)] ?? Number.NaN,
    reusedTurns: withCache.length === 0 ? Number.NaN : reused / withCache.length,
    reusedShare: tokens === 0 ? Number.NaN : withCache.reduce((s, t) => s + t.cache!.reused, 0) / tokens,
  };
}

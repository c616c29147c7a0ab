// POST /v1/chat/completions, /v1/completions and /v1/embeddings.
import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema, type ChatChunk, type ChatCompletion, type ChatRequest, type Completion, type CompletionRequest } from '../../core';
import type { CallContext, Streamed, Upstream, Whole } from '../../upstreams';
import { readJsonBody } from '../body';
import type { GatewayDeps } from '../deps';
import type { ExchangeTracker } from '../exchange-tracker';
import { prepare, runWhole, track, type Prepared } from '../pipeline';
import { sseResponse } from '../sse-response';

/** Resolves with the outcome of `p` if it settles within `ms`, else undefined. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ error?: unknown } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  const outcome = p.then(
    () => ({}),
    (error: unknown) => ({ error }),
  );
  const result = await Promise.race([outcome, timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * A 200 JSON answer with the exchange's headers (which carry x-request-id). Not `c.json`: with more
 * than one header Hono builds a web Headers object, which @hono/node-server then converts back into
 * a plain one; a plain object goes straight to writeHead.
 */
function jsonResponse(body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });
}

interface StreamPlan<T> {
  call: () => Promise<Streamed<T> | { kind: 'json'; body: unknown }>;
  onChunk: (chunk: T) => unknown;
  onEnd: () => unknown[];
}

/**
 * A streamed exchange. Failures before the first byte (queue full, upstream 4xx) still get a proper
 * HTTP status; only a wait longer than the keep-alive interval commits to SSE early.
 */
async function streamExchange<T>(c: Context, deps: GatewayDeps, tracker: ExchangeTracker, p: Prepared, plan: StreamPlan<T>): Promise<Response> {
  let progress = `waiting for model ${p.entry.name}`;
  const start = (async (): Promise<AsyncIterable<T>> => {
    const queued = tracker.acquire((message, fraction) => {
      progress = fraction === undefined ? message : `${message} ${Math.round(fraction * 100)}%`;
    });
    if (queued) await queued;
    const result = await plan.call();
    if (result.kind === 'stream') return result.chunks;
    const whole = result.body as T;
    return (async function* () {
      yield whole;
    })();
  })();
  const early = await settledWithin(start, deps.options.keepAliveMs);
  if (early?.error !== undefined) {
    const e = tracker.failure(early.error);
    tracker.finish(e.status, e);
    throw e;
  }
  return sseResponse(tracker, { start, progress: () => progress, onChunk: plan.onChunk, onEnd: plan.onEnd }, deps.options.keepAliveMs, p.headers);
}

function wantsUsage(request: Record<string, unknown>): boolean {
  return (request.stream_options as { include_usage?: boolean } | null | undefined)?.include_usage === true;
}

/** OpenAI framing of usage: a final chunk with empty choices, only when the client asked for it. */
function usagePlan<T extends { id: string; created: number; object: string; model: string; choices: unknown[]; usage?: unknown }>(tracker: ExchangeTracker, p: Prepared, absorb: (chunk: T) => void) {
  let last: T | undefined;
  return {
    onChunk(chunk: T): unknown {
      absorb(chunk);
      chunk.model = p.entry.name;
      last = chunk;
      if (chunk.choices.length === 0) return undefined;
      if (chunk.usage !== undefined) delete chunk.usage;
      return chunk;
    },
    onEnd(): unknown[] {
      const usage = tracker.seenUsage ?? tracker.estimateUsage();
      if (!wantsUsage(p.request) || !last) return [];
      return [{ id: last.id, object: last.object, created: last.created, model: p.entry.name, choices: [], usage }];
    },
  };
}

interface GenerationRoute<Req, W extends ChatCompletion | Completion, C extends ChatChunk | Completion> {
  path: string;
  route: 'chat' | 'completions';
  schema: z.ZodType<Req>;
  call: (upstream: Upstream, request: Req, ctx: CallContext) => Promise<Whole<W> | Streamed<C>>;
  absorbChunk: (tracker: ExchangeTracker, chunk: C) => void;
}

/** Chat and text completions share one path: validate, prepare, then whole JSON or SSE. */
function generationRoute<Req extends { model: string }, W extends ChatCompletion | Completion, C extends ChatChunk | Completion>(app: Hono, deps: GatewayDeps, r: GenerationRoute<Req, W, C>): void {
  app.post(r.path, async (c) => {
    const body = await readJsonBody(c, r.schema, deps.options.bodyLimitBytes);
    const p = prepare(c, deps, r.route, body as Req & Record<string, unknown>);
    const stream = p.request.stream === true;
    const tracker = track(c, deps, r.route, p, stream);
    const ctx = { model: p.entry, signal: tracker.upstreamAbort, requestId: c.get('requestId') };
    const request = p.request as Req;
    if (!stream) {
      const res = await runWhole(tracker, () => r.call(p.upstream, { ...request, stream: false }, ctx), (res) => tracker.absorbWhole((res as Whole<W>).body));
      const out = (res as Whole<W>).body;
      out.model = p.entry.name;
      return jsonResponse(out, p.headers);
    }
    const plan = usagePlan<C>(tracker, p, (chunk) => r.absorbChunk(tracker, chunk));
    return streamExchange<C>(c, deps, tracker, p, {
      // Usage is always asked of the upstream (for metrics and records); the client gets it if it asked.
      call: () => r.call(p.upstream, { ...request, stream: true, stream_options: { include_usage: true } }, ctx),
      ...plan,
    });
  });
}

export function inferenceRoutes(app: Hono, deps: GatewayDeps): void {
  const limit = deps.options.bodyLimitBytes;
  generationRoute<ChatRequest, ChatCompletion, ChatChunk>(app, deps, {
    path: '/v1/chat/completions',
    route: 'chat',
    schema: chatRequestSchema,
    call: (upstream, request, ctx) => upstream.chat(request, ctx),
    absorbChunk: (tracker, chunk) => tracker.absorbChunk(chunk),
  });
  generationRoute<CompletionRequest, Completion, Completion>(app, deps, {
    path: '/v1/completions',
    route: 'completions',
    schema: completionRequestSchema,
    call: (upstream, request, ctx) => upstream.complete(request, ctx),
    absorbChunk: (tracker, chunk) => tracker.absorbCompletionChunk(chunk),
  });

  app.post('/v1/embeddings', async (c) => {
    const body = await readJsonBody(c, embeddingRequestSchema, limit);
    const p = prepare(c, deps, 'embeddings', body);
    const tracker = track(c, deps, 'embeddings', p, false);
    const ctx = { model: p.entry, signal: tracker.upstreamAbort, requestId: c.get('requestId') };
    // Upstreams always answer in floats; Aegis does the base64 encoding itself, because runtimes
    // differ (some ignore encoding_format, some encode float64 where OpenAI means float32).
    const { encoding_format: encoding, ...request } = p.request as typeof body;
    const res = await runWhole(tracker, () => p.upstream.embed(request as typeof body, ctx), (r) => tracker.setUsage({ prompt_tokens: r.usage.prompt_tokens, completion_tokens: 0, total_tokens: r.usage.total_tokens }));
    const data = encoding === 'base64' ? res.data.map((d) => ({ ...d, embedding: toBase64Float32(d.embedding as number[]) })) : res.data;
    return jsonResponse({ ...res, data, model: p.entry.name }, p.headers);
  });
}

function toBase64Float32(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

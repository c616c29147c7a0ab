// POST /v1/chat/completions, /v1/completions and /v1/embeddings: three front doors (request and
// answer codecs) onto the one pipeline.
import type { ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import {
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  type ChatChunk,
  type ChatCompletion,
  type ChatRequest,
  type Completion,
  type CompletionRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ExchangeSink,
  toGatewayError,
} from '../../core';
import { readJsonBody } from '../body';
import type { GatewayDeps } from '../deps';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest, FrontDoor } from '../exchange/front-door';
import { prepareExchange, serveExchange } from '../pipeline';
import { respond } from '../respond';
import type { GenerationChunk } from '../stages/transform';

/** Usage is always asked of a streaming upstream (for metrics and records); the client gets it if it asked. */
const withUsage = <R extends { stream?: boolean | null }>(request: R) =>
  request.stream ? { ...request, stream: true, stream_options: { include_usage: true } } : { ...request, stream: false };

export const chatDoor: FrontDoor<ChatRequest, ChatCompletion, ChatChunk> = {
  route: 'chat',
  capability: 'chat',
  schema: chatRequestSchema,
  call: (upstream, request, ctx) => upstream.chat(withUsage(request), ctx),
  whole(turn, body, _request, model) {
    turn.chatCompletion(body);
    body.model = model;
    return body;
  },
  chunk: (turn, chunk) => turn.chatChunk(chunk),
};

export const completionsDoor: FrontDoor<CompletionRequest, Completion, Completion> = {
  route: 'completions',
  capability: 'completion',
  schema: completionRequestSchema,
  call: (upstream, request, ctx) => upstream.complete(withUsage(request), ctx),
  whole(turn, body, _request, model) {
    turn.completion(body);
    body.model = model;
    return body;
  },
  chunk: (turn, chunk) => turn.completionChunk(chunk),
};

export const embeddingsDoor: FrontDoor<EmbeddingRequest, EmbeddingResponse, never> = {
  route: 'embeddings',
  capability: 'embeddings',
  schema: embeddingRequestSchema,
  // Upstreams always answer in floats; Aegis does the base64 encoding itself, because runtimes
  // differ (some ignore encoding_format, some encode float64 where OpenAI means float32).
  async call(upstream, { encoding_format: _encoding, ...request }, ctx) {
    return { kind: 'json', body: await upstream.embed(request, ctx) };
  },
  whole(turn, body, request, model) {
    turn.embeddings(body);
    const data = request.encoding_format === 'base64' ? body.data.map((d) => ({ ...d, embedding: toBase64Float32(d.embedding) })) : body.data;
    return { ...body, data, model };
  },
};

function toBase64Float32(vector: number[] | string): string {
  return typeof vector === 'string' ? vector : Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/**
 * Calls `x.markClientGone()` if the client's connection closes before the response ended. On Node
 * the ServerResponse tells us directly; `c.req.raw.signal` (in-process requests) costs an
 * AbortController and a web Request per request, which is most of a request's budget.
 */
function watchClient(c: Context, x: Exchange<ClientRequest, unknown, unknown>): void {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) {
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) x.markClientGone();
    });
    return;
  }
  const signal = c.req.raw.signal;
  if (signal.aborted) x.markClientGone();
  else signal.addEventListener('abort', () => x.markClientGone(), { once: true });
}

/** One front door as a route: parse (stage 1), then the pipeline, then the response. */
function frontDoorRoute<Req extends ClientRequest, W, C extends GenerationChunk>(
  app: Hono,
  path: string,
  deps: GatewayDeps,
  sinks: readonly ExchangeSink[],
  door: FrontDoor<Req, W, C>,
): void {
  app.post(path, async (c) => {
    const snapshot = deps.snapshot();
    let x: Exchange<Req, W, C>;
    try {
      const request = await readJsonBody(c, door.schema, snapshot.options.bodyLimitBytes);
      x = prepareExchange({
        deps,
        sinks,
        snapshot,
        door,
        request,
        requestId: c.get('requestId'),
        startedAt: c.get('startedAt'),
        principal: c.get('principal'),
      });
    } catch (err) {
      // Not admitted, so no sink hears of it: counted here (invalid body, unknown model, denial).
      deps.metrics.refused.inc({ route: door.route, code: toGatewayError(err).code });
      throw err;
    }
    watchClient(c, x);
    return respond(x, serveExchange(x), snapshot.options.keepAliveMs);
  });
}

export function inferenceRoutes(app: Hono, deps: GatewayDeps, sinks: readonly ExchangeSink[]): void {
  frontDoorRoute(app, '/v1/chat/completions', deps, sinks, chatDoor);
  frontDoorRoute(app, '/v1/completions', deps, sinks, completionsDoor);
  frontDoorRoute(app, '/v1/embeddings', deps, sinks, embeddingsDoor);
}

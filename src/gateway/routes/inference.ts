// POST /v1/chat/completions, /v1/completions and /v1/embeddings: three front doors (request and
// answer codecs) onto the one pipeline.
import type { Hono } from 'hono';
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
} from '../../core';
import { readJsonBody } from '../body';
import { chatConversation } from '../exchange/chat-conversation';
import type { ClientRequest, SchemaDoor } from '../exchange/front-door';
import type { GenerationChunk } from '../stages/transform';
import { refused, serveDoor, type DoorTarget } from './serve-door';

/** Usage is always asked of a streaming upstream (for metrics and records); the client gets it if it asked. */
const withUsage = <R extends { stream?: boolean | null }>(request: R) =>
  request.stream ? { ...request, stream: true, stream_options: { include_usage: true } } : { ...request, stream: false };

export const chatDoor: SchemaDoor<ChatRequest, ChatCompletion, ChatChunk> = {
  route: 'chat',
  api: 'chat',
  capability: 'chat',
  schema: chatRequestSchema,
  call: (upstream, request, ctx) => upstream.chat(withUsage(request), ctx),
  whole(turn, body, _request, model) {
    turn.chatCompletion(body);
    body.model = model;
    return body;
  },
  chunk: (turn, chunk) => turn.chatChunk(chunk),
  conversation: chatConversation,
  chatChunk: (chunk) => chunk,
};

export const completionsDoor: SchemaDoor<CompletionRequest, Completion, Completion> = {
  route: 'completions',
  api: 'chat',
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

export const embeddingsDoor: SchemaDoor<EmbeddingRequest, EmbeddingResponse, never> = {
  route: 'embeddings',
  api: 'chat',
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

/** One front door as a route: parse (stage 1), then the pipeline, then the response. */
function frontDoorRoute<Req extends ClientRequest, W, C extends GenerationChunk>(
  app: Hono,
  path: string,
  target: DoorTarget,
  door: SchemaDoor<Req, W, C>,
): void {
  app.post(path, async (c) => {
    const snapshot = target.deps.snapshot();
    let request: Req;
    try {
      request = await readJsonBody(c, door.schema, snapshot.options.bodyLimitBytes);
    } catch (err) {
      throw refused(target.deps, door, err);
    }
    return serveDoor(c, target, snapshot, door, request);
  });
}

export function inferenceRoutes(app: Hono, target: DoorTarget): void {
  frontDoorRoute(app, '/v1/chat/completions', target, chatDoor);
  frontDoorRoute(app, '/v1/completions', target, completionsDoor);
  frontDoorRoute(app, '/v1/embeddings', target, embeddingsDoor);
}

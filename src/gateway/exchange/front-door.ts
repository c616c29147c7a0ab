// A front door is one client-facing API as a codec pair: how its request reaches an upstream and
// how the upstream's answer (whole or chunk by chunk) is assembled into the exchange's turn and
// shown to the client. Every door shares the one pipeline (pipeline.ts).
//
// OpenAI's doors are constants whose client body is the pipeline's request. The agent doors
// (Responses, Anthropic Messages) translate their body into a chat request at the edge, so each of
// their requests gets a door of its own that remembers how to turn the answer back.
import type { z } from 'zod';
import type { ChatChunk, ChatMessage, ExchangeApi, ExchangeRoute } from '../../core';
import type { CallContext, Streamed, Upstream, Whole } from '../../upstreams';
import type { SseFraming } from '../sse-response';
import type { ChunkCodec } from '../stages/transform';
import type { Exchange } from './exchange';
import type { Turn } from './turn';

/** What every front door's parsed request is at least: a model name among free-form fields. */
export interface ClientRequest {
  model: string;
  [field: string]: unknown;
}

/** How a door's request holds a conversation, for the context step (chat-shaped doors only). */
export interface Conversation<Req> {
  messages(request: Req): readonly ChatMessage[];
  tools(request: Req): readonly unknown[] | undefined;
  /** What the request asks for the completion (`max_completion_tokens ?? max_tokens`). */
  maxTokens(request: Req): number | null | undefined;
  /** The request with its messages replaced by the fitted ones. */
  withMessages(request: Req, messages: ChatMessage[]): Req;
}

export interface FrontDoor<Req extends ClientRequest, W, C> {
  route: ExchangeRoute;
  /** The API the client speaks (recorded with the exchange). */
  api: ExchangeApi;
  /** The capability a model needs for this door. */
  capability: 'chat' | 'completion' | 'embeddings';
  /** Calls the upstream: whole JSON, or a stream when `request.stream` is true. */
  call(upstream: Upstream, request: Req, ctx: CallContext): Promise<Whole<W> | Streamed<C>>;
  /** Takes what a whole answer says into the turn, and returns the body the client sees. */
  whole(turn: Turn, body: W, request: Req, model: string): unknown;
  /** Takes what a chunk says into the turn; undefined for doors that never stream. */
  chunk?(turn: Turn, chunk: C): void;
  /** The door's own stream codec; without one, OpenAI's chunk framing (transform.ts). */
  stream?(x: Exchange<Req, W, C>, turn: Turn): ChunkCodec<C>;
  /** How the stream looks on the wire; without one, `data:` lines ending in `[DONE]`. */
  sse?: SseFraming;
  /** Headers every answer of this door's exchange carries besides the exchange's own. */
  headers?: Readonly<Record<string, string>>;
  /** Where the request's conversation is, for doors whose prompt the context step fits. */
  conversation?: Conversation<Req>;
  /**
   * A chat chunk as this door's own chunk, for doors whose upstream speaks chat (Chat Completions
   * and the agent APIs): tool calls parsed out of an emulated model's text (src/tools) reach the
   * door as chat chunks, and the MCP tool loop replays its last round through the door.
   */
  chatChunk?(chunk: ChatChunk): C;
}

/** A door whose client body is its pipeline request as it is, checked by `schema` (OpenAI's). */
export interface SchemaDoor<Req extends ClientRequest, W, C> extends FrontDoor<Req, W, C> {
  schema: z.ZodType<Req>;
}

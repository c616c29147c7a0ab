// A front door is one client-facing API as a codec pair: how its request reaches an upstream and
// how the upstream's answer (whole or chunk by chunk) is assembled into the exchange's turn and
// shown to the client. Every door shares the one pipeline (pipeline.ts).
import type { z } from 'zod';
import type { ChatMessage, ExchangeRoute } from '../../core';
import type { CallContext, Streamed, Upstream, Whole } from '../../upstreams';
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
  /** The capability a model needs for this door. */
  capability: 'chat' | 'completion' | 'embeddings';
  schema: z.ZodType<Req>;
  /** Calls the upstream: whole JSON, or a stream when `request.stream` is true. */
  call(upstream: Upstream, request: Req, ctx: CallContext): Promise<Whole<W> | Streamed<C>>;
  /** Takes what a whole answer says into the turn, and returns the body the client sees. */
  whole(turn: Turn, body: W, request: Req, model: string): unknown;
  /** Takes what a chunk says into the turn; undefined for doors that never stream. */
  chunk?(turn: Turn, chunk: C): void;
  /** Where the request's conversation is, for doors whose prompt the context step fits. */
  conversation?: Conversation<Req>;
}

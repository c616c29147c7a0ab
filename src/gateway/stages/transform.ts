// Stage 9: the upstream's answer as the client will see it. A whole answer is taken into a new
// turn and rendered at once; a stream gets a codec with explicit per-stream state that the SSE
// writer runs chunk by chunk (no async layer per token).
import { addUsage, GatewayError, type ChatChunk, type ChatCompletion, type Usage } from '../../core';
import { isChatChunk, isChatCompletion, type ToolSession, type ToolStream } from '../../tools';
import type { Streamed, Whole } from '../../upstreams';
import { usageWithContext, withContextUsage } from '../context/report';
import type { Exchange } from '../exchange/exchange';
import { Turn } from '../exchange/turn';
import type { ClientRequest } from '../exchange/front-door';
import { callRetry } from './retry-tool-call';

/** What streamed chunks of every door share. */
export interface GenerationChunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: unknown[];
  usage?: Usage | null;
}

/** Per-stream state between the upstream's chunks and the client's. */
export interface ChunkCodec<C> {
  /**
   * What to send as soon as the upstream answered, before its first chunk (the agent APIs open
   * with `response.created` / `message_start`, and a model may take long over a big prompt).
   */
  begin?(): unknown;
  /** The chunk to send for `chunk`, several as an array, or undefined to send nothing. */
  chunk(chunk: C): unknown;
  /** Work left once the upstream's stream ended, before `end` (the retry of an invalid tool call); usually none. */
  settle?(): Promise<void> | undefined;
  /** Chunks to send after the upstream's last one, before [DONE]. */
  end(): unknown[];
}

export type Answer<C> = { kind: 'json'; body: unknown } | { kind: 'stream'; chunks: AsyncIterable<C>; codec: ChunkCodec<C> };

/**
 * Synchronous unless a whole answer holds an invalid emulated tool call: its one constrained retry
 * runs before the door renders the answer, so every door shows the repaired call.
 */
export function transform<Req extends ClientRequest, W, C extends GenerationChunk>(
  x: Exchange<Req, W, C>,
  output: Whole<W> | Streamed<C>,
): Answer<C> | Promise<Answer<C>> {
  const tools = x.tools;
  if (output.kind === 'json') x.upstreamDone();
  if (output.kind === 'json' && tools && isChatCompletion(output.body)) {
    tools.whole(output.body);
    if (tools.pendingRetry) return retriedWhole(x, output, output.body, tools);
  }
  return present(x, output, x.newTurn(), tools);
}

/**
 * Stage 9 for an answer the tool loop has already read (its last round: tool calls parsed, the
 * turn assembled): the door renders it into a turn nobody records, so the exchange counts nothing
 * twice, and the tools are not read again.
 */
export function render<Req extends ClientRequest, W, C extends GenerationChunk>(x: Exchange<Req, W, C>, output: Whole<W> | Streamed<C>): Answer<C> {
  return present(x, output, new Turn(x.start.deps.clock), undefined);
}

/** `tools` reads a stream's calls as it passes; a whole answer's were read before. */
function present<Req extends ClientRequest, W, C extends GenerationChunk>(
  x: Exchange<Req, W, C>,
  output: Whole<W> | Streamed<C>,
  turn: Turn,
  tools: ToolSession | undefined,
): Answer<C> {
  const { door } = x.start;
  if (output.kind === 'json') return { kind: 'json', body: wholeBody(x, output.body, turn) };
  const stream = tools?.stream();
  const own = door.stream?.(x, turn);
  if (!own) return { kind: 'stream', chunks: output.chunks, codec: new StreamCodec(x, turn, stream) };
  return { kind: 'stream', chunks: output.chunks, codec: stream && door.chatChunk ? new ToolCallsFirst(x, turn, own, stream, door.chatChunk) : own };
}

function wholeBody<Req extends ClientRequest, W, C>(x: Exchange<Req, W, C>, body: W, turn: Turn, usage?: Usage): unknown {
  if (x.stream) throw new GatewayError('upstream_error', `Upstream "${x.target.upstream.name}" answered a streamed request with a whole response.`);
  const shown = x.start.door.whole(turn, body, x.request, x.target.entry.name);
  // The retry's turn reports the retry's tokens (the door took the first call's from the body).
  if (usage) turn.usage = usage;
  return x.context ? withContextUsage(shown, x.context.report, x.usage()) : shown;
}

/** The constrained retry of a whole answer's invalid call: its call replaces the invalid one. */
async function retriedWhole<Req extends ClientRequest, W, C extends GenerationChunk>(
  x: Exchange<Req, W, C>,
  output: Whole<W>,
  body: ChatCompletion,
  tools: ToolSession,
): Promise<Answer<C>> {
  const first = x.newTurn();
  first.usage = body.usage ?? undefined;
  const retry = await callRetry(x);
  tools.retried(retry);
  // The retry is a model call of its own; its turn carries the final answer the record keeps.
  if (retry) return { kind: 'json', body: wholeBody(x, output.body, x.newTurn(), retry.usage) };
  return { kind: 'json', body: wholeBody(x, output.body, first) };
}

/**
 * OpenAI's framing of a stream: the public model name on every chunk, usage stripped from content
 * chunks (Aegis always asks the upstream for it, for metrics and records) and sent as a final chunk
 * with empty choices only when the client asked (`stream_options.include_usage`).
 */
export class StreamCodec<C extends GenerationChunk> implements ChunkCodec<C> {
  private last: C | ChatChunk | undefined;
  /** Chunks a tool-call retry produced, sent before the end. */
  private retried: ChatChunk[] = [];

  constructor(
    private readonly x: Exchange<ClientRequest, unknown, C>,
    private turn: Turn,
    /** Tool calls of this stream, when the request has tools (src/tools). */
    private readonly tools?: ToolStream,
  ) {}

  chunk(chunk: C): unknown {
    if (this.tools && isChatChunk(chunk)) return this.toolChunk(chunk, this.tools);
    this.x.start.door.chunk?.(this.turn, chunk);
    chunk.model = this.x.target.entry.name;
    this.last = chunk;
    if (chunk.choices.length === 0) return undefined;
    if (chunk.usage !== undefined) delete chunk.usage;
    return chunk;
  }

  /**
   * A chat chunk when the request has tools: the tool stream turns it into what the client sees
   * (content up to a possible tag, then delta.tool_calls). The turn assembles what is sent, but counts
   * the upstream's tokens.
   */
  private toolChunk(chunk: ChatChunk, tools: ToolStream): unknown {
    const turn = this.turn;
    if (chunk.usage) turn.usage = chunk.usage;
    chunk.model = this.x.target.entry.name;
    this.last = chunk;
    if (chunk.choices.length === 0) return undefined;
    const tokens = turn.outputChunks + (chunk.choices[0]?.delta.content ? 1 : 0);
    const out = tools.push(chunk);
    for (const c of out) turn.chatChunk(c);
    turn.outputChunks = tokens;
    return out.length ? out : undefined;
  }

  settle(): Promise<void> | undefined {
    if (!this.tools?.pendingRetry) return undefined;
    return this.retry();
  }

  private async retry(): Promise<void> {
    const body = await callRetry(this.x);
    this.x.tools?.retried(body);
    this.retried = this.tools?.take() ?? [];
    if (!body) return;
    // The retry is a model call of its own; its turn finishes the answer the record keeps.
    const turn = this.x.newTurn();
    turn.continueFrom(this.turn);
    turn.usage = body.usage;
    this.turn = turn;
  }

  end(): unknown[] {
    const out: unknown[] = [];
    if (this.tools) {
      for (const c of [...this.retried, ...this.tools.end()]) {
        this.turn.chatChunk(c);
        out.push(c);
      }
    }
    const usage = this.x.usage();
    const asked = (this.x.start.request as { stream_options?: { include_usage?: boolean } | null }).stream_options?.include_usage === true;
    const last = this.last;
    if (!asked || !last) return out;
    const context = this.x.context;
    out.push({
      id: last.id,
      object: last.object,
      created: last.created,
      model: this.x.target.entry.name,
      choices: [],
      usage: context ? usageWithContext(usage, context.report) : usage,
    });
    return out;
  }
}

/**
 * A door's own stream codec (the agent APIs) behind the request's tool stream: the door is handed
 * the chunks the Chat Completions client would get, tool calls parsed out of an emulated model's
 * text, so its events carry real calls.
 */
class ToolCallsFirst<C extends GenerationChunk> implements ChunkCodec<C> {
  /** Chunks a tool-call retry produced, handed to the door before the end. */
  private held: ChatChunk[] = [];

  constructor(
    private readonly x: Exchange<ClientRequest, unknown, C>,
    private readonly turn: Turn,
    private readonly door: ChunkCodec<C>,
    private readonly tools: ToolStream,
    private readonly own: (chunk: ChatChunk) => C,
  ) {}

  begin(): unknown {
    return this.door.begin?.();
  }

  chunk(chunk: C): unknown {
    // Usage-only chunks (and anything not chat) go to the door as they are.
    if (!isChatChunk(chunk) || chunk.choices.length === 0) return this.door.chunk(chunk);
    if (chunk.usage) this.turn.usage = chunk.usage;
    return this.pass(this.tools.push(chunk));
  }

  settle(): Promise<void> | undefined {
    return this.tools.pendingRetry ? this.retry() : this.door.settle?.();
  }

  private async retry(): Promise<void> {
    const session = this.x.tools;
    const body = await callRetry(this.x);
    session?.retried(body);
    // The door keeps writing into its turn: the retry's tokens are added to it.
    if (body?.usage) this.turn.usage = addUsage(this.turn.usage, body.usage);
    this.held = this.tools.take();
  }

  end(): unknown[] {
    const out = this.pass([...this.held, ...this.tools.end()]);
    return [...out, ...this.door.end()];
  }

  /** The door's output for each chunk, flattened. */
  private pass(chunks: readonly ChatChunk[]): unknown[] {
    const out: unknown[] = [];
    for (const c of chunks) {
      const shown = this.door.chunk(this.own(c));
      if (Array.isArray(shown)) out.push(...shown);
      else if (shown !== undefined) out.push(shown);
    }
    return out;
  }
}

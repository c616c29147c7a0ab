// Stage 9: the upstream's answer as the client will see it. A whole answer is taken into a new
// turn and rendered at once; a stream gets a codec with explicit per-stream state that the SSE
// writer runs chunk by chunk (no async layer per token).
import { GatewayError, type ChatChunk, type Usage } from '../../core';
import { isChatChunk, isChatCompletion, type ToolStream } from '../../tools';
import type { Streamed, Whole } from '../../upstreams';
import { usageWithContext, withContextUsage } from '../context/report';
import type { Exchange } from '../exchange/exchange';
import type { Turn } from '../exchange/turn';
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

export function transform<Req extends ClientRequest, W, C extends GenerationChunk>(x: Exchange<Req, W, C>, output: Whole<W> | Streamed<C>): Answer<C> {
  const turn = x.newTurn();
  const { door } = x.start;
  if (output.kind === 'json') {
    x.upstreamDone();
    if (x.stream) throw new GatewayError('upstream_error', `Upstream "${x.target.upstream.name}" answered a streamed request with a whole response.`);
    if (x.tools && isChatCompletion(output.body)) x.tools.whole(output.body);
    const body = door.whole(turn, output.body, x.request, x.target.entry.name);
    return { kind: 'json', body: x.context ? withContextUsage(body, x.context.report, x.usage()) : body };
  }
  return { kind: 'stream', chunks: output.chunks, codec: door.stream?.(x, turn) ?? new StreamCodec(x, turn) };
}

/**
 * OpenAI's framing of a stream: the public model name on every chunk, usage stripped from content
 * chunks (Aegis always asks the upstream for it, for metrics and records) and sent as a final chunk
 * with empty choices only when the client asked (`stream_options.include_usage`).
 */
export class StreamCodec<C extends GenerationChunk> implements ChunkCodec<C> {
  private last: C | ChatChunk | undefined;
  /** Tool calls of this stream, when the request has tools (src/tools). */
  private readonly tools: ToolStream | undefined;
  /** Chunks a tool-call retry produced, sent before the end. */
  private retried: ChatChunk[] = [];

  constructor(
    private readonly x: Exchange<ClientRequest, unknown, C>,
    private turn: Turn,
  ) {
    this.tools = x.tools?.stream();
  }

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

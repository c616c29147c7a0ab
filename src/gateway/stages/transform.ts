// Stage 9: the upstream's answer as the client will see it. A whole answer is taken into a new
// turn and rendered at once; a stream gets a codec with explicit per-stream state that the SSE
// writer runs chunk by chunk (no async layer per token).
import { GatewayError, type Usage } from '../../core';
import type { Streamed, Whole } from '../../upstreams';
import type { Exchange } from '../exchange/exchange';
import type { Turn } from '../exchange/turn';
import type { ClientRequest } from '../exchange/front-door';

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
  /** The chunk to send for `chunk`, or undefined to send nothing. */
  chunk(chunk: C): unknown;
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
    return { kind: 'json', body: door.whole(turn, output.body, x.request, x.target.entry.name) };
  }
  return { kind: 'stream', chunks: output.chunks, codec: new StreamCodec(x, turn) };
}

/**
 * OpenAI's framing of a stream: the public model name on every chunk, usage stripped from content
 * chunks (Aegis always asks the upstream for it, for metrics and records) and sent as a final chunk
 * with empty choices only when the client asked (`stream_options.include_usage`).
 */
export class StreamCodec<C extends GenerationChunk> implements ChunkCodec<C> {
  private last: C | undefined;

  constructor(
    private readonly x: Exchange<ClientRequest, unknown, C>,
    private readonly turn: Turn,
  ) {}

  chunk(chunk: C): unknown {
    this.x.start.door.chunk?.(this.turn, chunk);
    chunk.model = this.x.target.entry.name;
    this.last = chunk;
    if (chunk.choices.length === 0) return undefined;
    if (chunk.usage !== undefined) delete chunk.usage;
    return chunk;
  }

  end(): unknown[] {
    this.x.upstreamDone();
    const usage = this.x.usage();
    const asked = (this.x.start.request as { stream_options?: { include_usage?: boolean } | null }).stream_options?.include_usage === true;
    const last = this.last;
    if (!asked || !last) return [];
    return [{ id: last.id, object: last.object, created: last.created, model: this.x.target.entry.name, choices: [], usage }];
  }
}

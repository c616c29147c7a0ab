// Streams an exchange to the client as SSE: keep-alive comments while the model loads or the
// request queues, chunks as they come, and any late failure in the door's own terms (OpenAI's: an
// error event plus [DONE]; the agent APIs end with their failure events instead).
import { GatewayError, sseComment, sseData, sseDone } from '../core';
import type { Exchange } from './exchange/exchange';
import type { Answer } from './stages/transform';

/** How a door's stream looks on the wire. */
export interface SseFraming {
  /** The bytes for one thing the stream codec returned (a chunk, or a batch of events). */
  event(payload: unknown): Uint8Array;
  /** What follows the codec's last event, if anything. */
  readonly done: Uint8Array | undefined;
  /** What ends a stream whose exchange failed after the response began. */
  failure(error: GatewayError): Uint8Array;
}

/** OpenAI's framing: `data:` lines, `data: [DONE]` at the end, a failure as the error envelope. */
export const openAiFraming: SseFraming = {
  event: sseData,
  done: sseDone,
  failure: (error) => Buffer.concat([sseData(error.toJSON()), sseDone]),
};

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** What the SSE writer uses of an exchange. */
export type StreamedExchange = Pick<Exchange, 'markClientGone' | 'progress' | 'failure' | 'finish' | 'clientGone' | 'headers' | 'upstreamDone'>;

export function sseResponse<C>(x: StreamedExchange, answer: Promise<Answer<C>>, keepAliveMs: number, framing: SseFraming = openAiFraming): Response {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let wake: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        ctrl = c;
      },
      pull() {
        wake?.();
        wake = undefined;
      },
      cancel() {
        closed = true;
        wake?.();
        x.markClientGone();
      },
    },
    { highWaterMark: 16 },
  );
  const write = async (bytes: Uint8Array): Promise<void> => {
    if (closed) return;
    ctrl.enqueue(bytes);
    if ((ctrl.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (wake = r));
  };

  const pump = async (): Promise<void> => {
    let settled = false;
    answer.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      // Cleared, not just unref'd: `answer` has usually settled before the first turn (the route
      // waits one interval first), and a left-over timer per stream would live a whole interval.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([answer.catch(() => {}), new Promise((r) => (timer = setTimeout(r, keepAliveMs)))]);
      clearTimeout(timer);
      if (!settled) await write(sseComment(x.progress));
    }
    let status = 200;
    let failure: GatewayError | undefined;
    try {
      const a = await answer;
      if (a.kind !== 'stream') throw new GatewayError('internal_error', 'A streamed request produced a whole answer.');
      const opening = a.codec.begin?.();
      if (opening !== undefined) await write(framing.event(opening));
      for await (const chunk of a.chunks) {
        const out = a.codec.chunk(chunk);
        if (out === undefined) continue;
        if (Array.isArray(out)) for (const o of out) await write(framing.event(o));
        else await write(framing.event(out));
      }
      // The upstream's answer is complete; what follows (a tool-call retry, the closing events) is not its time.
      x.upstreamDone();
      const settling = a.codec.settle?.();
      if (settling) await settling;
      for (const extra of a.codec.end()) await write(framing.event(extra));
      if (framing.done) await write(framing.done);
    } catch (err) {
      failure = x.failure(err);
      status = failure.status;
      if (!x.clientGone) await write(framing.failure(failure));
    } finally {
      x.finish(status, failure);
      if (!closed) {
        closed = true;
        ctrl.close();
      }
    }
  };
  void pump();
  return new Response(body, { status: 200, headers: { ...sseHeaders, ...x.headers() } });
}

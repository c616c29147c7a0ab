// Streams an exchange to the client as SSE: keep-alive comments while the model loads or the
// request queues, chunks as they come, and any late failure as an error event plus [DONE].
import { GatewayError, sseComment, sseData, sseDone } from '../core';
import type { Exchange } from './exchange/exchange';
import type { Answer } from './stages/transform';

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** What the SSE writer uses of an exchange. */
export type StreamedExchange = Pick<Exchange, 'markClientGone' | 'progress' | 'failure' | 'finish' | 'clientGone' | 'headers'>;

export function sseResponse<C>(x: StreamedExchange, answer: Promise<Answer<C>>, keepAliveMs: number): Response {
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
      for await (const chunk of a.chunks) {
        const out = a.codec.chunk(chunk);
        if (out === undefined) continue;
        if (Array.isArray(out)) for (const o of out) await write(sseData(o));
        else await write(sseData(out));
      }
      const settling = a.codec.settle?.();
      if (settling) await settling;
      for (const extra of a.codec.end()) await write(sseData(extra));
      await write(sseDone);
    } catch (err) {
      failure = x.failure(err);
      status = failure.status;
      if (!x.clientGone) {
        await write(sseData(failure.toJSON()));
        await write(sseDone);
      }
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

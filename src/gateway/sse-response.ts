// Streams an exchange to the client as SSE: keep-alive comments while the model loads or the
// request queues, chunks as they come, and any late failure as an error event plus [DONE].
import { GatewayError, sseComment, sseData, sseDone } from '../core';
import type { ExchangeTracker } from './exchange-tracker';

export interface SseSource<T> {
  /** Settles when the upstream answered with a stream (or failed before). */
  start: Promise<AsyncIterable<T>>;
  /** Progress text for keep-alive comments while `start` is pending. */
  progress: () => string;
  /** Per-chunk work; returns the chunk to send, or undefined to send nothing. */
  onChunk: (chunk: T) => unknown;
  /** Chunks to send after the last upstream chunk, before [DONE]. */
  onEnd: () => unknown[];
}

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export function sseResponse<T>(tracker: ExchangeTracker, source: SseSource<T>, keepAliveMs: number, headers: Record<string, string>): Response {
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
        tracker.markClientGone();
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
    source.start.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      // Cleared, not just unref'd: `start` has usually settled before the first turn (the route
      // waits one interval first), and a left-over timer per stream would live a whole interval.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([source.start.catch(() => {}), new Promise((r) => (timer = setTimeout(r, keepAliveMs)))]);
      clearTimeout(timer);
      if (!settled) await write(sseComment(source.progress()));
    }
    let status = 200;
    let failure: GatewayError | undefined;
    try {
      for await (const chunk of await source.start) {
        const out = source.onChunk(chunk);
        if (out !== undefined) await write(sseData(out));
      }
      for (const extra of source.onEnd()) await write(sseData(extra));
      await write(sseDone);
    } catch (err) {
      failure = tracker.failure(err);
      status = failure.status;
      if (!tracker.clientGone) {
        await write(sseData(failure.toJSON()));
        await write(sseDone);
      }
    } finally {
      tracker.finish(status, failure);
      if (!closed) {
        closed = true;
        ctrl.close();
      }
    }
  };
  void pump();
  return new Response(body, { status: 200, headers: { ...sseHeaders, ...headers } });
}

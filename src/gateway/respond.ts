// The answer of an exchange as an HTTP response: whole JSON, or SSE. A streamed exchange that
// fails before its first byte (queue full, upstream 4xx) still gets a proper HTTP status; only a
// wait longer than the keep-alive interval commits to SSE early, with progress comments.
import type { Exchange } from './exchange/exchange';
import { sseResponse } from './sse-response';
import { GatewayError } from '../core';
import type { Answer, GenerationChunk } from './stages/transform';
import type { ClientRequest } from './exchange/front-door';

/** Resolves with the outcome of `p` if it settles within `ms`, else undefined. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ error?: unknown } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  const outcome = p.then(
    () => ({}),
    (error: unknown) => ({ error }),
  );
  const result = await Promise.race([outcome, timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * A 200 JSON answer with the exchange's headers. Not `c.json`: with more than one header Hono builds
 * a web Headers object, which @hono/node-server then converts back into a plain one; a plain object
 * goes straight to writeHead.
 */
function jsonResponse(body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });
}

/** The response for `answer`; the exchange is finished at body end (stage 11). */
export async function respond<C extends GenerationChunk>(
  x: Exchange<ClientRequest, unknown, C>,
  answer: Promise<Answer<C>>,
  keepAliveMs: number,
): Promise<Response> {
  if (!x.stream) {
    const a = await answer;
    if (a.kind !== 'json') throw x.fail(new GatewayError('internal_error', 'A whole request produced a stream.'));
    x.finish(200);
    return jsonResponse(a.body, x.headers());
  }
  const early = await settledWithin(answer, keepAliveMs);
  // serveExchange finished the exchange with this failure already.
  if (early?.error !== undefined) throw early.error;
  return sseResponse(x, answer, keepAliveMs, x.start.door.sse);
}

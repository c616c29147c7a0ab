// What every front door's route does once it has the pipeline's request: stages 3–11 and the
// response. The OpenAI doors parse straight into it; the agent doors translate first.
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { parseStrategy, type Strategy } from '../../context';
import { GatewayError, toGatewayError, type ExchangeSink } from '../../core';
import type { GatewayDeps, GatewaySnapshot } from '../deps';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest, FrontDoor } from '../exchange/front-door';
import { prepareExchange, serveExchange } from '../pipeline';
import { respond } from '../respond';
import { seriesRoute } from '../sinks';
import type { GenerationChunk } from '../stages/transform';

/** Where a door's requests go: the gateway's deps and the sinks that hear of finished exchanges. */
export interface DoorTarget {
  deps: GatewayDeps;
  sinks: readonly ExchangeSink[];
}

/**
 * Calls `x.markClientGone()` if the client's connection closes before the response ended. On Node
 * the ServerResponse tells us directly; `c.req.raw.signal` (in-process requests) costs an
 * AbortController and a web Request per request, which is most of a request's budget.
 */
function watchClient(c: Context, x: Exchange<ClientRequest, unknown, unknown>): void {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) {
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) x.markClientGone();
    });
    return;
  }
  const signal = c.req.raw.signal;
  if (signal.aborted) x.markClientGone();
  else signal.addEventListener('abort', () => x.markClientGone(), { once: true });
}

/** The strategy a client asked for with `x-aegis-truncate`; a value Aegis does not know is a 400. */
function truncateHeader(c: Context): Strategy | undefined {
  const value = c.req.header('x-aegis-truncate');
  if (value === undefined || value === '') return undefined;
  const strategy = parseStrategy(value);
  if (!strategy) {
    throw new GatewayError('invalid_request', `Invalid x-aegis-truncate header "${value}": expected error, drop-oldest or middle-out.`, {
      param: 'x-aegis-truncate',
    });
  }
  return strategy;
}

/**
 * A request refused before admission (invalid body, unknown model, policy denial, a context that
 * cannot fit) is no exchange, so no sink hears of it: it is counted here, and `err` returned to throw.
 */
export function refused(deps: GatewayDeps, door: Pick<FrontDoor<ClientRequest, unknown, unknown>, 'route' | 'api'>, err: unknown): unknown {
  deps.metrics.refused.inc({ route: seriesRoute(door), code: toGatewayError(err).code });
  return err;
}

/** The pipeline for one parsed request through `door`, answered as JSON or SSE. */
export async function serveDoor<Req extends ClientRequest, W, C extends GenerationChunk>(
  c: Context,
  { deps, sinks }: DoorTarget,
  snapshot: GatewaySnapshot,
  door: FrontDoor<Req, W, C>,
  request: Req,
): Promise<Response> {
  let x: Exchange<Req, W, C>;
  try {
    const truncate = door.conversation ? truncateHeader(c) : undefined;
    const prepared = prepareExchange({
      deps,
      sinks,
      snapshot,
      door,
      request,
      requestId: c.get('requestId'),
      startedAt: c.get('startedAt'),
      principal: c.get('principal'),
      truncate,
    });
    // Awaited only when the context step had to count: most requests are prepared synchronously.
    x = prepared instanceof Promise ? await prepared : prepared;
  } catch (err) {
    throw refused(deps, door, err);
  }
  watchClient(c, x);
  return respond(x, serveExchange(x), snapshot.options.keepAliveMs);
}

// Stage 8: one model call through the front door's codec, over the upstream's pooled dispatcher,
// cancelled with the exchange (client gone in cancel mode, preemption).
import type { Streamed, Whole } from '../../upstreams';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

export function callModel<Req extends ClientRequest, W, C>(x: Exchange<Req, W, C>): Promise<Whole<W> | Streamed<C>> {
  const { door, requestId } = x.start;
  // Cancelled while it waited (client gone in cancel mode, preempted): the runtime is not asked.
  if (x.cancel.aborted) return Promise.reject(x.cancel.reason);
  x.callStartedAt = x.start.deps.clock.now();
  return door.call(x.target.upstream, x.request, { model: x.target.entry, signal: x.cancel, requestId });
}

// Stage 8: one model call through the front door's codec, over the upstream's pooled dispatcher,
// cancelled with the exchange (client gone in cancel mode, preemption). A runtime that refuses the
// prompt as too long gets it fitted again and once more (context/retry.ts).
import type { Streamed, Whole } from '../../upstreams';
import { refitAfterRefusal } from '../context/retry';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import { prepareTools } from './prepare-tools';

export async function callModel<Req extends ClientRequest, W, C>(x: Exchange<Req, W, C>): Promise<Whole<W> | Streamed<C>> {
  const { door, requestId } = x.start;
  // Cancelled while it waited (client gone in cancel mode, preempted): the runtime is not asked.
  if (x.cancel.aborted) throw x.cancel.reason;
  const call = () => {
    // Emulated tools change what the runtime sees (instructions, history as text, a schema); the
    // exchange keeps the client's request, which is what gets recorded.
    const request = x.tools ? { ...x.request, ...x.tools.plan.upstream } : x.request;
    x.upstreamCall();
    return door.call(x.target.upstream, request, { model: x.target.entry, signal: x.cancel, requestId });
  };
  try {
    return await call();
  } catch (err) {
    // The refused call was upstream time too; the refit's counting is the gateway's.
    x.upstreamDone();
    const refit = await refitAfterRefusal(x.context, err);
    if (!refit) throw err;
    x.request = refit.request;
    x.tools = prepareTools(x.start, x.target, refit.request);
    x.context = refit.context;
    return call();
  }
}

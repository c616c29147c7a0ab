// Between the decisions and the work: the exchange is admitted, and from here on it is counted,
// holds resources, and is finished exactly once (stage 11) whatever happens.
import type { ToolSession } from '../../tools';
import type { Authorization } from '../deps';
import { Exchange, type ExchangeStart, type Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

export function admit<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  target: Target,
  authorization: Authorization<Req> | undefined,
  request: Req,
  tools?: ToolSession,
): Exchange<Req, W, C> {
  return new Exchange(start, target, authorization, request, authorization?.priority ?? target.entry.priority, tools);
}

// Stage 5: fit the prompt into the model's context window and say what was done (src/context,
// wired in context/fit-chat.ts). Synchronous unless something must be counted.
import type { Authorization } from '../deps';
import type { ExchangeStart, Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import { fitChat, type Fitting } from '../context/fit-chat';

export function fitContext<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  target: Target,
  authorization: Authorization<Req> | undefined,
  request: Req,
): Fitting<Req> | Promise<Fitting<Req>> {
  return fitChat(start, target, authorization, request);
}

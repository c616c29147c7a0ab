// Stage 5: fit the prompt into the model's context window and say what was done (src/context).
// Pass-through until context fitting lands: the request goes on as it is.
import type { Target } from '../exchange/exchange';

export function fitContext<Req>(_target: Target, request: Req): Req {
  return request;
}

// Stage 4: policy decides (OPA wasm, policies.rego) and its obligations shape the request; a
// denial ends the exchange here (403, or 429 for a spent quota).
import { policyName } from '../../context';
import type { Authorization } from '../deps';
import type { ExchangeStart, Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

export function authorize<Req extends ClientRequest, W, C>(start: ExchangeStart<Req, W, C>, { entry }: Target): Authorization<Req> | undefined {
  const { deps, door, principal, request, requestId, truncate } = start;
  const truncation = truncate === undefined ? undefined : policyName(truncate);
  return deps.policy?.check({ principal, route: door.route, api: door.api, model: entry, request, requestId, truncation });
}

// Stage 3: the model a request names (name, alias or name@version) and the upstream serving it.
import { GatewayError } from '../../core';
import type { ModelEntry } from '../../registry';
import { assertSupportedContent } from '../../upstreams';
import type { GatewaySnapshot } from '../deps';
import type { ExchangeStart, Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

export function resolveModel(snapshot: GatewaySnapshot, ref: string): ModelEntry {
  const entry = snapshot.catalog.resolve(ref);
  if (!entry) throw new GatewayError('model_not_found', `The model \`${ref}\` does not exist or you do not have access to it.`, { param: 'model' });
  return entry;
}

export function resolveTarget<Req extends ClientRequest, W, C>({ snapshot, door, request }: ExchangeStart<Req, W, C>): Target {
  const entry = resolveModel(snapshot, request.model);
  if (!entry.capabilities[door.capability]) {
    const what = door.capability === 'embeddings' ? 'embeddings' : `${door.capability} requests`;
    throw new GatewayError('capability_not_supported', `The model \`${entry.name}\` does not support ${what}.`, { param: 'model' });
  }
  // Content the model cannot take (images to a text model) is refused before any upstream call.
  assertSupportedContent(entry, request);
  const upstream = snapshot.upstreams.get(entry.upstream);
  if (!upstream)
    throw new GatewayError('upstream_unavailable', `The upstream "${entry.upstream}" of model \`${entry.name}\` is not configured.`, { retryAfter: 5 });
  return { entry, upstream };
}

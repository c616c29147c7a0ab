// GET /v1/models and /v1/models/{id}: every routable name and alias, with an `aegis` extension
// that says, among the rest, which front doors (chat, Responses, Messages, …) can use the model.
import type { Hono } from 'hono';
import { settingsFor } from '../../context';
import type { ModelEntry } from '../../registry';
import { defaultContextConfig } from '../context/fit-chat';
import type { GatewayDeps } from '../deps';
import { resolveModel } from '../stages/resolve';

/** The front doors a model can be used through, from its capabilities (an agent asks chat of it). */
export function endpointsOf(entry: ModelEntry): string[] {
  const out: string[] = [];
  if (entry.capabilities.chat) out.push('/v1/chat/completions', '/v1/responses', '/v1/messages');
  if (entry.capabilities.completion) out.push('/v1/completions');
  if (entry.capabilities.embeddings) out.push('/v1/embeddings');
  return out;
}

/** The context length fitting uses and where it comes from (runtime, config, discovered, learned). */
function contextLength(deps: GatewayDeps, entry: ModelEntry): { tokens: number | null; source: string | null } {
  const snapshot = deps.snapshot();
  const { counting } = settingsFor(snapshot.options.context ?? defaultContextConfig, entry.context);
  const limit = deps.context?.peekLimit(entry, snapshot.upstreams.get(entry.upstream), counting);
  if (limit) return limit;
  return { tokens: entry.contextLength ?? null, source: entry.contextLength === undefined ? null : entry.origin === 'discovered' ? 'discovered' : 'config' };
}

function describe(deps: GatewayDeps, id: string, entry: ModelEntry) {
  const context = contextLength(deps, entry);
  return {
    id,
    object: 'model' as const,
    created: Math.floor(Date.parse(entry.provenance?.importedAt ?? '') / 1000) || 0,
    owned_by: entry.upstream,
    aegis: {
      name: entry.name,
      version: entry.version,
      alias_of: id === entry.name ? undefined : entry.name,
      aliases: entry.aliases,
      upstream: entry.upstream,
      upstream_model: entry.upstreamModel,
      loaded: deps.modelState?.(entry)?.loaded ?? null,
      context_length: context.tokens,
      context_length_source: context.source,
      capabilities: entry.capabilities,
      endpoints: endpointsOf(entry),
      priority: entry.priority,
      pinned: entry.pinned,
      status: entry.status,
      source: entry.origin,
    },
  };
}

export function modelRoutes(app: Hono, deps: GatewayDeps): void {
  app.get('/v1/models', (c) => {
    const { catalog } = deps.snapshot();
    const data = catalog
      .current()
      .flatMap((entry) => [
        describe(deps, entry.name, entry),
        ...entry.aliases.filter((a) => catalog.resolve(a) === entry).map((a) => describe(deps, a, entry)),
      ]);
    return c.json({ object: 'list', data });
  });

  app.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id');
    return c.json(describe(deps, id, resolveModel(deps.snapshot(), id)));
  });
}

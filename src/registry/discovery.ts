// Turns what upstreams report (/api/tags, /api/v1/models, /v1/models) into registry entries.
// Config entries always win; a name served by two upstreams is kept by the first and namespaced
// (`upstream/name`) for the others. The upstreams are a structural port: an `Upstream` satisfies it.
import type { Logger } from '../core';
import type { ModelEntry } from './types';

/** A model as a runtime lists it (the upstreams' `DiscoveredModel` satisfies it). */
export interface DiscoveredModel {
  id: string;
  contextLength?: number;
  sizeBytes?: number;
  loaded?: boolean;
  capabilities?: { chat?: boolean; completion?: boolean; embeddings?: boolean; tools?: boolean; vision?: boolean };
  family?: string;
  quantization?: string;
}

/** What discovery asks of a runtime. */
export interface ModelSource {
  name: string;
  listModels(): Promise<DiscoveredModel[]>;
  health(): Promise<boolean>;
}

export function toEntry(upstream: ModelSource, m: DiscoveredModel, name: string): ModelEntry {
  const caps = m.capabilities ?? {};
  return {
    name,
    version: 'discovered',
    aliases: [],
    tags: ['discovered'],
    upstream: upstream.name,
    upstreamModel: m.id,
    contextLength: m.contextLength,
    sizeBytes: m.sizeBytes,
    capabilities: {
      chat: caps.chat ?? true,
      completion: caps.completion ?? true,
      embeddings: caps.embeddings ?? /embed/i.test(m.id),
      tools: caps.tools ? 'native' : 'emulated',
      vision: caps.vision ?? false,
    },
    priority: 'standard',
    pinned: false,
    status: 'active',
    origin: 'discovered',
    provenance: m.quantization || m.family ? { gguf: { architecture: m.family, quantization: m.quantization } } : undefined,
  };
}

export interface DiscoveryResult {
  entries: ModelEntry[];
  loaded: Map<string, Set<string>>;
  reachable: Record<string, boolean>;
}

export async function discover<U extends ModelSource>(upstreams: readonly U[], enabled: (u: U) => boolean, logger: Logger): Promise<DiscoveryResult> {
  const results = await Promise.all(
    upstreams.map(async (u) => {
      if (!enabled(u)) return { u, models: [] as DiscoveredModel[], ok: await u.health() };
      try {
        return { u, models: await u.listModels(), ok: true };
      } catch (err) {
        logger.debug({ upstream: u.name, err: (err as Error).message }, 'discovery failed');
        return { u, models: [] as DiscoveredModel[], ok: false };
      }
    }),
  );
  const taken = new Set<string>();
  const entries: ModelEntry[] = [];
  const loaded = new Map<string, Set<string>>();
  const reachable: Record<string, boolean> = {};
  for (const { u, models, ok } of results) {
    reachable[u.name] = ok;
    loaded.set(u.name, new Set(models.filter((m) => m.loaded).map((m) => m.id)));
    for (const m of models) {
      const name = taken.has(m.id) ? `${u.name}/${m.id}` : m.id;
      taken.add(name);
      entries.push(toEntry(u, m, name));
    }
  }
  return { entries, loaded, reachable };
}

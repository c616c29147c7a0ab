// A model configured in aegis.yaml as a registry entry (configured entries win over the store's and
// discovery's in the catalog).
import type { ModelConfig } from '../config';
import type { ModelEntry } from './types';

export function configEntry(m: ModelConfig): ModelEntry {
  return {
    name: m.name,
    version: m.version,
    aliases: m.aliases,
    tags: m.tags,
    upstream: m.upstream,
    upstreamModel: m.upstreamModel ?? m.name,
    path: m.path,
    format: m.format ?? (m.path?.toLowerCase().endsWith('.gguf') ? 'gguf' : undefined),
    contextLength: m.contextLength,
    capabilities: m.capabilities,
    priority: m.priority,
    ttlSeconds: m.ttlSeconds,
    pinned: m.pinned,
    parallel: m.parallel,
    footprint: m.footprint ? { ...m.footprint, source: 'config' } : undefined,
    status: m.status,
    origin: 'config',
  };
}

// A model configured in aegis.yaml as a registry entry (configured entries win over the store's and
// discovery's in the catalog).
import type { ModelConfig } from '../config';
import type { ModelEntry, ToolSupport } from './types';

/** What detection found out about a model the config describes (what the config leaves unset). */
export interface DetectedFacts {
  tools?: ToolSupport;
}

export function configEntry(m: ModelConfig, detected: DetectedFacts = {}): ModelEntry {
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
    context: m.context,
    capabilities: { ...m.capabilities, tools: m.capabilities.tools ?? detected.tools ?? 'emulated' },
    priority: m.priority,
    ttlSeconds: m.ttlSeconds,
    pinned: m.pinned,
    parallel: m.parallel,
    footprint: m.footprint ? { ...m.footprint, source: 'config' } : undefined,
    status: m.status,
    origin: 'config',
  };
}

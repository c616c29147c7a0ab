// Shared test data for gateway tests: a registry entry with every field set.
import type { ModelEntry } from '../../../src/registry';

export const modelEntry = (over: Partial<ModelEntry> = {}): ModelEntry => ({
  name: 'm',
  version: '1',
  aliases: [],
  tags: [],
  upstream: 'u',
  upstreamModel: 'm',
  capabilities: { chat: true, completion: true, embeddings: false, tools: 'emulated', vision: false },
  priority: 'standard',
  pinned: false,
  status: 'active',
  origin: 'config',
  ...over,
});

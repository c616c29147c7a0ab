// Shared test data for gateway tests: a registry entry with every field set.
import type { ModelEntry } from '../../../src/registry';
import type { SchedulerSnapshot } from '../../../src/scheduler';

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

/** The scheduler's snapshot with nothing in it, for admin fakes. */
export const emptySchedulerSnapshot = (): SchedulerSnapshot => ({
  at: 0,
  models: [],
  resources: [],
  unbudgeted: { ramBytes: 0, vramBytes: 0 },
  pools: [],
  inFlight: 0,
  queued: 0,
});

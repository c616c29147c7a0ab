// The model registry schema (one entry per model version) and the store port its backends implement.
import type { ModelContextConfig } from '../config';

export type ToolSupport = 'native' | 'emulated' | 'none';
export type ModelStatus = 'active' | 'deprecated' | 'retired';

export interface Capabilities {
  chat: boolean;
  completion: boolean;
  embeddings: boolean;
  tools: ToolSupport;
  vision: boolean;
}

export interface Footprint {
  ramBytes: number;
  vramBytes: number;
  /** Where the figure comes from: a GGUF estimate, the runtime's report, or the operator's config. */
  source: 'estimated' | 'measured' | 'config';
}

export interface GgufFacts {
  architecture?: string;
  quantization?: string;
  parameterCount?: number;
  contextLength?: number;
}

export interface Provenance {
  source?: string;
  sha256?: string;
  license?: string;
  importedBy?: string;
  importedAt?: string;
  gguf?: GgufFacts;
}

export interface ModelEntry {
  /** Public id clients use. */
  name: string;
  version: string;
  aliases: string[];
  /** Free labels a policy may match on (e.g. "code", "internal"). */
  tags: string[];
  /** Name of the upstream (runtime) that serves it. */
  upstream: string;
  /** The runtime's own id for the model. */
  upstreamModel: string;
  format?: string;
  /** Local GGUF file, for managed runners and footprint estimates. */
  path?: string;
  sizeBytes?: number;
  footprint?: Footprint;
  contextLength?: number;
  /** How prompts are fitted into the context window (models[].context); the `context` section otherwise. */
  context?: ModelContextConfig;
  capabilities: Capabilities;
  priority: string;
  ttlSeconds?: number;
  pinned: boolean;
  /** Parallel slots the runtime serves for this model. */
  parallel?: number;
  provenance?: Provenance;
  status: ModelStatus;
  /** Which source produced the entry; config wins over discovery. */
  origin: 'config' | 'discovered' | 'store';
}

/** A versioned, durable registry backend (config file or MongoDB). */
export interface RegistryStore {
  list(): Promise<ModelEntry[]>;
  get(name: string, version: string): Promise<ModelEntry | undefined>;
  upsert(entry: ModelEntry): Promise<void>;
  /** The version `name` resolves to, if one was promoted. */
  promoted(name: string): Promise<string | undefined>;
  /** Moves the pointer; returns the previous version. History is never rewritten. */
  promote(name: string, version: string, by: string): Promise<string | undefined>;
  /** Moves the pointer back to the version promoted before the current one. */
  rollback(name: string, by: string): Promise<string>;
  setStatus(name: string, version: string, status: ModelStatus): Promise<void>;
}

export const defaultCapabilities: Capabilities = { chat: true, completion: true, embeddings: false, tools: 'emulated', vision: false };

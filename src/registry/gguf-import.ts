// `aegis models import`: hash a GGUF file, read its header and turn both into a registry entry
// with full provenance (where it came from, its sha256, license, who imported it and when).
import { basename, resolve } from 'node:path';
import { systemClock, type Clock } from '../core';
import { factsFromHeader } from './gguf-facts';
import { sha256File, type HashProgress } from './gguf-hash';
import { readGgufHeader, type GgufHeader } from './gguf-header';
import { defaultCapabilities, type Footprint, type ModelEntry } from './types';

/**
 * The footprint estimate port: the scheduler owns the one GGUF estimate (tensor table, per-layer KV
 * heads, KV cache type) and the composition root hands it in, since siblings do not import each other.
 * It gets the header this import already read, so the file is parsed once.
 */
export type FootprintEstimator = (header: GgufHeader, options: { contextLength?: number; parallel?: number }) => Footprint;

export interface GgufImportOptions {
  file: string;
  name?: string;
  version?: string;
  /** Where the file came from (URL or path); defaults to the file's absolute path. */
  source?: string;
  license?: string;
  upstream?: string;
  upstreamModel?: string;
  aliases?: string[];
  contextLength?: number;
  priority?: string;
  importedBy: string;
  clock?: Clock;
  onProgress?: (p: HashProgress) => void;
  /** Without it the entry has no footprint and the scheduler estimates one when it first needs it. */
  estimateFootprint?: FootprintEstimator;
}

/** `SmolLM2-135M-Instruct.Q4_1.gguf` → `smollm2-135m-instruct.q4_1`. */
export function defaultModelName(file: string): string {
  return basename(file)
    .replace(/\.gguf$/i, '')
    .toLowerCase()
    .replace(/[\s@]+/g, '-');
}

export async function buildGgufEntry(options: GgufImportOptions): Promise<ModelEntry> {
  const path = resolve(options.file);
  const header = await readGgufHeader(path);
  const facts = factsFromHeader(header);
  const { sha256, sizeBytes } = await sha256File(path, options.onProgress);
  const name = options.name ?? defaultModelName(path);
  const contextLength = options.contextLength ?? facts.contextLength;
  const clock = options.clock ?? systemClock;
  const footprint = options.estimateFootprint?.(header, { contextLength });
  return {
    name,
    // Content-addressed by default: importing the same file twice yields the same version.
    version: options.version ?? sha256.slice(0, 12),
    aliases: options.aliases ?? [],
    tags: [],
    upstream: options.upstream ?? 'local',
    upstreamModel: options.upstreamModel ?? name,
    format: 'gguf',
    path,
    sizeBytes,
    ...(footprint ? { footprint } : {}),
    contextLength,
    capabilities: facts.embedding
      ? { ...defaultCapabilities, chat: false, completion: false, embeddings: true, tools: 'none' }
      : { ...defaultCapabilities, tools: facts.toolTemplate ? 'native' : 'emulated' },
    priority: options.priority ?? 'standard',
    pinned: false,
    provenance: {
      source: options.source ?? path,
      sha256,
      license: options.license ?? facts.license,
      importedBy: options.importedBy,
      importedAt: new Date(clock.now()).toISOString(),
      gguf: { architecture: facts.architecture, quantization: facts.quantization, parameterCount: facts.parameterCount, contextLength: facts.contextLength },
    },
    status: 'active',
    origin: 'store',
  };
}

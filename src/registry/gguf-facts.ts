// What a GGUF header tells the registry: architecture, quantization, parameter count, context
// length, license, and enough shape to estimate the memory footprint before the first load.
import { basename } from 'node:path';
import { GGMLFileQuantizationType, gguf, parseGGUFQuantLabel, type GGUFMetadata } from '@huggingface/gguf';
import type { Footprint, GgufFacts } from './types';

export interface GgufHeaderFacts extends GgufFacts {
  /** `general.name`. */
  displayName?: string;
  license?: string;
  /** True when the header describes an embedding model (it declares a pooling type). */
  embedding: boolean;
  blockCount?: number;
  embeddingLength?: number;
  headCount?: number;
  headCountKv?: number;
  keyLength?: number;
  valueLength?: number;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function factsFromMetadata(metadata: GGUFMetadata, fileName: string, parameterCount?: number): GgufHeaderFacts {
  const m = metadata as Record<string, unknown>;
  const arch = str(m['general.architecture']);
  const key = (k: string): unknown => (arch ? m[`${arch}.${k}`] : undefined);
  const fileType = num(m['general.file_type']);
  const fromType = fileType === undefined ? undefined : (GGMLFileQuantizationType as Record<number, string>)[fileType];
  const headCount = num(key('attention.head_count'));
  const embeddingLength = num(key('embedding_length'));
  return {
    architecture: arch,
    quantization: fromType ?? parseGGUFQuantLabel(basename(fileName)),
    parameterCount,
    contextLength: num(key('context_length')),
    displayName: str(m['general.name']),
    license: str(m['general.license']),
    embedding: key('pooling_type') !== undefined,
    blockCount: num(key('block_count')),
    embeddingLength,
    headCount,
    headCountKv: num(key('attention.head_count_kv')) ?? headCount,
    keyLength: num(key('attention.key_length')) ?? (embeddingLength && headCount ? embeddingLength / headCount : undefined),
    valueLength: num(key('attention.value_length')) ?? (embeddingLength && headCount ? embeddingLength / headCount : undefined),
  };
}

/** Reads only the header (a few MB at most), not the tensors. */
export async function readGgufFacts(path: string): Promise<GgufHeaderFacts> {
  const parsed = await gguf(path, { allowLocalFile: true, computeParametersCount: true });
  return factsFromMetadata(parsed.metadata, path, parsed.parameterCount);
}

export interface FootprintInput {
  sizeBytes: number;
  /** Context the runtime will be started with; the model's own maximum when unknown. */
  contextLength?: number;
  parallel?: number;
  /** f16 KV cache by default. */
  kvBytesPerElement?: number;
}

/**
 * weights (the file) + KV cache (layers × context × slots × (K + V) heads) + runtime overhead.
 * Deliberately ignores sliding-window savings: an overestimate only costs an early eviction,
 * an underestimate costs an out-of-memory load. The scheduler replaces it with measured figures.
 */
export function estimateFootprint(facts: GgufHeaderFacts, { sizeBytes, contextLength, parallel = 1, kvBytesPerElement = 2 }: FootprintInput): Footprint {
  const ctx = contextLength ?? facts.contextLength ?? 4096;
  const perToken = (facts.headCountKv ?? 0) * ((facts.keyLength ?? 0) + (facts.valueLength ?? 0)) * kvBytesPerElement;
  const kv = (facts.blockCount ?? 0) * ctx * parallel * perToken;
  const overhead = 64 * 1024 * 1024 + Math.round(sizeBytes * 0.05);
  return { ramBytes: Math.round(sizeBytes + kv + overhead), vramBytes: 0, source: 'estimated' };
}

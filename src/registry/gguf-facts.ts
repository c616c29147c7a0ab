// What a GGUF header tells the registry: architecture, quantization, parameter count, context
// length, license. The memory footprint comes from the scheduler's estimate (see gguf-import.ts).
import { basename } from 'node:path';
import { GGMLFileQuantizationType, gguf, parseGGUFQuantLabel, type GGUFMetadata } from '@huggingface/gguf';
import type { GgufFacts } from './types';

export interface GgufHeaderFacts extends GgufFacts {
  /** `general.name`. */
  displayName?: string;
  license?: string;
  /** True when the header describes an embedding model (it declares a pooling type). */
  embedding: boolean;
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
  return {
    architecture: arch,
    quantization: fromType ?? parseGGUFQuantLabel(basename(fileName)),
    parameterCount,
    contextLength: num(key('context_length')),
    displayName: str(m['general.name']),
    license: str(m['general.license']),
    embedding: key('pooling_type') !== undefined,
  };
}

/** Reads only the header (a few MB at most), not the tensors. */
export async function readGgufFacts(path: string): Promise<GgufHeaderFacts> {
  const parsed = await gguf(path, { allowLocalFile: true, computeParametersCount: true });
  return factsFromMetadata(parsed.metadata, path, parsed.parameterCount);
}

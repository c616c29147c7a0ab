// The one GGUF reader: a local file's header (key/values, tensor table) and size, read once. The
// registry turns it into facts (gguf-facts.ts); the scheduler's footprint estimate reads it as well.
import { stat } from 'node:fs/promises';
import { gguf, type GGUFTensorInfo } from '@huggingface/gguf';

export interface GgufHeader {
  path: string;
  /**
   * Header key/values as a plain record: readers build keys at run time (`${arch}.block_count`),
   * which the library's per-architecture types cannot check anyway.
   */
  metadata: Readonly<Record<string, unknown>>;
  /** Name, ggml type and shape of every tensor; the tensor data itself is not read. */
  tensorInfos: readonly GGUFTensorInfo[];
  /** Where the tensor data starts; the file size minus this is the data section. */
  tensorDataOffset: bigint;
  fileSizeBytes: number;
  parameterCount: number;
}

/** Reads only the header (a few MB at most), not the tensors. `path` is a local file, never a URL. */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const [parsed, file] = await Promise.all([gguf(path, { allowLocalFile: true, computeParametersCount: true }), stat(path)]);
  return {
    path,
    metadata: Object.fromEntries(Object.entries(parsed.metadata)),
    tensorInfos: parsed.tensorInfos,
    tensorDataOffset: parsed.tensorDataOffset,
    fileSizeBytes: file.size,
    parameterCount: parsed.parameterCount,
  };
}

// Footprint estimate before the first load, from the GGUF header: weights + KV cache for the context
// × parallel slots + runtime overhead. The measured size replaces it after the load. A pure function
// of the header: the registry reads the file (`readGgufHeader`), the composition root passes it here.

import { KV_BYTES_PER_ELEMENT, tensorBytes, type KvCacheType } from './ggml-types';
import type { Footprint, ResourceId } from './types';

const MIB = 2 ** 20;

/** What the estimate reads from a GGUF header; the registry's `GgufHeader` has this shape. */
export interface GgufEstimateInput {
  /** Header key/values (`general.architecture`, `<arch>.block_count`, …). */
  metadata: Readonly<Record<string, unknown>>;
  /** The tensor table: ggml type and shape of every tensor. */
  tensorInfos: ReadonlyArray<{ readonly dtype: number; readonly shape: readonly bigint[] }>;
  /** Where the tensor data starts in the file. */
  tensorDataOffset: bigint;
  fileSizeBytes: number;
}

export interface EstimateFootprintOptions {
  /** Tokens per slot; default the model's trained context (`<arch>.context_length`). */
  contextLength?: number;
  /** Parallel slots: llama-server `-np`, Ollama `num_parallel`. The KV cache is sized for all of them. */
  parallel?: number;
  kvCacheType?: KvCacheType;
  /** Compute buffers and runtime bookkeeping; default 512 MiB (Ollama reserves 457–512 MiB per device). */
  overheadBytes?: number;
  /** Where the whole footprint is counted; default `ram` (CPU box). Partial offload is not modelled. */
  resource?: ResourceId;
}

export interface FootprintEstimate {
  footprint: Footprint;
  weightsBytes: number;
  kvCacheBytes: number;
  overheadBytes: number;
  architecture: string;
  layers: number;
  contextLength: number;
  parallel: number;
  /** 'tensors' when every tensor type was known, else the file's data section size. */
  weightsFrom: 'tensors' | 'file';
}

type Metadata = Readonly<Record<string, unknown>>;

function num(meta: Metadata, key: string): number | undefined {
  const v = meta[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** A per-layer value that GGUF stores either as one number or as an array (e.g. head_count_kv). */
function perLayer(meta: Metadata, key: string, layers: number, fallback: number): number[] {
  const v = meta[key];
  if (Array.isArray(v)) return Array.from({ length: layers }, (_, i) => Number(v[i] ?? fallback));
  return new Array<number>(layers).fill(num(meta, key) ?? fallback);
}

export function estimateFootprint(header: GgufEstimateInput, options: EstimateFootprintOptions = {}): FootprintEstimate {
  const { parallel = 1, kvCacheType = 'f16', overheadBytes = 512 * MIB, resource = 'ram' } = options;
  const { metadata: meta, tensorInfos, tensorDataOffset, fileSizeBytes } = header;
  const arch = String(meta['general.architecture'] ?? 'llama');

  let weightsBytes = 0;
  let weightsFrom: FootprintEstimate['weightsFrom'] = 'tensors';
  for (const t of tensorInfos) {
    const elements = t.shape.reduce((a, b) => a * b, 1n);
    const bytes = tensorBytes(t.dtype, elements);
    if (bytes === undefined) {
      weightsFrom = 'file';
      break;
    }
    weightsBytes += bytes;
  }
  if (weightsFrom === 'file') weightsBytes = fileSizeBytes - Number(tensorDataOffset);

  const layers = num(meta, `${arch}.block_count`) ?? 0;
  const embd = num(meta, `${arch}.embedding_length`) ?? 0;
  const heads = perLayer(meta, `${arch}.attention.head_count`, layers, 1);
  const kvHeads = perLayer(meta, `${arch}.attention.head_count_kv`, layers, heads[0] ?? 1);
  const contextLength = options.contextLength ?? num(meta, `${arch}.context_length`) ?? 4096;
  // llama-server's -c is the total over -np slots, so the cache holds contextLength × parallel tokens.
  const tokens = contextLength * Math.max(1, parallel);
  const bpe = KV_BYTES_PER_ELEMENT[kvCacheType];
  let kvCacheBytes = 0;
  for (let i = 0; i < layers; i++) {
    const headDim = embd / Math.max(1, heads[i] ?? 1);
    const keyLength = num(meta, `${arch}.attention.key_length`) ?? headDim;
    const valueLength = num(meta, `${arch}.attention.value_length`) ?? headDim;
    // n_embd_k_gqa + n_embd_v_gqa per token per layer: K and V are both in this sum.
    const kvHeadsI = kvHeads[i] ?? 1;
    kvCacheBytes += tokens * (keyLength * kvHeadsI + valueLength * kvHeadsI) * bpe;
  }
  kvCacheBytes = Math.ceil(kvCacheBytes);
  const total = weightsBytes + kvCacheBytes + overheadBytes;
  return {
    footprint: { [resource]: total },
    weightsBytes,
    kvCacheBytes,
    overheadBytes,
    architecture: arch,
    layers,
    contextLength,
    parallel: Math.max(1, parallel),
    weightsFrom,
  };
}

/** Expected cold-load time from the bytes to read; 1.5 GB/s is a warm NVMe page cache into RAM. */
export function expectedLoadMs(bytes: number, bytesPerSecond = 1.5e9, fixedMs = 1_000): number {
  return Math.round(fixedMs + (bytes / bytesPerSecond) * 1000);
}

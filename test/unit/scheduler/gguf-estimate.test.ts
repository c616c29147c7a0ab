// The GGUF footprint estimate as a pure function of a header: no file, no GGUF library.

import { describe, expect, it } from 'vitest';
import { estimateFootprint, type GgufEstimateInput } from '../../../src/scheduler';

const MIB = 2 ** 20;

const header = (overrides: Partial<GgufEstimateInput> = {}): GgufEstimateInput => ({
  metadata: {
    'general.architecture': 'llama',
    'llama.block_count': 2,
    'llama.embedding_length': 256,
    'llama.context_length': 1024,
    'llama.attention.head_count': 8,
    // Per-layer KV heads, as some architectures store them.
    'llama.attention.head_count_kv': [2, 4],
  },
  // Q4_1 (type 3): 32 values in 20 bytes.
  tensorInfos: [{ dtype: 3, shape: [256n, 64n] }],
  tensorDataOffset: 100n,
  fileSizeBytes: 100 + 10_000,
  ...overrides,
});

describe('estimateFootprint (from a header)', () => {
  it('sizes weights from the tensor table and the KV cache per layer', () => {
    const est = estimateFootprint(header(), { overheadBytes: MIB });
    expect(est).toMatchObject({ architecture: 'llama', layers: 2, contextLength: 1024, parallel: 1, weightsFrom: 'tensors' });
    expect(est.weightsBytes).toBe(((256 * 64) / 32) * 20);
    // Head dim 256 / 8 = 32; K and V per layer: 2 and 4 KV heads; f16.
    expect(est.kvCacheBytes).toBe(1024 * (32 * 2 * 2 + 32 * 4 * 2) * 2);
    expect(est.footprint).toEqual({ ram: est.weightsBytes + est.kvCacheBytes + MIB });
  });

  it('falls back to the data section when a tensor type is unknown', () => {
    const est = estimateFootprint(
      header({
        tensorInfos: [
          { dtype: 3, shape: [32n] },
          { dtype: 999, shape: [32n] },
        ],
      }),
    );
    expect(est.weightsFrom).toBe('file');
    expect(est.weightsBytes).toBe(10_000);
  });
});

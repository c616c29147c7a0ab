// The GGUF footprint estimate (the one both the scheduler and `aegis models import` use) on the
// test world's real files: SmolLM2-135M (llama, Q4_1) and Gemma 3 270M (gemma3, Q4_K_M).

import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGgufHeader } from '../../src/registry';
import { estimateFootprint as estimateFromHeader, expectedLoadMs, type EstimateFootprintOptions } from '../../src/scheduler';
import { world } from './use-world';

// As the composition root does it: the registry reads the header, the scheduler estimates from it.
const estimateFootprint = async ({ path, ...options }: EstimateFootprintOptions & { path: string }) => estimateFromHeader(await readGgufHeader(path), options);

const models = await world('models');
const GGUF = models?.['smollm2-135m']?.path ?? '';
const GEMMA = models?.['gemma3-270m']?.path ?? '';
const MIB = 2 ** 20;

describe.skipIf(!models)('estimateFootprint (real GGUF files)', () => {
  it('sizes weights from the tensor table to within the file size', async () => {
    const est = await estimateFootprint({ path: GGUF, contextLength: 2048, parallel: 1 });
    const fileSize = statSync(GGUF).size;
    expect(est.architecture).toBe('llama');
    expect(est.layers).toBe(30);
    expect(est.weightsFrom).toBe('tensors');
    expect(est.weightsBytes).toBeLessThanOrEqual(fileSize);
    expect(est.weightsBytes).toBeGreaterThan(fileSize * 0.97); // the header and padding are the rest
  });

  it('computes the KV cache as n_layer × n_ctx × (n_embd_k_gqa + n_embd_v_gqa) × 2 bytes × parallel', async () => {
    // SmolLM2-135M: 30 layers, embedding 576, 9 heads (head dim 64), 3 KV heads → 192 + 192 per layer.
    const one = await estimateFootprint({ path: GGUF, contextLength: 2048, parallel: 1 });
    expect(one.kvCacheBytes).toBe(30 * 2048 * (192 + 192) * 2);
    expect(one.kvCacheBytes).toBe(45 * MIB);
    const four = await estimateFootprint({ path: GGUF, contextLength: 2048, parallel: 4 });
    expect(four.kvCacheBytes).toBe(4 * one.kvCacheBytes);
    const q8 = await estimateFootprint({ path: GGUF, contextLength: 2048, kvCacheType: 'q8_0' });
    expect(q8.kvCacheBytes).toBe(Math.ceil((one.kvCacheBytes * (34 / 32)) / 2));
  });

  it('adds overhead and places the total on the chosen resource', async () => {
    const est = await estimateFootprint({ path: GGUF, contextLength: 1024, overheadBytes: 100 * MIB, resource: 'gpu0' });
    expect(est.footprint).toEqual({ gpu0: est.weightsBytes + est.kvCacheBytes + 100 * MIB });
    expect(est.contextLength).toBe(1024);
  });

  it('defaults the context to the trained context length', async () => {
    const est = await estimateFootprint({ path: GGUF });
    expect(est.contextLength).toBe(8192);
    expect(est.kvCacheBytes).toBe(30 * 8192 * 384 * 2);
  });

  it('reads K-quant tensor sizes and per-architecture keys (gemma3: explicit key/value lengths)', async () => {
    const est = await estimateFootprint({ path: GEMMA, contextLength: 4096 });
    const fileSize = statSync(GEMMA).size;
    expect(est.architecture).toBe('gemma3');
    expect(est.weightsFrom).toBe('tensors');
    expect(est.weightsBytes).toBeLessThanOrEqual(fileSize);
    expect(est.weightsBytes).toBeGreaterThan(fileSize * 0.95);
    // Gemma 3 270M: 18 layers, 1 KV head of 256 for K and for V.
    expect(est.layers).toBe(18);
    expect(est.kvCacheBytes).toBe(18 * 4096 * (256 + 256) * 2);
  });
});

describe('expectedLoadMs', () => {
  it('grows with size at the given bandwidth', () => {
    expect(expectedLoadMs(3e9)).toBe(3_000);
    expect(expectedLoadMs(3e9, 3e9, 0)).toBe(1_000);
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { estimateFootprint, readGgufFacts } from '../../../src/registry/gguf-facts';
import { buildGgufEntry, defaultModelName } from '../../../src/registry/gguf-import';
import { sha256File } from '../../../src/registry/gguf-hash';
import { writeTinyGguf } from './fixtures';

const tinyFile = () => {
  const path = join(mkdtempSync(join(tmpdir(), 'aegis-gguf-')), 'Tiny-Test.Q4_1.gguf');
  writeTinyGguf(path);
  return path;
};

describe('GGUF facts', () => {
  it('reads architecture, quantization, context length, license and attention shape', async () => {
    const facts = await readGgufFacts(tinyFile());
    expect(facts).toMatchObject({ architecture: 'llama', quantization: 'Q4_1', contextLength: 2048, license: 'mit', displayName: 'Tiny Test', blockCount: 4, headCountKv: 2, keyLength: 32, embedding: false });
  });

  it('estimates weights + KV cache + overhead', () => {
    const facts = { embedding: false, blockCount: 30, headCountKv: 3, keyLength: 64, valueLength: 64 };
    const f = estimateFootprint(facts, { sizeBytes: 100_000_000, contextLength: 8192 });
    const kv = 30 * 8192 * 3 * 128 * 2;
    expect(f).toEqual({ ramBytes: 100_000_000 + kv + 64 * 1024 * 1024 + 5_000_000, vramBytes: 0, source: 'estimated' });
    expect(estimateFootprint(facts, { sizeBytes: 1, contextLength: 8192, parallel: 2 }).ramBytes - estimateFootprint(facts, { sizeBytes: 1, contextLength: 8192 }).ramBytes).toBe(kv);
  });
});

describe('GGUF import', () => {
  it('hashes in a stream with progress up to the full size', async () => {
    const path = tinyFile();
    const seen: number[] = [];
    const { sha256, sizeBytes } = await sha256File(path, (p) => seen.push(p.bytes));
    expect(sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    expect(seen.at(-1)).toBe(sizeBytes);
  });

  it('builds a registry entry with provenance', async () => {
    const path = tinyFile();
    const e = await buildGgufEntry({ file: path, importedBy: 'cli:alice', upstream: 'llamacpp', clock: new ManualClock(Date.UTC(2025, 0, 2)) });
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(e).toMatchObject({ name: 'tiny-test.q4_1', version: sha.slice(0, 12), upstream: 'llamacpp', format: 'gguf', contextLength: 2048, status: 'active', path });
    expect(e.provenance).toEqual({
      source: path,
      sha256: sha,
      license: 'mit',
      importedBy: 'cli:alice',
      importedAt: '2025-01-02T00:00:00.000Z',
      gguf: { architecture: 'llama', quantization: 'Q4_1', parameterCount: 0, contextLength: 2048 },
    });
    expect(e.footprint?.source).toBe('estimated');
    expect(defaultModelName('C:\\models\\My Model.gguf'.replace(/\\/g, '/'))).toBe('my-model');
  });
});

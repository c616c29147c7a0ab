import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { factsFromHeader } from '../../../src/registry/gguf-facts';
import { readGgufHeader, type GgufHeader } from '../../../src/registry/gguf-header';
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
    const facts = factsFromHeader(await readGgufHeader(tinyFile()));
    expect(facts).toMatchObject({
      architecture: 'llama',
      quantization: 'Q4_1',
      contextLength: 2048,
      license: 'mit',
      displayName: 'Tiny Test',
      embedding: false,
    });
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
    const asked: unknown[] = [];
    const estimateFootprint = (header: GgufHeader, o: { contextLength?: number }) => {
      asked.push([header.path, o]);
      return { ramBytes: 123, vramBytes: 0, source: 'estimated' as const };
    };
    const e = await buildGgufEntry({
      file: path,
      importedBy: 'cli:alice',
      upstream: 'llamacpp',
      clock: new ManualClock(Date.UTC(2025, 0, 2)),
      estimateFootprint,
    });
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(e).toMatchObject({
      name: 'tiny-test.q4_1',
      version: sha.slice(0, 12),
      upstream: 'llamacpp',
      format: 'gguf',
      contextLength: 2048,
      status: 'active',
      path,
    });
    expect(e.provenance).toEqual({
      source: path,
      sha256: sha,
      license: 'mit',
      importedBy: 'cli:alice',
      importedAt: '2025-01-02T00:00:00.000Z',
      gguf: { architecture: 'llama', quantization: 'Q4_1', parameterCount: 0, contextLength: 2048 },
    });
    expect(e.footprint).toEqual({ ramBytes: 123, vramBytes: 0, source: 'estimated' });
    expect(asked).toEqual([[path, { contextLength: 2048 }]]); // the header's context when none is given
    expect((await buildGgufEntry({ file: path, importedBy: 'cli:alice' })).footprint).toBeUndefined();
    expect(defaultModelName('C:\\models\\My Model.gguf'.replace(/\\/g, '/'))).toBe('my-model');
  });
});

// `aegis models import` of a real GGUF file from the test world into the MongoDB registry, with
// the audit events in MongoDB too; then verify, promote and rollback through the same command.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { runModelsCommand } from '../../../src/cli/models-command';
import { openRagStorage } from '../../../src/rag';
import { readGgufHeader } from '../../../src/registry/gguf-header';
import { MongoRegistryStore } from '../../../src/registry/mongo-registry-store';
import { estimateFootprint } from '../../../src/scheduler';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';

const ferret = await world('ferretdb');
const models = await world('models');

describe.skipIf(!ferret || !models)('aegis models import (real GGUF, FerretDB)', () => {
  const client = new MongoClient(ferret?.uri ?? 'mongodb://invalid', { serverSelectionTimeoutMS: 5_000 });
  const database = `aegis_import_${Date.now()}`;
  afterAll(() => client.close());

  it('hashes, reads the header, writes the entry with provenance and audits it', async () => {
    const storage = await openRagStorage({ mongodb: { client, database }, spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-import-')) } });
    const store = new MongoRegistryStore({ db: client.db(database) });
    const out: string[] = [];
    const err: string[] = [];
    const deps = {
      store,
      audit: storage.audit,
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      actor: 'cli:test',
    };
    const smol = models!['smollm2-135m'];
    const gemma = models!['gemma3-270m'];

    expect(
      await runModelsCommand(
        [
          'import',
          smol.path,
          '--name',
          'smollm2',
          '--version',
          '1',
          '--license',
          'Apache-2.0',
          '--upstream',
          'llamacpp',
          '--source',
          'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct',
        ],
        deps,
      ),
    ).toBe(0);
    const e = await store.get('smollm2', '1');
    expect(e).toMatchObject({
      sizeBytes: smol.sizeBytes,
      contextLength: 8192,
      format: 'gguf',
      provenance: {
        sha256: smol.sha256,
        license: 'Apache-2.0',
        importedBy: 'cli:test',
        gguf: { architecture: 'llama', quantization: 'Q4_1', contextLength: 8192 },
      },
    });
    expect(e?.provenance?.gguf?.parameterCount).toBeGreaterThan(100_000_000);
    // The one GGUF estimate (the scheduler's): weights + KV cache for the header's 8192 tokens + overhead.
    const est = estimateFootprint(await readGgufHeader(smol.path), { contextLength: 8192 });
    expect(e?.footprint).toEqual({ ramBytes: est.footprint.ram, vramBytes: 0, source: 'estimated' });
    expect(est.footprint.ram).toBeGreaterThan(smol.sizeBytes);
    expect(await store.promoted('smollm2')).toBe('1');
    expect(err.join('')).toContain('hashing 100%');

    expect(await runModelsCommand(['import', gemma.path, '--name', 'smollm2', '--version', '2'], deps)).toBe(0);
    expect((await store.get('smollm2', '2'))?.provenance).toMatchObject({ sha256: gemma.sha256, gguf: { architecture: 'gemma3', quantization: 'Q4_K_M' } });
    expect(await runModelsCommand(['promote', 'smollm2', '2'], deps)).toBe(0);
    expect(await runModelsCommand(['rollback', 'smollm2'], deps)).toBe(0);
    expect(await store.promoted('smollm2')).toBe('1');
    expect(await runModelsCommand(['verify'], deps)).toBe(0);
    expect(out.join('')).toMatch(/ok {7}smollm2@1/);

    await until(() => storage.idle() && storage.stats().audit.inserted === 6, 15_000, 'audit events stored');
    await storage.close();
    const audit = await client.db(database).collection('audit').find().sort({ time: 1 }).toArray();
    expect(audit.map((a) => a.type).sort()).toEqual(['model.import', 'model.import', 'model.promote', 'model.promote', 'model.rollback', 'model.verify']);
    expect(audit.every((a) => a.actor === 'cli:test')).toBe(true);
  });
});

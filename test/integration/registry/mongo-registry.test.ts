// The MongoDB RegistryStore against FerretDB: CRUD, promotion and rollback, retirement, and
// concurrent promotions that must not lose a move.
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../../src/registry';
import { MongoRegistryStore } from '../../../src/registry/mongo-registry-store';
import { world } from '../../world/use-world';
import { entry } from '../../unit/registry/fixtures';

const ferret = await world('ferretdb');

describe.skipIf(!ferret)('MongoRegistryStore (FerretDB)', () => {
  const client = new MongoClient(ferret?.uri ?? 'mongodb://invalid', { serverSelectionTimeoutMS: 5_000 });
  const db = client.db(`aegis_registry_${Date.now()}`);
  afterAll(() => client.close());

  it('creates, reads, updates and lists entries', async () => {
    const store = new MongoRegistryStore({ db, collections: { models: 'crud_models', promotions: 'crud_promotions' } });
    await store.ensureIndexes();
    await store.upsert(entry('smollm2', '1', { aliases: ['small'], provenance: { sha256: 'abc', gguf: { architecture: 'llama' } } }));
    await store.upsert(entry('smollm2', '2'));
    await store.upsert(entry('smollm2', '2', { contextLength: 4096, footprint: { ramBytes: 1, vramBytes: 0, source: 'estimated' } }));
    expect((await store.list()).map((e) => `${e.name}@${e.version}`)).toEqual(['smollm2@1', 'smollm2@2']);
    expect(await store.get('smollm2', '1')).toEqual(
      entry('smollm2', '1', { aliases: ['small'], provenance: { sha256: 'abc', gguf: { architecture: 'llama' } } }),
    );
    expect((await store.get('smollm2', '2'))?.contextLength).toBe(4096);
    expect(await store.get('smollm2', '3')).toBeUndefined();
    await expect(store.upsert(entry('bad@name', '1'))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('promotes and rolls back by moving the pointer; old versions stay queryable until retired', async () => {
    const store = new MongoRegistryStore({ db, collections: { models: 'p_models', promotions: 'p_promotions' } });
    for (const v of ['1', '2', '3']) await store.upsert(entry('gemma3', v));
    expect(await store.promote('gemma3', '1', 'alice')).toBeUndefined();
    expect(await store.promote('gemma3', '2', 'alice')).toBe('1');
    expect(await store.promote('gemma3', '3', 'bob')).toBe('2');
    expect(await store.promote('gemma3', '3', 'bob')).toBe('3');
    expect(await store.rollback('gemma3', 'bob')).toBe('2');
    expect(await store.promoted('gemma3')).toBe('2');
    expect(await store.get('gemma3', '3')).toBeDefined();

    const catalog = new ModelCatalog({ config: [], store: await store.list(), promoted: { gemma3: (await store.promoted('gemma3'))! } });
    expect(catalog.resolve('gemma3')?.version).toBe('2');
    expect(catalog.resolve('gemma3@3')?.version).toBe('3');

    await store.setStatus('gemma3', '1', 'retired');
    await expect(store.rollback('gemma3', 'bob')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(store.promote('gemma3', '1', 'bob')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(store.promote('gemma3', '9', 'bob')).rejects.toMatchObject({ code: 'model_not_found' });
    expect((await store.get('gemma3', '1'))?.status).toBe('retired');

    const history = await store.history('gemma3');
    expect(history.map((h) => `${h.action}:${h.previous ?? '-'}→${h.version}:${h.by}`)).toEqual([
      'promote:-→1:alice',
      'promote:1→2:alice',
      'promote:2→3:bob',
      'rollback:3→2:bob',
    ]);
  });

  it('serialises concurrent promotions without losing a move', async () => {
    const store = new MongoRegistryStore({ db, collections: { models: 'c_models', promotions: 'c_promotions' } });
    const versions = Array.from({ length: 6 }, (_, i) => String(i));
    for (const v of versions) await store.upsert(entry('m', v));
    await Promise.all(versions.map((v) => store.promote('m', v, `admin-${v}`)));
    const history = await store.history('m');
    expect(history).toHaveLength(6);
    // Each move saw the one before it: the previous of move n is the version of move n-1.
    for (let i = 1; i < history.length; i++) expect(history[i].previous).toBe(history[i - 1].version);
    expect(new Set(history.map((h) => h.version))).toEqual(new Set(versions));
    expect(await store.promoted('m')).toBe(history.at(-1)?.version);
  });
});

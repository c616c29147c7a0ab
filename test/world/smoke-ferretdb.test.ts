// Smoke test: the official mongodb driver inserts, indexes and finds documents in FerretDB.
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { world } from './use-world';

const ferret = await world('ferretdb');

describe.skipIf(!ferret)('FerretDB (test world)', () => {
  const client = new MongoClient(ferret?.uri ?? 'mongodb://invalid', { serverSelectionTimeoutMS: 5_000 });
  afterAll(() => client.close());

  it('inserts, indexes and finds documents through the mongodb driver', async () => {
    const coll = client.db('smoke').collection<{ _id: string; model: string; n: number }>(`docs_${Date.now()}`);
    await coll.insertMany([
      { _id: 'a', model: 'smollm2', n: 1 },
      { _id: 'b', model: 'gemma3', n: 2 },
      { _id: 'c', model: 'smollm2', n: 3 },
    ]);
    const indexName = await coll.createIndex({ model: 1, n: -1 });
    const indexes = await coll.indexes();
    expect(indexes.map((i) => i.name)).toContain(indexName);
    const found = await coll.find({ model: 'smollm2' }).sort({ n: -1 }).toArray();
    expect(found.map((d) => d._id)).toEqual(['c', 'a']);
    await expect(coll.insertOne({ _id: 'a', model: 'dup', n: 0 })).rejects.toThrow(/duplicate key|E11000/);
  });
});

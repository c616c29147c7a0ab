// The MongoDB side of recording against the test world's FerretDB: documents, field mapping,
// indexes, retention, idempotent inserts, refused documents and the three rag_search methods.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { HashEmbedder, insertIdempotent, MongoExchangeStore, MongoRagSearch, openRagStorage, RetentionSweeper, type RagStorage } from '../../../src/rag';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';
import { makeRecord } from '../../unit/rag/fixtures';

const ferret = await world('ferretdb');

describe.skipIf(!ferret)('MongoDB record store (FerretDB)', () => {
  const client = new MongoClient(ferret?.uri ?? 'mongodb://invalid', { serverSelectionTimeoutMS: 5_000 });
  const database = `aegis_rag_${Date.now()}`;
  const db = client.db(database);
  const opened: RagStorage[] = [];
  const spoolDir = () => mkdtempSync(join(tmpdir(), 'aegis-it-spool-'));

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await client.close();
  });

  async function storage(overrides: Parameters<typeof openRagStorage>[0] = {}) {
    // The fixtures are dated 2025-01-01: a short retention would let the sweeper delete them.
    const s = await openRagStorage({ mongodb: { uri: ferret!.uri, database, retentionDays: 3650 }, spool: { dir: spoolDir() }, ...overrides });
    opened.push(s);
    return s;
  }

  it('writes the full record, the RAG document and the audit event, keyed by id', async () => {
    const s = await storage();
    for (let i = 0; i < 12; i++) s.recorder.record(makeRecord(i));
    s.audit.record({ type: 'policy.decision', actor: 'team-a', outcome: 'deny', decisionId: 'dec-1', details: { reasons: ['model not allowed'] } });
    await until(() => s.idle() && s.stats().audit.inserted === 1, 15_000, 'records stored');
    expect(await db.collection('exchanges').countDocuments()).toBe(12);
    const full = await db.collection('exchanges').findOne({ _id: 'req-000003' as never });
    expect(full).toMatchObject({ principalId: 'team-a', model: 'smollm2', modelVersion: '1', status: 200, decisionId: 'dec-3', usage: { totalTokens: 19 } });
    expect(full?.time).toBeInstanceOf(Date);
    const rag = await db.collection('rag_documents').findOne({ _id: 'req-000003' as never });
    expect(rag).toMatchObject({
      text: 'user: Question number 3 about llamas\n\nassistant: Answer 3: llamas are camelids.',
      status: 'pending',
      metadata: { source: 'aegis', principalId: 'team-a', requestId: 'req-000003' },
    });
    const audit = await db.collection('audit').findOne({ decisionId: 'dec-1' });
    expect(audit).toMatchObject({ type: 'policy.decision', outcome: 'deny', details: { reasons: ['model not allowed'] } });
    expect(s.stats().exchange).toMatchObject({ inserted: 12, spooled: 0, dropped: 0 });
  });

  it('creates the indexes operators query by, with retention by sweep where TTL is missing', async () => {
    const s = await storage();
    const report = await s.ready;
    const keys = (await db.collection('exchanges').indexes()).map((i) => JSON.stringify(i.key));
    for (const k of [{ time: -1 }, { principalId: 1, time: -1 }, { model: 1, time: -1 }, { decisionId: 1 }]) expect(keys).toContain(JSON.stringify(k));
    const auditKeys = (await db.collection('audit').indexes()).map((i) => JSON.stringify(i.key));
    expect(auditKeys).toContain(JSON.stringify({ actor: 1, time: -1 }));
    // FerretDB v1 refuses expireAfterSeconds (NotImplemented); real MongoDB gets a TTL index.
    expect(['ttl', 'sweep']).toContain(report?.retention.exchanges);
    expect(report?.retention.audit).toBe('off');
  });

  it('sweeps records past their retention', async () => {
    const coll = db.collection(`sweep_${Date.now()}`);
    await coll.insertMany([
      { _id: 'old' as never, time: new Date(Date.now() - 40 * 86_400_000) },
      { _id: 'new' as never, time: new Date() },
    ]);
    const sweeper = new RetentionSweeper({ db, targets: { [coll.collectionName]: 30 } });
    expect(await sweeper.sweepNow()).toEqual({ [coll.collectionName]: 1 });
    expect((await coll.find().toArray()).map((d) => d._id)).toEqual(['new']);
  });

  it('treats a second insert of the same records as success without duplicating them', async () => {
    const store = new MongoExchangeStore({ db, collections: { exchanges: 'idem_x', rag: 'idem_r', audit: 'idem_a' } });
    const items = [1, 2, 3].map((i) => ({ kind: 'exchange' as const, id: `req-${i}`, data: makeRecord(i, { id: `req-${i}` }) }));
    expect(await store.insert(items)).toEqual({ duplicates: [], rejected: [] });
    const again = await store.insert([...items, { kind: 'exchange', id: 'req-4', data: makeRecord(4, { id: 'req-4' }) }]);
    expect(again).toEqual({ duplicates: ['req-1', 'req-2', 'req-3'], rejected: [] });
    expect(await db.collection('idem_x').countDocuments()).toBe(4);
    expect(await db.collection('idem_r').countDocuments()).toBe(4);
  });

  it('writes the allow decision an exchange record carries to the audit collection, once', async () => {
    const store = new MongoExchangeStore({ db, collections: { exchanges: 'dec_x', rag: 'dec_r', audit: 'dec_a' } });
    const items = [1, 2].map((i) => ({ kind: 'exchange' as const, id: `req-${i}`, data: makeRecord(i, { id: `req-${i}`, decision: { reasons: [] } }) }));
    expect(await store.insert(items)).toEqual({ duplicates: [], rejected: [] });
    // A replay (the spool after a timed-out insert): duplicates of the exchanges only, no second audit entry.
    expect(await store.insert(items)).toEqual({ duplicates: ['req-1', 'req-2'], rejected: [] });
    const audit = await db.collection('dec_a').find({}).sort({ _id: 1 }).toArray();
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      _id: 'dec-1',
      type: 'policy.decision',
      actor: 'team-a',
      outcome: 'allow',
      requestId: 'req-000001',
      decisionId: 'dec-1',
      details: { reasons: [] },
    });
    expect(audit[0]?.time).toBeInstanceOf(Date);
  });

  it('reports documents the server refuses instead of failing the batch', async () => {
    const coll = db.collection(`refuse_${Date.now()}`);
    const outcome = await insertIdempotent(coll, [{ _id: 'a' }, { _id: 'b', m: { 'a.b': 1 } }, { _id: 'c' }]);
    expect([...outcome.rejected.keys()]).toEqual(['b']);
    expect(await coll.countDocuments()).toBe(2);
  });

  it('maps fields for an existing RAG collection and embeds when an embedder is configured', async () => {
    const embedder = new HashEmbedder();
    const s = await storage({
      embedder,
      mongodb: {
        uri: ferret!.uri,
        database,
        collections: { exchanges: 'mx', rag: 'corpus', audit: 'ma' },
        fieldMapping: { text: 'content', metadata: 'meta', embedding: 'vector', status: 'state', embeddedStatus: 'ready' },
      },
    });
    s.recorder.record(makeRecord(1, { answer: 'Alpacas produce soft fleece used for knitting.' }));
    s.recorder.record(makeRecord(2, { messages: [{ role: 'user', content: 'How do I file taxes?' }], answer: 'Use the form for companies.' }));
    await until(() => s.idle(), 15_000, 'records stored');
    const doc = await db.collection('corpus').findOne({ _id: 'req-000001' as never });
    expect(doc).toMatchObject({ state: 'ready', meta: { source: 'aegis' } });
    expect((doc?.vector as number[] | undefined)?.length).toBe(64);

    const cosine = await s.search.search('alpaca fleece knitting', 1);
    expect(cosine.method).toBe('cosine');
    expect(cosine.results[0]).toMatchObject({ id: 'req-000001' });

    const text = await new MongoRagSearch({ db, collection: 'corpus', fieldMapping: { text: 'content', metadata: 'meta' } }).search('taxes', 3);
    expect(text.method).toBe('text');
    expect(text.results.map((r) => r.id)).toEqual(['req-000002']);
  });
});

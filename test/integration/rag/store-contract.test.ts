// One contract, two record stores: the embedded SQLite file and MongoDB (FerretDB from the test
// world) give the same answers for insert, idempotent re-insert, lookup by id, listing, search by
// text and by vector, retention, audit, and stored responses.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { HashEmbedder, MongoRecordStore, SqliteRecordStore, type Embedder, type OutboxItem, type RecordStore } from '../../../src/rag';
import { world } from '../../world/use-world';
import { makeRecord } from '../../unit/rag/fixtures';

const ferret = await world('ferretdb');
const client = ferret ? new MongoClient(ferret.uri, { serverSelectionTimeoutMS: 5_000 }) : undefined;
let databases = 0;

interface StoreOptions {
  clock?: ManualClock;
  retentionDays?: number;
  auditRetentionDays?: number;
  embedder?: Embedder;
}

const backends: { name: string; available: boolean; open: (options: StoreOptions) => RecordStore }[] = [
  {
    name: 'embedded SQLite',
    available: true,
    open: (options) => SqliteRecordStore.open({ path: join(mkdtempSync(join(tmpdir(), 'aegis-contract-')), 'aegis.db'), ...options }),
  },
  {
    name: 'MongoDB (FerretDB)',
    available: Boolean(ferret),
    open: (options) => new MongoRecordStore({ db: client!.db(`aegis_contract_${process.pid}_${Date.now()}_${++databases}`), ...options }),
  },
];

const DAY = 86_400_000;
const exchange = (i: number, extra: Parameters<typeof makeRecord>[1] = {}): OutboxItem => {
  const data = makeRecord(i, extra);
  return { kind: 'exchange', id: data.id, data };
};
const auditItem = (id: string, time: string, extra: { actor?: string; type?: string } = {}): OutboxItem => ({
  kind: 'audit',
  id,
  data: { id, time, type: extra.type ?? 'key.create', actor: extra.actor ?? 'cli:ops', outcome: 'ok', target: 'ci', details: { 'roles.v1': ['user'] } },
});

afterAll(async () => {
  await client?.close();
});

describe.each(backends)('record store contract: $name', ({ available, open }) => {
  const stores: RecordStore[] = [];
  const storeWith = (options: StoreOptions = {}) => {
    const s = open(options);
    stores.push(s);
    return s;
  };

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it.skipIf(!available)('stores records and finds each by record id or request id, exactly as given', async () => {
    const store = storeWith();
    const record = makeRecord(1, {
      id: 'rec-1',
      requestId: 'req-1',
      toolCalls: [{ id: 't1', name: 'lookup', arguments: '{"q":"x"}', source: 'mcp', result: '{"a.b":1}' }],
    });
    expect(await store.insert([{ kind: 'exchange', id: 'rec-1', data: record }])).toEqual({ duplicates: [], rejected: [] });
    expect(await store.exchange('rec-1')).toEqual(record);
    expect(await store.exchange('req-1')).toEqual(record);
    expect(await store.exchange('missing')).toBeUndefined();
  });

  it.skipIf(!available)('treats a re-insert as duplicates, stores nothing twice, audits a carried decision once', async () => {
    const store = storeWith();
    const items = [1, 2, 3].map((i) => exchange(i, { decision: { reasons: ['allowed'] } }));
    await store.insert(items);
    expect(await store.insert([...items, exchange(4)])).toEqual({ duplicates: ['req-000001', 'req-000002', 'req-000003'], rejected: [] });
    expect((await store.exchanges({ limit: 50 })).map((r) => r.id)).toEqual(['req-000004', 'req-000003', 'req-000002', 'req-000001']);
    const decisions = await store.auditEvents({ type: 'policy.decision' });
    expect(decisions.map((e) => e.id)).toEqual(['dec-3', 'dec-2', 'dec-1']);
    expect(decisions[0]).toMatchObject({ actor: 'team-a', outcome: 'allow', requestId: 'req-000003', details: { reasons: ['allowed'] } });
  });

  it.skipIf(!available)('lists the newest first, by principal, model and time range', async () => {
    const store = storeWith();
    await store.insert(Array.from({ length: 8 }, (_, i) => exchange(i, { model: i % 4 === 0 ? 'big' : 'small' })));
    expect((await store.exchanges({ limit: 2 })).map((r) => r.id)).toEqual(['req-000007', 'req-000006']);
    expect((await store.exchanges({ model: 'big' })).map((r) => r.id)).toEqual(['req-000004', 'req-000000']);
    expect((await store.exchanges({ principalId: 'team-b', model: 'small' })).map((r) => r.id)).toEqual(['req-000006', 'req-000002']);
    expect((await store.exchanges({ since: makeRecord(3).time, before: makeRecord(5).time })).map((r) => r.id)).toEqual(['req-000004', 'req-000003']);
  });

  it.skipIf(!available)('keeps audit events with their details and lists them by actor and type', async () => {
    const store = storeWith();
    await store.insert([auditItem('a1', makeRecord(1).time), auditItem('a2', makeRecord(2).time, { actor: 'cli:root', type: 'model.promote' })]);
    expect(await store.insert([auditItem('a1', makeRecord(1).time)])).toEqual({ duplicates: ['a1'], rejected: [] });
    expect(await store.auditEvents({ actor: 'cli:ops' })).toEqual([auditItem('a1', makeRecord(1).time).data]);
    expect((await store.auditEvents({ type: 'model.promote' })).map((e) => e.id)).toEqual(['a2']);
    expect((await store.auditEvents()).map((e) => e.id)).toEqual(['a2', 'a1']);
  });

  it.skipIf(!available)('searches by text, best match first, naming the method', async () => {
    const store = storeWith();
    await store.insert([
      exchange(1, { messages: [{ role: 'user', content: 'How do alpacas differ from llamas?' }], answer: 'Alpacas are smaller.' }),
      exchange(2, { messages: [{ role: 'user', content: 'How do I file taxes?' }], answer: 'Use the company form.' }),
      exchange(3, { messages: [{ role: 'user', content: 'Knitting with alpaca fleece?' }], answer: 'Alpaca fleece makes soft yarn.' }),
    ]);
    const found = await store.search('alpaca fleece', 5);
    expect(['fts', 'text']).toContain(found.method);
    expect(found.results[0]).toMatchObject({ id: 'req-000003', text: expect.stringContaining('alpaca fleece'), metadata: { requestId: 'req-000003' } });
    expect(found.results.map((r) => r.id)).not.toContain('req-000002');
    expect((await store.search('taxes', 5)).results.map((r) => r.id)).toEqual(['req-000002']);
  });

  it.skipIf(!available)('searches by vector with exact cosine when an embedder is configured', async () => {
    const store = storeWith({ embedder: new HashEmbedder() });
    await store.insert([
      exchange(1, { messages: [{ role: 'user', content: 'alpaca fleece knitting' }], answer: 'soft yarn' }),
      exchange(2, { messages: [{ role: 'user', content: 'corporate tax filing' }], answer: 'forms and deadlines' }),
    ]);
    const found = await store.search('knitting yarn from alpaca fleece', 2);
    expect(found.method).toBe('cosine');
    expect(found.results.map((r) => r.id)).toEqual(['req-000001', 'req-000002']);
    expect(found.results[0]!.score).toBeGreaterThan(found.results[1]!.score);
  });

  it.skipIf(!available)('expires exchanges, stored responses and audit events by their own retention', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const store = storeWith({ clock, retentionDays: 30, auditRetentionDays: 365 });
    const ago = (days: number) => new Date(clock.now() - days * DAY).toISOString();
    await store.insert([exchange(1, { time: ago(40) }), exchange(2, { time: ago(10) }), auditItem('old', ago(400)), auditItem('kept', ago(40))]);
    await store.responses.put('resp-old', 'alice', { response: { id: 'resp-old' }, inputItems: [], createdAt: clock.now() - 31 * DAY });
    await store.responses.put('resp-new', 'alice', { response: { id: 'resp-new' }, inputItems: [], createdAt: clock.now() - DAY });
    const report = await store.sweep();
    expect(report.byAge).toEqual({ exchange: 1, audit: 1, response: 1 });
    expect((await store.exchanges()).map((r) => r.id)).toEqual(['req-000002']);
    expect((await store.auditEvents()).map((e) => e.id)).toEqual(['kept']);
    expect(await store.responses.get('resp-old', 'alice')).toBeUndefined();
    expect(await store.responses.get('resp-new', 'alice')).toBeDefined();
    expect(store.health().expired).toEqual({ exchange: 1, audit: 1, response: 1 });
  });

  it.skipIf(!available)('keeps stored responses per principal, replaceable only by their owner', async () => {
    const { responses } = storeWith();
    const doc = {
      response: { id: 'resp_1', object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: 'hi' }] }], metadata: { 'a.b': '$x' } },
      inputItems: [{ type: 'message', role: 'user', content: 'hello' }],
      createdAt: Date.UTC(2025, 0, 1),
    };
    await responses.put('resp_1', 'alice', doc);
    expect(await responses.get('resp_1', 'alice')).toEqual(doc);
    expect(await responses.inputItems('resp_1', 'alice')).toEqual(doc.inputItems);
    expect(await responses.get('resp_1', 'mallory')).toBeUndefined();
    await expect(responses.put('resp_1', 'mallory', doc)).rejects.toMatchObject({ code: 'response_id_taken' });
    await responses.put('resp_1', 'alice', { ...doc, previousResponseId: 'resp_0' });
    expect(await responses.get('resp_1', 'alice')).toEqual({ ...doc, previousResponseId: 'resp_0' });
    expect(await responses.delete('resp_1', 'mallory')).toBe(false);
    expect(await responses.delete('resp_1', 'alice')).toBe(true);
    expect(await responses.inputItems('resp_1', 'alice')).toBeUndefined();
  });
});

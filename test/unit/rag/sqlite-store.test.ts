// The embedded record store on its own: idempotent inserts, lookups, filters, rag_search by FTS5
// and by exact cosine, stored responses, retention by age and by the byte cap, a full disk, and
// writes on the writer thread with the event loop free meanwhile.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { HashEmbedder, SqliteRecordStore, type OutboxItem, type SqliteRecordStoreOptions } from '../../../src/rag';
import { makeRecord } from './fixtures';

const DAY = 86_400_000;
const open: SqliteRecordStore[] = [];
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'aegis-sqlite-')), 'aegis.db');

function storeAt(options: Partial<SqliteRecordStoreOptions> = {}): SqliteRecordStore {
  const store = SqliteRecordStore.open({ path: dbPath(), ...options });
  open.push(store);
  return store;
}

const exchange = (i: number, extra: Parameters<typeof makeRecord>[1] = {}): OutboxItem => {
  const data = makeRecord(i, extra);
  return { kind: 'exchange', id: data.id, data };
};

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('SqliteRecordStore', () => {
  it('treats a second insert of the same records as success without storing them twice', async () => {
    const store = storeAt();
    const items = [1, 2, 3].map((i) => exchange(i, { decision: { reasons: ['default allow'] } }));
    expect(await store.insert(items)).toEqual({ duplicates: [], rejected: [] });
    expect(await store.insert([...items, exchange(4)])).toEqual({ duplicates: ['req-000001', 'req-000002', 'req-000003'], rejected: [] });
    expect(await store.exchanges({ limit: 10 })).toHaveLength(4);
    // The decision each record carries is audited once, with the decision id as its id.
    const audit = await store.auditEvents({ type: 'policy.decision' });
    expect(audit.map((e) => e.id).sort()).toEqual(['dec-1', 'dec-2', 'dec-3']);
    expect(audit.find((e) => e.id === 'dec-2')).toMatchObject({
      actor: 'team-b',
      outcome: 'allow',
      requestId: 'req-000002',
      details: { reasons: ['default allow'] },
    });
  });

  it('finds one exchange by record id or by request id, exactly as recorded', async () => {
    const store = storeAt();
    const record = makeRecord(7, {
      id: 'rec-7',
      requestId: 'req-abc',
      toolCalls: [{ id: 't', name: 'f', arguments: '{"a.b":1}', source: 'mcp', result: 'ok' }],
    });
    await store.insert([{ kind: 'exchange', id: record.id, data: record }]);
    expect(await store.exchange('rec-7')).toEqual(record);
    expect(await store.exchange('req-abc')).toEqual(record);
    expect(await store.exchange('nope')).toBeUndefined();
  });

  it('lists the newest first, filtered by principal, model and time', async () => {
    const store = storeAt();
    await store.insert(Array.from({ length: 10 }, (_, i) => exchange(i, { model: i < 5 ? 'small' : 'large' })));
    expect((await store.exchanges({ limit: 3 })).map((r) => r.id)).toEqual(['req-000009', 'req-000008', 'req-000007']);
    expect((await store.exchanges({ principalId: 'team-a', model: 'small' })).map((r) => r.id)).toEqual(['req-000003', 'req-000001']);
    const page = await store.exchanges({ before: makeRecord(6).time, since: makeRecord(4).time });
    expect(page.map((r) => r.id)).toEqual(['req-000005', 'req-000004']);
    await expect(store.exchanges({ before: 'yesterday' })).rejects.toThrow(/not a valid time/);
  });

  it('dead-letters a record it cannot store and keeps the rest of the batch', async () => {
    const store = storeAt();
    const outcome = await store.insert([exchange(1), exchange(2, { time: 'not a time' }), exchange(3)]);
    expect(outcome.rejected).toEqual([{ id: 'req-000002', reason: expect.stringContaining('not a valid time') }]);
    expect((await store.exchanges()).map((r) => r.id)).toEqual(['req-000003', 'req-000001']);
  });

  it('ranks full-text matches with FTS5 and names the method', async () => {
    const store = storeAt();
    await store.insert([
      exchange(1, { messages: [{ role: 'user', content: 'How do alpacas differ from llamas?' }], answer: 'Alpacas are smaller; their fleece is finer.' }),
      exchange(2, { messages: [{ role: 'user', content: 'How do I file taxes?' }], answer: 'Use the form for companies.' }),
      exchange(3, {
        messages: [{ role: 'user', content: 'Alpaca fleece for knitting?' }],
        answer: 'Alpaca fleece knits into soft, warm yarn; alpaca fleece is prized.',
      }),
    ]);
    const found = await store.search('alpaca fleece', 5);
    expect(found.method).toBe('fts');
    expect(found.results.map((r) => r.id)).toEqual(['req-000003', 'req-000001']);
    expect(found.results[0]!.score).toBeGreaterThan(found.results[1]!.score);
    expect(found.results[0]).toMatchObject({ text: expect.stringContaining('user: Alpaca fleece'), metadata: { source: 'aegis', requestId: 'req-000003' } });
    // FTS5 syntax in a query is taken as words, not as operators.
    expect((await store.search('taxes AND "NEAR(', 5)).results.map((r) => r.id)).toEqual(['req-000002']);
    expect((await store.search('!!', 5)).results).toEqual([]);
  });

  it('scores stored embeddings by exact cosine when an embedder is configured', async () => {
    const embedder = new HashEmbedder();
    const store = storeAt({ embedder });
    await store.insert([
      exchange(1, { messages: [{ role: 'user', content: 'alpaca fleece knitting' }], answer: 'soft yarn' }),
      exchange(2, { messages: [{ role: 'user', content: 'corporate tax filing' }], answer: 'forms and deadlines' }),
    ]);
    const found = await store.search('knitting with alpaca fleece', 2);
    expect(found.method).toBe('cosine');
    expect(found.results.map((r) => r.id)).toEqual(['req-000001', 'req-000002']);
    const expected = embedder
      .vector('knitting with alpaca fleece')
      .reduce((sum, x, i) => sum + x * embedder.vector('user: alpaca fleece knitting\n\nassistant: soft yarn')[i]!, 0);
    expect(found.results[0]!.score).toBeCloseTo(expected, 5);
  });

  it('keeps the vectors in memory in step with inserts and retention, and reads the table past its memory bound', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 31));
    const embedder = new HashEmbedder();
    const inMemory = storeAt({ embedder, clock, retentionDays: 10 });
    const onDisk = storeAt({ embedder, clock, retentionDays: 10, vectorMemoryBytes: 1 });
    const topic = (i: number, words: string, daysAgo = 0) =>
      exchange(i, { time: new Date(clock.now() - daysAgo * DAY).toISOString(), messages: [{ role: 'user', content: words }], answer: 'ok' });
    const first = [topic(1, 'alpaca fleece knitting', 20), topic(2, 'corporate tax filing'), topic(3, 'llama wool spinning')];
    for (const s of [inMemory, onDisk]) await s.insert(first);
    const ask = async (s: SqliteRecordStore) => (await s.search('alpaca fleece knitting', 3)).results.map((r) => [r.id, r.score.toFixed(6)]);
    expect(await ask(inMemory)).toEqual(await ask(onDisk));
    expect((await ask(inMemory))[0]![0]).toBe('req-000001');
    // Loaded now: a new document is found, a deleted one is gone.
    for (const s of [inMemory, onDisk]) await s.insert([topic(4, 'knitting alpaca fleece by hand')]);
    for (const s of [inMemory, onDisk]) await s.sweep();
    const after = await ask(inMemory);
    expect(after.map(([id]) => id)).not.toContain('req-000001');
    expect(after[0]![0]).toBe('req-000004');
    expect(after).toEqual(await ask(onDisk));
  });

  it('keeps stored responses per principal and never hands one to another', async () => {
    const { responses } = storeAt();
    const doc = {
      response: { id: 'resp_1', output: [{ type: 'message', content: 'hi' }] },
      inputItems: [{ role: 'user', content: 'hello' }],
      createdAt: 1_000,
    };
    await responses.put('resp_1', 'alice', doc);
    expect(await responses.get('resp_1', 'alice')).toEqual(doc);
    expect(await responses.get('resp_1', 'bob')).toBeUndefined();
    expect(await responses.inputItems('resp_1', 'alice')).toEqual(doc.inputItems);
    await expect(responses.put('resp_1', 'bob', doc)).rejects.toMatchObject({ code: 'response_id_taken' });
    await responses.put('resp_1', 'alice', { ...doc, previousResponseId: 'resp_0' });
    expect(await responses.get('resp_1', 'alice')).toMatchObject({ previousResponseId: 'resp_0' });
    expect(await responses.delete('resp_1', 'bob')).toBe(false);
    expect(await responses.delete('resp_1', 'alice')).toBe(true);
    expect(await responses.get('resp_1', 'alice')).toBeUndefined();
  });

  it('stores a response on the writer thread, which waits out another writer while the event loop runs on', async () => {
    // The gateway's connection gives up on a lock at once: a put that ran there would fail.
    const path = dbPath();
    const store = SqliteRecordStore.open({ path, busyTimeoutMs: 0 });
    open.push(store);
    await store.insert([exchange(1)]);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const doc = { response: { id: 'resp_1' }, inputItems: [], createdAt: 1_000 };
    let settled = false;
    const put = store.responses.put('resp_1', 'alice', doc).finally(() => {
      settled = true;
    });
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    other.exec('COMMIT');
    other.close();
    await put;
    expect(await store.responses.get('resp_1', 'alice')).toEqual(doc);
  });

  it('expires exchanges, responses and audit events by their own retention', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 31));
    const store = storeAt({ clock, retentionDays: 20, auditRetentionDays: 5 });
    const old = (i: number, days: number) => exchange(i, { time: new Date(clock.now() - days * DAY).toISOString() });
    await store.insert([old(1, 25), old(2, 10), old(3, 1)]);
    await store.insert([
      {
        kind: 'audit',
        id: 'a-old',
        data: { id: 'a-old', time: new Date(clock.now() - 6 * DAY).toISOString(), type: 'key.create', actor: 'cli:x', outcome: 'ok' },
      },
    ]);
    await store.responses.put('resp-old', 'p', { response: {}, inputItems: [], createdAt: clock.now() - 30 * DAY });
    await store.responses.put('resp-new', 'p', { response: {}, inputItems: [], createdAt: clock.now() });
    const report = await store.sweep();
    expect(report.byAge).toEqual({ exchange: 1, audit: 1, response: 1 });
    expect((await store.exchanges()).map((r) => r.id)).toEqual(['req-000003', 'req-000002']);
    expect(await store.responses.get('resp-new', 'p')).toBeDefined();
    expect(store.health().expired).toEqual({ exchange: 1, audit: 1, response: 1 });
  });

  it('past the byte cap deletes the oldest exchanges first, never audit events, and logs the sweep', async () => {
    const logger = new MemoryLogger();
    const store = storeAt({ maxBytes: 40_000, logger });
    for (let i = 0; i < 50; i++) await store.insert([exchange(i, { answer: `marker${i} ${'x'.repeat(1_000)}` })]);
    await store.insert([{ kind: 'audit', id: 'kept', data: { id: 'kept', time: makeRecord(0).time, type: 'key.create', actor: 'cli:x', outcome: 'ok' } }]);
    expect(store.health().bytes).toBeGreaterThan(40_000);
    const report = await store.sweep();
    expect(report.bytesAfter).toBeLessThanOrEqual(36_000);
    // What the sweep counted as freed is what a fresh measurement finds.
    expect((await store.sweep()).bytesBefore).toBe(report.bytesAfter);
    const kept = (await store.exchanges({ limit: 100 })).map((r) => Number(r.id.slice(4)));
    expect(kept.length).toBeGreaterThan(5);
    // Exactly the newest survive: a contiguous run ending at the last one written.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 49 - i));
    expect(report.byBytes.exchange).toBe(50 - kept.length);
    expect((await store.auditEvents()).map((e) => e.id)).toContain('kept');
    // The full-text index forgot the deleted documents (FTS5 raises on any mismatch).
    expect(() => store.db.exec(`INSERT INTO rag_fts (rag_fts) VALUES ('integrity-check')`)).not.toThrow();
    expect((await store.search('marker0 marker1', 100)).results).toEqual([]);
    expect((await store.search('marker49', 100)).results.map((r) => r.id)).toEqual(['req-000049']);
    expect(logger.lines.find((l) => l.msg === 'retention deleted the oldest records')).toMatchObject({
      level: 'info',
      byBytes: { exchange: 50 - kept.length },
    });
  });

  it('reports a full disk, refuses writes while it lasts, and recovers', async () => {
    const logger = new MemoryLogger();
    const store = storeAt({ logger });
    await store.insert([exchange(0)]);
    // SQLite's own size limit fails writes exactly as a full disk does (SQLITE_FULL).
    const pages = Number(store.db.pragma('page_count', { simple: true }));
    await store.writerPragma(`max_page_count = ${pages}`);
    await expect(store.insert(Array.from({ length: 50 }, (_, i) => exchange(i + 1, { answer: 'y'.repeat(4_000) })))).rejects.toMatchObject({
      code: 'SQLITE_FULL',
    });
    expect(store.health().diskFull).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'error' && String(l.msg).startsWith('disk full'))).toHaveLength(1);
    await store.writerPragma('max_page_count = 1073741823');
    await store.insert([exchange(1)]);
    expect(store.health().diskFull).toBe(false);
    expect((await store.exchanges()).map((r) => r.id)).toEqual(['req-000001', 'req-000000']);
  });

  it('counts what an insert committed before the disk filled, as a sweep then measures it', async () => {
    const store = storeAt({ transactions: { maxRowsPerTransaction: 5 } });
    await store.insert([exchange(0)]);
    const pages = Number(store.db.pragma('page_count', { simple: true }));
    const pageSize = Number(store.db.pragma('page_size', { simple: true }));
    // Room for a few transactions of five records (about 240 KB), not for fifty records.
    await store.writerPragma(`max_page_count = ${pages + Math.ceil(240_000 / pageSize)}`);
    const batch = Array.from({ length: 50 }, (_, i) => exchange(i + 1, { answer: 'y'.repeat(4_000) }));
    await expect(store.insert(batch)).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    const stored = store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM exchanges').get()!.n;
    expect(stored).toBeGreaterThan(1);
    expect(stored).toBeLessThan(51);
    const counted = store.health().bytes;
    await store.writerPragma('max_page_count = 1073741823');
    expect((await store.sweep()).bytesBefore).toBe(counted);
  });

  it('writes on its own thread: the event loop runs throughout a batch written in one transaction', async () => {
    const store = storeAt({ transactions: { maxRowsPerTransaction: 5_000, maxBytesPerTransaction: 1 << 30 } });
    await store.insert([exchange(0)]);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const before = turns;
    await store.insert(Array.from({ length: 2_000 }, (_, i) => exchange(i + 1)));
    ticking = false;
    // One transaction of 2,000 records: written on this thread, the loop could not have turned during it.
    expect(turns - before).toBeGreaterThan(20);
    expect(store.db.prepare('SELECT count(*) AS n FROM exchanges').get()).toEqual({ n: 2_001 });
  });

  it('fails a write whose thread cannot open the database, and starts a new thread for the next one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-sqlite-'));
    const store = storeAt({ path: join(dir, 'aegis.db') });
    // The thread opens its own connection: take the file away so that it cannot.
    store.db.close();
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
    await expect(store.insert([exchange(1)])).rejects.toThrow(/EEXIST|ENOTDIR/);
    await expect(store.insert([exchange(2)])).rejects.toThrow(/EEXIST|ENOTDIR/);
    rmSync(dir);
    mkdirSync(dir);
    await expect(store.insert([exchange(3)])).resolves.toEqual({ duplicates: [], rejected: [] });
  });
});

// `aegis records` against a real embedded store: list with filters, show by request id (JSON and
// text, exit 1 when missing), search, audit listing, and usage errors.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRecordsCommand } from '../../../src/cli/records-command';
import { SqliteRecordStore, type ExchangeRecord } from '../../../src/rag';
import { makeRecord } from '../rag/fixtures';

const open: SqliteRecordStore[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function harness(records: ExchangeRecord[] = []) {
  const store = SqliteRecordStore.open({ path: join(mkdtempSync(join(tmpdir(), 'aegis-records-')), 'aegis.db') });
  open.push(store);
  await store.insert(records.map((data) => ({ kind: 'exchange', id: data.id, data })));
  let out = '';
  let err = '';
  const run = async (...argv: string[]) => {
    out = '';
    err = '';
    const code = await runRecordsCommand(argv, { store, stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return { code, out, err };
  };
  return { store, run };
}

describe('aegis records', () => {
  it('lists the newest exchanges first, filtered, as a table or as JSON', async () => {
    const { run } = await harness(Array.from({ length: 6 }, (_, i) => makeRecord(i)));
    const table = await run('list', '--limit', '2');
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ID\s+PRINCIPAL\s+MODEL\s+STATUS\s+MS\s+TOKENS\s+PROMPT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['req-000005', 'req-000004']);
    expect(lines[1]).toContain('Question number 5 about llamas');
    const json = await run('list', '--principal', 'team-a', '--json');
    expect((JSON.parse(json.out) as ExchangeRecord[]).map((r) => r.id)).toEqual(['req-000005', 'req-000003', 'req-000001']);
  });

  it('shows one exchange by request id; --json prints exactly the record', async () => {
    const record = makeRecord(3, { answer: 'Camelids, all of them.' });
    const { run } = await harness([record]);
    const json = await run('show', 'req-000003', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(record);
    const text = await run('show', 'req-000003');
    expect(text.out).toContain('--- user\nQuestion number 3 about llamas');
    expect(text.out).toContain('--- answer\nCamelids, all of them.');
  });

  it('exits 1 with a message on stderr when there is no such exchange', async () => {
    const { run } = await harness([makeRecord(1)]);
    const missing = await run('show', 'req-404', '--json');
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toMatch(/no exchange with id req-404/);
  });

  it('searches the recorded exchanges and names the method', async () => {
    const { run } = await harness([makeRecord(1, { answer: 'Alpaca fleece is soft.' }), makeRecord(2, { answer: 'Taxes are due in April.' })]);
    const found = await run('search', 'alpaca', 'fleece', '--json');
    expect(JSON.parse(found.out)).toMatchObject({ method: 'fts', results: [{ id: 'req-000001' }] });
    const text = await run('search', 'taxes');
    expect(text.out).toMatch(/^method: fts, 1 result\(s\)\n\nreq-000002 {2}score /);
  });

  it('lists audit events with their own filters', async () => {
    const { store, run } = await harness([makeRecord(1, { decision: { reasons: ['ok'] } })]);
    await store.insert([
      { kind: 'audit', id: 'k1', data: { id: 'k1', time: makeRecord(2).time, type: 'key.create', actor: 'cli:ops', outcome: 'ok', target: 'ci' } },
    ]);
    const all = await run('list', '--audit', '--json');
    expect((JSON.parse(all.out) as { id: string }[]).map((e) => e.id)).toEqual(['k1', 'dec-1']);
    const keys = await run('list', '--audit', '--type', 'key.create');
    expect(keys.out).toMatch(/key\.create\s+cli:ops\s+ok\s+ci/);
    expect(keys.out).not.toContain('policy.decision');
  });

  it('answers usage errors with exit 2 and the usage', async () => {
    const { run } = await harness();
    expect((await run('list', '--limit', 'many')).code).toBe(2);
    expect((await run('show')).code).toBe(2);
    const bogus = await run('bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('usage: aegis records');
  });
});

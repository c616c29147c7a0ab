import { mkdtempSync, readdirSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, SpoolFullError, type OutboxItem } from '../../../src/rag';
import { makeRecord } from './fixtures';

const item = (i: number): OutboxItem => ({ kind: 'exchange', id: `req-${i}`, data: makeRecord(i) });
const open: Spool[] = [];
const spoolIn = async (dir: string, opts: { segmentBytes?: number; maxBytes?: number } = {}) => {
  const s = await Spool.open({ dir, ...opts });
  open.push(s);
  return s;
};
const tmp = () => mkdtempSync(join(tmpdir(), 'aegis-spool-'));

async function drain(spool: Spool, max = 7): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const batch = await spool.read(max);
    if (!batch) return ids;
    ids.push(...batch.items.map((i) => i.id));
    await batch.commit();
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('Spool', () => {
  it('reads back in append order across rotated segments and deletes what was replayed', async () => {
    const dir = tmp();
    const spool = await spoolIn(dir, { segmentBytes: 4_000 });
    for (let i = 0; i < 30; i += 3) await spool.append([item(i), item(i + 1), item(i + 2)]);
    expect(spool.segmentCount()).toBeGreaterThan(2);
    expect(await drain(spool)).toEqual(Array.from({ length: 30 }, (_, i) => `req-${i}`));
    expect(spool.hasPending()).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-'))).toEqual([]);
  });

  it('survives a restart: a new instance replays only what was not committed', async () => {
    const dir = tmp();
    const first = await spoolIn(dir, { segmentBytes: 3_000 });
    await first.append(Array.from({ length: 10 }, (_, i) => item(i)));
    const batch = await first.read(4);
    await batch!.commit();
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await spoolIn(dir);
    expect(await drain(second)).toEqual(['req-4', 'req-5', 'req-6', 'req-7', 'req-8', 'req-9']);
  });

  it('keeps appending after a restart in a fresh segment, behind the old records', async () => {
    const dir = tmp();
    const first = await spoolIn(dir);
    await first.append([item(1)]);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await spoolIn(dir);
    await second.append([item(2)]);
    expect(second.segmentCount()).toBe(2);
    expect(await drain(second)).toEqual(['req-1', 'req-2']);
  });

  it('skips a line torn by a crash and counts it', async () => {
    const dir = tmp();
    const first = await spoolIn(dir);
    await first.append([item(1), item(2)]);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const seg = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
    appendFileSync(join(dir, seg), '{"v":1,"kind":"exchange","id":"req-3","da');
    const second = await spoolIn(dir);
    const batch = await second.read(10);
    expect(batch!.items.map((i) => i.id)).toEqual(['req-1', 'req-2']);
    expect(batch!.corrupt).toBe(1);
    await batch!.commit();
    expect(await second.read(10)).toBeUndefined();
  });

  it('refuses appends past maxBytes', async () => {
    const spool = await spoolIn(tmp(), { maxBytes: 2_000 });
    await spool.append([item(1)]);
    await expect(spool.append([item(2), item(3), item(4)])).rejects.toBeInstanceOf(SpoolFullError);
    expect(await drain(spool)).toEqual(['req-1']);
  });

  it('refuses a second open of the same directory', async () => {
    const dir = tmp();
    await spoolIn(dir);
    await expect(Spool.open({ dir })).rejects.toThrow(/already open/);
  });

  it('writes refused records to the dead-letter file', async () => {
    const dir = tmp();
    const spool = await spoolIn(dir);
    await spool.deadLetter([{ item: item(5), reason: '2: invalid key' }]);
    const line = JSON.parse(readFileSync(join(dir, 'rejected.jsonl'), 'utf8')) as { id: string; reason: string };
    expect(line).toMatchObject({ id: 'req-5', reason: '2: invalid key' });
  });
});

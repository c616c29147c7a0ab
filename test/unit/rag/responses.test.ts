// The ResponseStore port as the agent doors use it, the same for the memory fake their tests drive
// and the embedded store (MongoDB's answers are in test/integration/rag/store-contract.test.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryResponseStore, SqliteRecordStore, type ResponseStore, type StoredResponse } from '../../../src/rag';

const sqlite = SqliteRecordStore.open({ path: join(mkdtempSync(join(tmpdir(), 'aegis-responses-')), 'aegis.db') });

afterAll(() => sqlite.close());

const doc = (id: string, extra: Partial<StoredResponse> = {}): StoredResponse => ({
  response: { id, object: 'response', status: 'completed', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] }] },
  inputItems: [{ type: 'message', role: 'user', content: 'hello' }],
  createdAt: 1_750_000_000_000,
  ...extra,
});

describe.each<[string, ResponseStore]>([
  ['memory fake', new MemoryResponseStore()],
  ['embedded store', sqlite.responses],
])('ResponseStore: %s', (_, store) => {
  it('gives back what was put, to its principal only', async () => {
    await store.put('resp_a', 'alice', doc('resp_a'));
    expect(await store.get('resp_a', 'alice')).toEqual(doc('resp_a'));
    expect(await store.inputItems('resp_a', 'alice')).toEqual(doc('resp_a').inputItems);
    expect(await store.get('resp_a', 'bob')).toBeUndefined();
    expect(await store.inputItems('resp_a', 'bob')).toBeUndefined();
    expect(await store.get('resp_missing', 'alice')).toBeUndefined();
  });

  it('follows a previous_response_id chain back to its start', async () => {
    await store.put('resp_1', 'alice', doc('resp_1'));
    await store.put('resp_2', 'alice', doc('resp_2', { previousResponseId: 'resp_1' }));
    await store.put('resp_3', 'alice', doc('resp_3', { previousResponseId: 'resp_2' }));
    const chain: string[] = [];
    for (let id: string | undefined = 'resp_3'; id; id = (await store.get(id, 'alice'))?.previousResponseId) chain.push(id);
    expect(chain).toEqual(['resp_3', 'resp_2', 'resp_1']);
  });

  it('lets the owner replace or delete, and nobody else', async () => {
    await store.put('resp_b', 'alice', doc('resp_b'));
    await expect(store.put('resp_b', 'bob', doc('resp_b'))).rejects.toMatchObject({ code: 'response_id_taken' });
    await store.put('resp_b', 'alice', doc('resp_b', { inputItems: [] }));
    expect(await store.inputItems('resp_b', 'alice')).toEqual([]);
    expect(await store.delete('resp_b', 'bob')).toBe(false);
    expect(await store.delete('resp_b', 'alice')).toBe(true);
    expect(await store.delete('resp_b', 'alice')).toBe(false);
    expect(await store.get('resp_b', 'alice')).toBeUndefined();
  });

  it('hands out copies: changing what came back changes nothing stored', async () => {
    await store.put('resp_c', 'alice', doc('resp_c'));
    const got = (await store.get('resp_c', 'alice'))!;
    got.inputItems.push('tampered');
    expect(await store.inputItems('resp_c', 'alice')).toEqual(doc('resp_c').inputItems);
  });
});

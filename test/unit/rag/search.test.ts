import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, defaultFieldMapping, exchangeDocument, exchangeText, HashEmbedder, ragDocument, Spool, SpoolRagSearch } from '../../../src/rag';
import { makeRecord } from './fixtures';

describe('exchange text and documents', () => {
  it('takes the last user turn and the answer by default, every turn in transcript mode', () => {
    const r = makeRecord(1, {
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: 'second' },
      ],
      answer: 'done',
    });
    expect(exchangeText(r)).toBe('user: second\n\nassistant: done');
    expect(exchangeText(r, 'transcript')).toBe('user: first\n\nassistant: reply\n\nuser: second\n\nassistant: done');
  });

  it('maps to the configured RAG fields with a status the pipeline understands', () => {
    const mapping = { ...defaultFieldMapping, text: 'content', metadata: 'meta', status: 'state', embedding: 'vec' };
    const pending = ragDocument(makeRecord(1), mapping);
    expect(pending).toMatchObject({ _id: 'req-000001', state: 'pending', meta: { source: 'aegis', principalId: 'team-a', model: 'smollm2' } });
    expect(pending.vec).toBeUndefined();
    expect(ragDocument(makeRecord(1), mapping, [1, 0])).toMatchObject({ state: 'embedded', vec: [1, 0] });
  });

  it('stores times as dates and escapes keys MongoDB refuses', () => {
    const doc = exchangeDocument(makeRecord(1, { error: { code: 'x', message: 'y' } }));
    expect(doc.time).toBeInstanceOf(Date);
    const audit = exchangeDocument({ ...makeRecord(2), usage: { 'a.b': 1, $x: 2 } as never });
    expect(Object.keys(audit.usage as object)).toEqual(['a\uff0eb', '\uff04x']);
  });
});

describe('similarity', () => {
  it('cosine ranks the closer text higher with the hash embedder', async () => {
    const e = new HashEmbedder();
    const [q, near, far] = await e.embed(['llama wool', 'llamas grow wool and llama fleece', 'tax rules for companies']);
    expect(cosineSimilarity(q, near)).toBeGreaterThan(cosineSimilarity(q, far));
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });
});

describe('SpoolRagSearch', () => {
  it('finds exchanges in the local outbox by text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-spool-search-'));
    const spool = await Spool.open({ dir });
    await spool.append([
      { kind: 'exchange', id: 'a', data: makeRecord(1, { answer: 'Alpacas are smaller than llamas.' }) },
      { kind: 'exchange', id: 'b', data: makeRecord(2, { messages: [{ role: 'user', content: 'tax question' }], answer: 'File by April.' }) },
      { kind: 'audit', id: 'c', data: { id: 'c', time: '2025-01-01T00:00:00Z', type: 'x', actor: 'y', outcome: 'ok' } },
    ]);
    await spool.close();
    const res = await new SpoolRagSearch({ dir }).search('alpacas', 5);
    expect(res.method).toBe('text');
    expect(res.results.map((r) => r.id)).toEqual(['a']);
  });
});

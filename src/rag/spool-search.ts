// rag_search without MongoDB: text match over the exchanges in the local JSONL outbox, newest
// segments first, so the embedded default still answers (always with method `text`).
import { readFile } from 'node:fs/promises';
import { exchangeText, type FieldMapping } from './mongo-mapping';
import { searchTerms, termScore, type RagSearch, type RagSearchResponse, type RagSearchResult } from './search';
import { decodeItem, listSegments } from './spool-files';

export interface SpoolRagSearchOptions {
  dir: string;
  textMode?: FieldMapping['textMode'];
  /** Stop reading segments after this many bytes; the outbox can be large. */
  maxScanBytes?: number;
  maxTextChars?: number;
}

export class SpoolRagSearch implements RagSearch {
  constructor(private readonly options: SpoolRagSearchOptions) {}

  async search(query: string, k: number): Promise<RagSearchResponse> {
    const terms = searchTerms(query);
    const limit = Math.max(1, Math.min(100, Math.floor(k) || 5));
    if (terms.length === 0) return { method: 'text', results: [] };
    const found: RagSearchResult[] = [];
    let scanned = 0;
    const segments = (await listSegments(this.options.dir).catch(() => [])).reverse();
    for (const seg of segments) {
      if (scanned >= (this.options.maxScanBytes ?? 64 << 20)) break;
      scanned += seg.size;
      const content = await readFile(seg.path, 'utf8').catch(() => '');
      for (const line of content.split('\n')) {
        const item = line ? decodeItem(line) : undefined;
        if (item?.kind !== 'exchange') continue;
        const text = exchangeText(item.data, this.options.textMode);
        const score = termScore(text, terms);
        if (score > 0) {
          const r = item.data;
          found.push({
            id: item.id,
            score,
            text: text.slice(0, this.options.maxTextChars ?? 4_000),
            metadata: { source: 'aegis', requestId: r.requestId, time: r.time, principalId: r.principalId, model: r.model, modelVersion: r.modelVersion },
          });
        }
      }
    }
    return { method: 'text', results: found.sort((a, b) => b.score - a.score).slice(0, limit) };
  }
}

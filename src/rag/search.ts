// rag_search for the MCP bridge: `$vectorSearch` when the server has it, else cosine similarity
// over candidate documents, else text match; the answer says which one was used.
import type { Db, Document } from 'mongodb';
import { systemClock, silentLogger, type Clock, type Logger } from '../core';
import { defaultFieldMapping, type FieldMapping } from './mongo-mapping';
import type { Embedder } from './types';

/** `vector`: the server's vector index; `cosine`: exact, computed by Aegis; `fts`: SQLite FTS5 (BM25); `text`: term match. */
export type SearchMethod = 'vector' | 'cosine' | 'fts' | 'text';

export interface RagSearchResult {
  id: string;
  score: number;
  text: string;
  metadata?: Record<string, unknown>;
}

export interface RagSearchResponse {
  method: SearchMethod;
  results: RagSearchResult[];
}

export interface RagSearch {
  search(query: string, k: number): Promise<RagSearchResponse>;
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function searchTerms(query: string): string[] {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [])].slice(0, 12);
}

/** Share of the query's terms the text contains, plus a little for repeats. */
export function termScore(text: string, terms: readonly string[]): number {
  if (terms.length === 0) return 0;
  const lower = text.toLowerCase();
  let hit = 0;
  let repeats = 0;
  for (const t of terms) {
    const n = lower.split(t).length - 1;
    if (n > 0) {
      hit++;
      repeats += Math.min(n - 1, 5);
    }
  }
  return hit / terms.length + repeats * 0.01;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface MongoRagSearchOptions {
  db: Db;
  collection: string;
  fieldMapping?: Partial<FieldMapping>;
  embedder?: Embedder;
  /** Atlas / MongoDB 8.2+ vector index name on the embedding field. */
  vectorIndex?: string;
  /** Documents scored by cosine or text when the server cannot rank them itself. */
  candidates?: number;
  /** Result texts are cut to this many characters (MCP answers go back into a prompt). */
  maxTextChars?: number;
  clock?: Clock;
  logger?: Logger;
}

export class MongoRagSearch implements RagSearch {
  private vectorRetryAt = 0;
  private readonly mapping: FieldMapping;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: MongoRagSearchOptions) {
    this.mapping = { ...defaultFieldMapping, ...options.fieldMapping };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  private get coll() {
    return this.options.db.collection(this.options.collection);
  }

  async search(query: string, k: number): Promise<RagSearchResponse> {
    const limit = Math.max(1, Math.min(100, Math.floor(k) || 5));
    const vector = await this.queryVector(query);
    if (vector) {
      const viaIndex = await this.vectorSearch(vector, limit);
      if (viaIndex && viaIndex.length > 0) return { method: 'vector', results: viaIndex };
      const viaCosine = await this.cosineSearch(vector, limit);
      if (viaCosine.length > 0) return { method: 'cosine', results: viaCosine };
    }
    return { method: 'text', results: await this.textSearch(query, limit) };
  }

  private async queryVector(query: string): Promise<number[] | undefined> {
    if (!this.options.embedder) return undefined;
    try {
      return (await this.options.embedder.embed([query]))[0];
    } catch (err) {
      this.logger.warn({ err }, 'query embedding failed; falling back to text search');
      return undefined;
    }
  }

  private async vectorSearch(vector: number[], limit: number): Promise<RagSearchResult[] | undefined> {
    if (this.clock.now() < this.vectorRetryAt) return undefined;
    const m = this.mapping;
    try {
      const docs = await this.coll
        .aggregate([
          { $vectorSearch: { index: this.options.vectorIndex ?? 'vector_index', path: m.embedding, queryVector: vector, numCandidates: limit * 20, limit } },
          { $project: { [m.text]: 1, [m.metadata]: 1, score: { $meta: 'vectorSearchScore' } } },
        ])
        .toArray();
      return docs.map((d) => this.result(d, Number(d.score)));
    } catch (err) {
      // Unsupported here (FerretDB, Community without search): do not ask again for ten minutes.
      this.vectorRetryAt = this.clock.now() + 600_000;
      this.logger.debug({ err }, '$vectorSearch unavailable; using cosine similarity');
      return undefined;
    }
  }

  private async cosineSearch(vector: number[], limit: number): Promise<RagSearchResult[]> {
    const m = this.mapping;
    const docs = await this.coll
      .find({ [m.embedding]: { $exists: true } })
      .project({ [m.text]: 1, [m.metadata]: 1, [m.embedding]: 1 })
      .limit(this.options.candidates ?? 2_000)
      .toArray();
    return docs
      .filter((d) => Array.isArray(d[m.embedding]))
      .map((d) => this.result(d, cosineSimilarity(vector, d[m.embedding] as number[])))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  private async textSearch(query: string, limit: number): Promise<RagSearchResult[]> {
    const terms = searchTerms(query);
    if (terms.length === 0) return [];
    const m = this.mapping;
    const docs = await this.coll
      .find({ $or: terms.map((t) => ({ [m.text]: { $regex: escapeRegex(t), $options: 'i' } })) })
      .project({ [m.text]: 1, [m.metadata]: 1 })
      .limit(this.options.candidates ?? 2_000)
      .toArray();
    return docs
      .map((d) => this.result(d, termScore(String(d[m.text] ?? ''), terms)))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  private result(doc: Document, score: number): RagSearchResult {
    const m = this.mapping;
    const text = String(doc[m.text] ?? '');
    const metadata = doc[m.metadata];
    return {
      id: String(doc._id),
      score,
      text: text.slice(0, this.options.maxTextChars ?? 4_000),
      ...(metadata && typeof metadata === 'object' ? { metadata: metadata as Record<string, unknown> } : {}),
    };
  }
}

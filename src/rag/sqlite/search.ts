// rag_search on the embedded store: exact cosine similarity over the stored embeddings when an
// embedder turns the query into a vector, else FTS5 ranked by BM25. The answer has the MongoDB
// path's shape and names the method. Long scans run in pages with the event loop free in between.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import { silentLogger, type Logger } from '../../core';
import { searchTerms, type RagSearch, type RagSearchResponse, type RagSearchResult } from '../search';
import type { Embedder } from '../types';
import type { SqliteDatabase } from './database';
import { blobFloats } from './rows';
import { keepBest, type VectorHit, type VectorIndex } from './vector-index';

export interface SqliteRagSearchOptions {
  db: SqliteDatabase;
  embedder?: Embedder;
  /** Result texts are cut to this many characters (MCP answers go back into a prompt). */
  maxTextChars?: number;
  /** Embeddings scored per page of the cosine scan. */
  pageSize?: number;
  /** The vectors in memory; without one (or past its memory bound) every query reads them from the table. */
  index?: VectorIndex;
  logger?: Logger;
}

interface DocRow {
  id: string;
  text: string;
  metadata: string;
}

/** `[seq, embedding]`, read raw: no object per row on a scan of every vector. */
type VectorRow = [number, Buffer];

export class SqliteRagSearch implements RagSearch {
  private readonly sql: {
    fts: Statement<[string, number], DocRow & { rank: number }>;
    vectors: Statement<[number, number, number], VectorRow>;
    doc: Statement<[number], DocRow>;
  };
  private readonly logger: Logger;

  constructor(private readonly options: SqliteRagSearchOptions) {
    const { db } = options;
    this.logger = options.logger ?? silentLogger;
    this.sql = {
      fts: db.prepare<[string, number], DocRow & { rank: number }>(
        `SELECT d.id, d.text, d.metadata, f.rank FROM rag_fts f JOIN rag_documents d ON d.seq = f.rowid
         WHERE rag_fts MATCH ? ORDER BY f.rank LIMIT ?`,
      ),
      vectors: db.prepare<[number, number, number], VectorRow>('SELECT seq, embedding FROM rag_vectors WHERE dims = ? AND seq > ? ORDER BY seq LIMIT ?').raw(),
      doc: db.prepare<[number], DocRow>('SELECT id, text, metadata FROM rag_documents WHERE seq = ?'),
    };
  }

  async search(query: string, k: number): Promise<RagSearchResponse> {
    const limit = Math.max(1, Math.min(100, Math.floor(k) || 5));
    const vector = await this.queryVector(query);
    if (vector) {
      const hits = await this.cosine(vector, limit);
      const results = hits.flatMap((h) => {
        // Deleted by retention while the query ran.
        const doc = this.sql.doc.get(h.seq);
        return doc ? [this.result(doc, h.score)] : [];
      });
      if (results.length > 0) return { method: 'cosine', results };
    }
    return { method: 'fts', results: this.fullText(query, limit) };
  }

  private async queryVector(query: string): Promise<Float32Array | undefined> {
    if (!this.options.embedder) return undefined;
    try {
      const v = (await this.options.embedder.embed([query]))[0];
      return v && v.length > 0 ? Float32Array.from(v) : undefined;
    } catch (err) {
      this.logger.warn({ err }, 'query embedding failed; falling back to full-text search');
      return undefined;
    }
  }

  /** Every document embedded with the query's dimensions, scored exactly; the best `limit` kept. */
  private async cosine(query: Float32Array, limit: number): Promise<VectorHit[]> {
    let qn = 0;
    for (const x of query) qn += x * x;
    if (!(qn > 0)) return [];
    // Stored vectors have length 1: the dot product with the unit query is the cosine.
    const q = query.map((x) => x / Math.sqrt(qn));
    return (await this.options.index?.search(q, limit)) ?? this.cosineOnDisk(q, limit);
  }

  private async cosineOnDisk(q: Float32Array, limit: number): Promise<VectorHit[]> {
    const dims = q.length;
    const best: VectorHit[] = [];
    const page = this.options.pageSize ?? 4_000;
    let after = 0;
    for (;;) {
      const rows = this.sql.vectors.all(dims, after, page);
      for (const [seq, blob] of rows) {
        const v = blobFloats(blob);
        let dot = 0;
        for (let i = 0; i < dims; i++) dot += q[i]! * v[i]!;
        if (best.length < limit || dot > best[best.length - 1]!.score) keepBest(best, { seq, score: dot }, limit);
      }
      if (rows.length < page) return best;
      after = rows[rows.length - 1]![0];
      await nextTurn();
    }
  }

  private fullText(query: string, limit: number): RagSearchResult[] {
    const terms = searchTerms(query);
    if (terms.length === 0) return [];
    // Each term quoted: FTS5 query syntax in the user's words (AND, NEAR, "*") is taken literally.
    const match = terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
    // bm25 is lower for better matches; the answer's score is higher for better, as on MongoDB.
    return this.sql.fts.all(match, limit).map((row) => this.result(row, -row.rank));
  }

  private result(row: DocRow, score: number): RagSearchResult {
    const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
    return { id: row.id, score, text: row.text.slice(0, this.options.maxTextChars ?? 4_000), metadata };
  }
}

// The stored embeddings of one dimension in memory, for exact cosine without reading every blob
// from SQLite on each query (reading them costs several times the arithmetic). Loaded on the first
// vector search, kept in step by the writer and retention, and given up past `maxBytes`: the
// search then scans the table instead, still exact, only slower.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database';
import { blobFloats } from './rows';

export interface VectorHit {
  seq: number;
  score: number;
}

export interface VectorIndexOptions {
  db: SqliteDatabase;
  /** Memory the vectors may take (default 256 MiB: 170,000 vectors of 384 dimensions). */
  maxBytes?: number;
  /** Rows read, or vectors scored, between two turns of the event loop. */
  pageSize?: number;
}

interface Loading {
  dims: number;
  /** The last seq read; documents get ever larger seqs (AUTOINCREMENT), so later ones are still to come. */
  upTo: number;
  /** Deleted while loading, taken out once loaded. */
  removed: number[];
  done: Promise<Loaded | undefined>;
}

interface Loaded {
  dims: number;
  /** Slot → seq; -1 marks a slot whose document was deleted. */
  seqs: number[];
  data: Float32Array;
  slots: Map<number, number>;
  dead: number;
}

export class VectorIndex {
  private loaded?: Loaded;
  private loading?: Loading;
  /** Dimensions whose vectors did not fit: searched on disk. */
  private readonly tooBig = new Set<number>();
  private readonly read: Statement<[number, number, number], [number, Buffer]>;
  private readonly count: Statement<[number], number>;
  private readonly maxBytes: number;
  private readonly pageSize: number;

  constructor(options: VectorIndexOptions) {
    this.maxBytes = options.maxBytes ?? 256 * 2 ** 20;
    this.pageSize = options.pageSize ?? 4_000;
    this.read = options.db
      .prepare<[number, number, number], [number, Buffer]>('SELECT seq, embedding FROM rag_vectors WHERE dims = ? AND seq > ? ORDER BY seq LIMIT ?')
      .raw();
    this.count = options.db.prepare<[number], number>('SELECT count(*) FROM rag_vectors WHERE dims = ?').pluck();
  }

  /** The best `limit` documents by cosine with a unit-length `query`, or undefined when this index cannot hold its dimension. */
  async search(query: Float32Array, limit: number): Promise<VectorHit[] | undefined> {
    const index = await this.ready(query.length);
    if (!index) return undefined;
    const best: VectorHit[] = [];
    const { dims, seqs, data } = index;
    for (let start = 0; start < seqs.length; start += this.pageSize * 4) {
      const end = Math.min(seqs.length, start + this.pageSize * 4);
      for (let slot = start; slot < end; slot++) {
        if (seqs[slot]! < 0) continue;
        let dot = 0;
        const base = slot * dims;
        for (let i = 0; i < dims; i++) dot += query[i]! * data[base + i]!;
        if (best.length < limit || dot > best[best.length - 1]!.score) keepBest(best, { seq: seqs[slot]!, score: dot }, limit);
      }
      if (end < seqs.length) await nextTurn();
    }
    return best;
  }

  /** A vector just committed by the writer. */
  add(seq: number, dims: number, blob: Buffer): void {
    const loading = this.loading;
    // The loader reads it itself when it gets there.
    if (loading && loading.dims === dims && seq > loading.upTo) return;
    const index = this.loaded;
    if (!index || index.dims !== dims) return;
    const slot = index.slots.get(seq) ?? this.append(index, seq);
    if (slot === undefined) return;
    index.data.set(blobFloats(blob), slot * dims);
  }

  /** Documents retention just deleted. */
  remove(seqs: readonly number[]): void {
    this.loading?.removed.push(...seqs);
    const index = this.loaded;
    if (!index) return;
    for (const seq of seqs) {
      const slot = index.slots.get(seq);
      if (slot === undefined) continue;
      index.slots.delete(seq);
      index.seqs[slot] = -1;
      index.dead++;
    }
    if (index.dead > 1_000 && index.dead > index.seqs.length / 4) this.compact(index);
  }

  private async ready(dims: number): Promise<Loaded | undefined> {
    if (this.tooBig.has(dims)) return undefined;
    if (this.loaded?.dims === dims) return this.loaded;
    if (this.loading?.dims === dims) return this.loading.done;
    // One dimension at a time: a store embedded with two models keeps the newer one in memory.
    this.loaded = undefined;
    const loading: Loading = { dims, upTo: 0, removed: [], done: Promise.resolve(undefined) };
    loading.done = this.load(loading).finally(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    this.loading = loading;
    return loading.done;
  }

  private async load(loading: Loading): Promise<Loaded | undefined> {
    const { dims } = loading;
    // Sized for what is there plus room to grow, so loading never copies the buffer; past the bound, give up at once.
    const expected = this.count.get(dims) ?? 0;
    if (expected * dims * 4 > this.maxBytes) {
      this.tooBig.add(dims);
      return undefined;
    }
    const capacity = Math.min(Math.floor(this.maxBytes / 4 / dims), Math.max(1_024, Math.ceil(expected * 1.25)));
    const index: Loaded = { dims, seqs: [], data: new Float32Array(capacity * dims), slots: new Map(), dead: 0 };
    for (;;) {
      const rows = this.read.all(dims, loading.upTo, this.pageSize);
      for (const [seq, blob] of rows) {
        if (this.append(index, seq) === undefined) {
          this.tooBig.add(dims);
          return undefined;
        }
        index.data.set(blobFloats(blob), index.slots.get(seq)! * dims);
      }
      if (rows.length > 0) loading.upTo = rows[rows.length - 1]![0];
      if (rows.length < this.pageSize) break;
      await nextTurn();
    }
    if (this.loading !== loading) return undefined;
    this.loaded = index;
    this.remove(loading.removed);
    return index;
  }

  /** A new slot for `seq`, growing the buffer; undefined past `maxBytes`. */
  private append(index: Loaded, seq: number): number | undefined {
    const slot = index.seqs.length;
    const need = (slot + 1) * index.dims;
    if (need > index.data.length) {
      const grown = Math.min(index.data.length * 2, Math.floor(this.maxBytes / 4 / index.dims) * index.dims);
      if (grown < need) {
        if (this.loaded === index) this.loaded = undefined;
        this.tooBig.add(index.dims);
        return undefined;
      }
      const data = new Float32Array(grown);
      data.set(index.data);
      index.data = data;
    }
    index.seqs.push(seq);
    index.slots.set(seq, slot);
    return slot;
  }

  /** Drops the slots of deleted documents, keeping the order. */
  private compact(index: Loaded): void {
    const { dims } = index;
    let to = 0;
    for (let from = 0; from < index.seqs.length; from++) {
      const seq = index.seqs[from]!;
      if (seq < 0) continue;
      if (from !== to) index.data.copyWithin(to * dims, from * dims, (from + 1) * dims);
      index.seqs[to] = seq;
      index.slots.set(seq, to);
      to++;
    }
    index.seqs.length = to;
    index.dead = 0;
  }
}

/** Inserts into a descending list of at most `limit` hits. */
export function keepBest(best: VectorHit[], hit: VectorHit, limit: number): void {
  let i = best.length;
  while (i > 0 && best[i - 1]!.score < hit.score) i--;
  best.splice(i, 0, hit);
  if (best.length > limit) best.pop();
}

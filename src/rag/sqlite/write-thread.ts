// The embedded store's writes (inserts, retention sweeps, stored responses) on a worker thread
// with its own connection. better-sqlite3 is synchronous: on the gateway's thread every commit,
// and every WAL checkpoint with its fsync, would hold the event loop and with it every stream in
// flight. Here the gateway only hands records over; on a machine with a spare core recording costs
// the request path next to nothing. Reads (lookups, search, stored responses) stay on the
// gateway's connection: WAL lets them run beside the writer.
import { Worker } from 'node:worker_threads';
import type { FieldMapping } from '../mongo-mapping';
import type { SweepReport } from '../record-store';
import type { InsertOutcome, OutboxItem } from '../types';
import type { ResponseRow, ResponseWrites } from './responses';
import type { StoredVector, Vectors } from './writer';

/** What the thread needs to open its connection and build its writer and retention. */
export interface WriteThreadOptions {
  path: string;
  textMode?: FieldMapping['textMode'];
  maxRowsPerTransaction?: number;
  maxBytesPerTransaction?: number;
  maxBytes: number;
  retentionDays?: number;
  auditRetentionDays?: number;
}

export type WriteRequest =
  | { op: 'insert'; items: readonly OutboxItem[]; vectors: [string, Uint8Array][] }
  | { op: 'sweep'; now: number }
  | { op: 'putResponse'; row: ResponseRow }
  | { op: 'deleteResponse'; id: string; principalId: string }
  | { op: 'pragma'; pragma: string }
  | { op: 'close' };

export interface InsertResult {
  outcome: InsertOutcome;
  /** Bytes the new rows are counted for (duplicates excluded). */
  bytes: number;
  vectors: StoredVector[];
}

export interface SweepResult {
  report: SweepReport;
  /** Documents whose vectors went. */
  droppedVectors: number[];
}

/** An error as it crosses the thread boundary: what callers test (`code`: SQLITE_FULL, …) survives. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
  /** What an insert that failed part-way had committed before it failed (its earlier transactions). */
  committed?: Omit<InsertResult, 'outcome'>;
}

export type WriteReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ThreadError };

export function threadError(err: unknown, committed?: ThreadError['committed']): ThreadError {
  const base = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return { ...base, ...(typeof code === 'string' ? { code } : {}), ...(committed ? { committed } : {}) };
}

/** A Buffer crosses the thread boundary as a plain Uint8Array: the same bytes, viewed as a Buffer again. */
export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Stored vectors as they arrive from the thread, their blobs Buffers again (the vector index keeps Buffers). */
const buffered = (vectors: readonly StoredVector[]): StoredVector[] => vectors.map(([seq, dims, blob]) => [seq, dims, asBuffer(blob)]);

/** A write the thread refused; `committed` is what it had stored before the failure, to be counted all the same. */
export class WriteFailedError extends Error {
  readonly code?: string;
  readonly committed: Omit<InsertResult, 'outcome'>;

  constructor(e: ThreadError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
    this.committed = { bytes: e.committed?.bytes ?? 0, vectors: buffered(e.committed?.vectors ?? []) };
  }
}

/** The thread's entry: a plain module that registers tsx there, then loads `write-thread-entry.ts`. */
const entry = new URL('./write-thread-boot.mjs', import.meta.url);

export class WriteThreadClosedError extends Error {}

/** Started on the first write; a thread that dies fails what it held (the outbox spools it) and the next write starts another. */
export class WriteThread implements ResponseWrites {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(private readonly options: WriteThreadOptions) {}

  async insert(items: readonly OutboxItem[], vectors: Vectors): Promise<InsertResult> {
    const r = (await this.call({ op: 'insert', items, vectors: [...vectors] })) as InsertResult;
    return { ...r, vectors: buffered(r.vectors) };
  }

  async sweep(now: number): Promise<SweepResult> {
    return (await this.call({ op: 'sweep', now })) as SweepResult;
  }

  async putResponse(row: ResponseRow): Promise<number> {
    return (await this.call({ op: 'putResponse', row })) as number;
  }

  async deleteResponse(id: string, principalId: string): Promise<number> {
    return (await this.call({ op: 'deleteResponse', id, principalId })) as number;
  }

  /** Runs a pragma on the writer's connection (its `max_page_count`, say): for tests and diagnostics. */
  pragma(pragma: string): Promise<unknown> {
    return this.call({ op: 'pragma', pragma });
  }

  /** Lets what the thread holds finish, then closes its connection and ends it; a thread that does not answer within `timeoutMs` is ended anyway. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([this.call({ op: 'close' }).catch(() => {}), late]);
      clearTimeout(timer);
      await worker.terminate();
    }
    this.closed = true;
  }

  private call(request: WriteRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new WriteThreadClosedError('the embedded store is closed'));
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, request });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(entry, { workerData: { options: this.options } });
    worker.unref();
    worker.on('message', (reply: WriteReply) => this.settle(reply));
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded store's writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: WriteReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new WriteFailedError(reply.error));
  }
}

// Moves the write-ahead log into the database file from a thread of its own. A checkpoint copies
// every page the log holds and fsyncs the file; run by the connection that commits (SQLite's
// default, after each commit past 1,000 pages) it stalls that writer for the copy and the fsync.
// Passive checkpoints from here run beside the writer instead, and each page is copied once per
// checkpoint however often the transactions in between rewrote it. The thread is plain JavaScript
// (a loop around one pragma, better-sqlite3 its only import): it needs no TypeScript loader.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database';

export interface CheckpointerOptions {
  path: string;
  /** How often the log is copied (and how much it may grow in between, at the write rate). */
  intervalMs?: number;
}

/** How far a connection lets the log grow before it checkpoints itself: the backstop should the checkpointer fall behind or stop. */
const backstopCheckpointBytes = 16 * 2 ** 20;

/** Sets that backstop on a connection, in pages of its file (`wal_autocheckpoint` counts pages). */
export function setCheckpointBackstop(db: SqliteDatabase): void {
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  db.pragma(`wal_autocheckpoint = ${Math.ceil(backstopCheckpointBytes / pageSize)}`);
}

// Told of each commit, it checkpoints at most once per interval, and not at all while nothing is written.
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('wal_autocheckpoint = 0');
let timer;
const checkpoint = () => {
  timer = undefined;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
};
parentPort.on('message', (m) => {
  if (m === 'written') {
    timer ??= setTimeout(checkpoint, workerData.intervalMs);
    return;
  }
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  /** The last checkpoint that failed (a lock held past the timeout, say); the next one tries again. */
  lastError?: string;

  constructor({ path, intervalMs = 100 }: CheckpointerOptions) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(source, { eval: true, workerData: { module, path, intervalMs } });
    this.worker.unref();
    this.worker.on('message', (m: { error?: string }) => {
      this.lastError = m.error;
    });
    // A checkpointer that cannot even open the file leaves the writer's backstop to do the work.
    this.worker.on('error', (err) => {
      this.lastError = err.message;
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Something was committed: the log is copied within the interval. */
  written(): void {
    this.worker.postMessage('written');
  }

  /** One last checkpoint, then the thread ends. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await this.exited;
  }
}

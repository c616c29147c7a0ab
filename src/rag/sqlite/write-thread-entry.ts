// Inside the writer thread: one connection, the record writer and retention. A sweep may interleave
// with an insert between their transactions (each is a series of short ones, as on the gateway's
// thread before).
import { parentPort, workerData } from 'node:worker_threads';
import { setCheckpointBackstop, Checkpointer } from './checkpointer';
import { openDatabase } from './database';
import { responseWriter } from './responses';
import { SqliteRetention } from './retention';
import {
  asBuffer,
  threadError,
  type InsertResult,
  type SweepResult,
  type ThreadError,
  type WriteReply,
  type WriteRequest,
  type WriteThreadOptions,
} from './write-thread';
import { SqliteRecordWriter, type StoredVector } from './writer';

const { options } = workerData as { options: WriteThreadOptions };
const port = parentPort!;
// Waiting for another writer (the gateway's own connection writing the registry, a CLI) blocks
// only this thread, so it may wait long rather than fail the batch.
const db = openDatabase(options.path, { busyTimeoutMs: 5_000 });
// The checkpointer copies the log into the file beside this thread's commits; this connection
// checkpoints itself only should the log grow far past what the checkpointer leaves.
const checkpointer = new Checkpointer({ path: options.path });
setCheckpointBackstop(db);

/** An insert's failure, with what its earlier transactions committed. */
class CommittedBeforeFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly committed: NonNullable<ThreadError['committed']>,
  ) {
    super('insert failed');
  }
}

let added: StoredVector[] = [];
const writer = new SqliteRecordWriter({
  db,
  textMode: options.textMode,
  maxRowsPerTransaction: options.maxRowsPerTransaction,
  maxBytesPerTransaction: options.maxBytesPerTransaction,
  onVectors: (vectors) => added.push(...vectors),
});
const responses = responseWriter(db);
let dropped: number[] = [];
const retention = new SqliteRetention({
  db,
  maxBytes: options.maxBytes,
  retentionDays: options.retentionDays,
  auditRetentionDays: options.auditRetentionDays,
  onDropVectors: (seqs) => dropped.push(...seqs),
});

async function handle(request: WriteRequest): Promise<unknown> {
  switch (request.op) {
    case 'insert': {
      added = [];
      const before = writer.addedBytes;
      try {
        const outcome = await writer.insert(request.items, new Map(request.vectors.map(([id, blob]) => [id, asBuffer(blob)])));
        const result: InsertResult = { outcome, bytes: writer.addedBytes - before, vectors: added };
        return result;
      } catch (err) {
        // Its earlier transactions committed: the gateway counts their bytes and vectors all the same.
        throw new CommittedBeforeFailure(err, { bytes: writer.addedBytes - before, vectors: added });
      } finally {
        checkpointer.written();
      }
    }
    case 'sweep': {
      dropped = [];
      const report = await retention.sweep(request.now);
      const result: SweepResult = { report, droppedVectors: dropped };
      checkpointer.written();
      return result;
    }
    case 'putResponse':
    case 'deleteResponse': {
      const changes = request.op === 'putResponse' ? responses.put(request.row) : responses.delete(request.id, request.principalId);
      checkpointer.written();
      return changes;
    }
    case 'pragma':
      return db.pragma(request.pragma);
    case 'close':
      await checkpointer.stop();
      if (db.open) db.close();
      return undefined;
  }
}

// Inserts run one after another, sweeps too (each collects what it reports in the arrays above);
// closing waits for both. A stored response, a single statement, runs as soon as the thread is
// free: between an insert's transactions, never inside one.
const queues = { insert: Promise.resolve(), sweep: Promise.resolve() };
function scheduled(request: WriteRequest): Promise<unknown> {
  if (request.op === 'pragma' || request.op === 'putResponse' || request.op === 'deleteResponse') return handle(request);
  if (request.op === 'close') return Promise.all([queues.insert, queues.sweep]).then(() => handle(request));
  const run = queues[request.op].then(() => handle(request));
  queues[request.op] = run.then(
    () => {},
    () => {},
  );
  return run;
}

port.on('message', ({ id, request }: { id: number; request: WriteRequest }) => {
  scheduled(request).then(
    (result) => port.postMessage({ id, ok: true, result } satisfies WriteReply),
    (err: unknown) => {
      const error = err instanceof CommittedBeforeFailure ? threadError(err.cause, err.committed) : threadError(err);
      port.postMessage({ id, ok: false, error } satisfies WriteReply);
    },
  );
});

// The durable append-only spool: JSONL segments appended in batches and fsync'd every few ms,
// rotated by size, read back oldest-first from a committed offset; replayed segments are deleted.
import { appendFile, mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../core';
import { acquireLock, decodeItem, encodeItem, listSegments, readCommit, segmentPath, writeCommit, type SegmentInfo } from './spool-files';
import type { OutboxItem } from './types';

export interface SpoolOptions {
  dir: string;
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number;
  /** Appends beyond this many unreplayed bytes are refused (counted as dropped by the caller). */
  maxBytes?: number;
  fsyncIntervalMs?: number;
  /** fsync at once when this many records are unsynced. */
  fsyncEveryRecords?: number;
  clock?: Clock;
  logger?: Logger;
}

export class SpoolFullError extends Error {
  readonly code = 'spool_full';
}

export interface SpoolBatch {
  items: OutboxItem[];
  /** Lines that could not be parsed (a torn tail after a crash); skipped, not retried. */
  corrupt: number;
  /** Marks the batch replayed; call only after the store accepted every item. */
  commit(): Promise<void>;
}

interface Writer {
  seg: SegmentInfo;
  handle: FileHandle;
}

/** Records up to byte `end` of segment `seq` were first written no earlier than `at`. */
interface AgeMark {
  seq: number;
  end: number;
  at: number;
}

/** Appends within this span share one age mark: the oldest record's age is known to within it. */
const AGE_MARK_SPAN_MS = 1_000;

export class Spool {
  private writer?: Writer;
  private nextSeq: number;
  private offset: number;
  private unsynced = 0;
  private syncTimer?: TimerHandle;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** When the pending records were written, oldest first (for the age of the oldest one). */
  private readonly marks: AgeMark[] = [];
  private readonly clock: Clock;
  private readonly logger: Logger;

  private constructor(
    private readonly options: Required<Omit<SpoolOptions, 'clock' | 'logger'>>,
    private readonly segments: SegmentInfo[],
    offset: number,
    private readonly release: () => Promise<void>,
    deps: { clock: Clock; logger: Logger },
    writtenAt: readonly number[] = [],
  ) {
    this.offset = offset;
    // A previous process' segments: the file's creation time is when its first record was written.
    for (const [i, s] of segments.entries()) this.marks.push({ seq: s.seq, end: s.size, at: writtenAt[i] ?? deps.clock.now() });
    this.nextSeq = (segments.at(-1)?.seq ?? 0) + 1;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  static async open({
    dir,
    segmentBytes = 8 << 20,
    maxBytes = 1 << 30,
    fsyncIntervalMs = 50,
    fsyncEveryRecords = 200,
    clock = systemClock,
    logger = silentLogger,
  }: SpoolOptions): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const release = await acquireLock(dir);
    const all = await listSegments(dir);
    const commit = await readCommit(dir);
    // Segments before the commit point were fully replayed by an earlier process that stopped
    // before deleting them.
    const pending = all.filter((s) => !commit || s.seq >= commit.seq);
    for (const s of all) if (!pending.includes(s)) await unlink(s.path).catch(() => {});
    const offset = commit && pending[0]?.seq === commit.seq ? Math.min(commit.offset, pending[0].size) : 0;
    const writtenAt = await Promise.all(pending.map((s) => stat(s.path).then((st) => st.birthtimeMs || st.mtimeMs)));
    return new Spool({ dir, segmentBytes, maxBytes, fsyncIntervalMs, fsyncEveryRecords }, pending, offset, release, { clock, logger }, writtenAt);
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Unreplayed bytes on disk. */
  pendingBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0) - this.offset;
  }

  segmentCount(): number {
    return this.segments.length;
  }

  /** When the oldest record not yet replayed was written (to within a second); undefined when none is. */
  oldestPendingAt(): number | undefined {
    const head = this.segments[0];
    while (this.marks.length > 0) {
      const m = this.marks[0]!;
      const replayed = head === undefined || m.seq < head.seq || (m.seq === head.seq && m.end <= this.offset);
      if (!replayed) break;
      this.marks.shift();
    }
    return this.pendingBytes() > 0 ? this.marks[0]?.at : undefined;
  }

  hasPending(): boolean {
    return this.pendingBytes() > 0;
  }

  /** Operations run one at a time: appends, reads, rotation and the fsync timer share file handles. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  append(items: readonly OutboxItem[]): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) throw new Error('spool is closed');
      const bytes = Buffer.from(items.map(encodeItem).join(''));
      if (this.pendingBytes() + bytes.length > this.options.maxBytes) throw new SpoolFullError(`spool is full (${this.pendingBytes()} bytes pending)`);
      const writer = await this.writable();
      try {
        // Explicit positions: after a truncate the file offset would otherwise leave a hole.
        await writer.handle.write(bytes, 0, bytes.length, writer.seg.size);
      } catch (err) {
        // Cut a half-written batch off so the next append does not start mid-line.
        await writer.handle.truncate(writer.seg.size).catch(() => this.dropWriter());
        throw err;
      }
      writer.seg.size += bytes.length;
      this.markWritten(writer.seg);
      this.unsynced += items.length;
      if (this.unsynced >= this.options.fsyncEveryRecords) await this.syncNow();
      else
        this.syncTimer ??= this.clock.setTimeout(
          () => void this.flush().catch((err: unknown) => this.logger.error({ err }, 'spool fsync failed')),
          this.options.fsyncIntervalMs,
        );
    });
  }

  private markWritten(seg: SegmentInfo): void {
    const now = this.clock.now();
    const last = this.marks.at(-1);
    if (last && last.seq === seg.seq && now - last.at < AGE_MARK_SPAN_MS) last.end = seg.size;
    else this.marks.push({ seq: seg.seq, end: seg.size, at: now });
  }

  /** fsync whatever is unsynced now. */
  flush(): Promise<void> {
    return this.exclusive(() => this.syncNow());
  }

  private async syncNow(): Promise<void> {
    if (this.syncTimer) this.clock.clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.writer && this.unsynced > 0) await this.writer.handle.sync();
    this.unsynced = 0;
  }

  private async writable(): Promise<Writer> {
    if (this.writer && this.writer.seg.size < this.options.segmentBytes) return this.writer;
    if (this.writer) await this.closeWriter();
    const seg: SegmentInfo = { seq: this.nextSeq++, path: segmentPath(this.options.dir, this.nextSeq - 1), size: 0 };
    // A new process never appends to an old segment, so a torn tail there stays isolated.
    const handle = await open(seg.path, 'wx+');
    this.segments.push(seg);
    if (this.segments.length === 1) this.offset = 0;
    this.writer = { seg, handle };
    return this.writer;
  }

  private async closeWriter(): Promise<void> {
    const w = this.writer;
    if (!w) return;
    await this.syncNow();
    this.writer = undefined;
    await w.handle.close();
  }

  private dropWriter(): void {
    const w = this.writer;
    this.writer = undefined;
    void w?.handle.close().catch(() => {});
  }

  /** Up to `max` records from the oldest pending position, or undefined when caught up. */
  read(max: number): Promise<SpoolBatch | undefined> {
    return this.exclusive(async () => {
      let corrupt = 0;
      for (;;) {
        const seg = this.segments[0];
        if (!seg) return undefined;
        const active = this.writer?.seg === seg;
        if (this.offset >= seg.size) {
          if (active) return undefined;
          await this.retireOldest();
          continue;
        }
        const chunk = await this.readLines(seg, max, active);
        corrupt += chunk.corrupt;
        if (chunk.items.length > 0) {
          return { items: chunk.items, corrupt, commit: () => this.exclusive(() => this.commitTo(seg.seq, chunk.end)) };
        }
        // Only unreadable lines: skip them; nothing readable at all means an unfinished tail.
        if (chunk.end > this.offset) await this.commitTo(seg.seq, chunk.end);
        else if (active) return undefined;
        else await this.retireOldest();
      }
    });
  }

  private async readLines(seg: SegmentInfo, max: number, active: boolean): Promise<{ items: OutboxItem[]; corrupt: number; end: number }> {
    const handle = active ? this.writer!.handle : await open(seg.path, 'r');
    try {
      let want = 256 * 1024;
      for (;;) {
        const len = Math.min(want, seg.size - this.offset);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await handle.read(buf, 0, len, this.offset);
        const text = buf.subarray(0, bytesRead);
        const lastNl = text.lastIndexOf(10);
        const atEnd = this.offset + bytesRead >= seg.size;
        if (lastNl < 0 && !atEnd) {
          want *= 2;
          continue;
        }
        const lines = lastNl < 0 ? [] : text.subarray(0, lastNl).toString('utf8').split('\n');
        const items: OutboxItem[] = [];
        let corrupt = 0;
        let consumed = 0;
        for (const line of lines) {
          if (items.length >= max) break;
          consumed += Buffer.byteLength(line) + 1;
          if (line === '') continue;
          const item = decodeItem(line);
          if (item) items.push(item);
          else corrupt++;
        }
        // A tail without a newline in a closed segment is a write torn by a crash.
        if (!active && atEnd && items.length < max && lastNl + 1 < bytesRead) {
          consumed = bytesRead;
          corrupt++;
        }
        return { items, corrupt, end: this.offset + consumed };
      }
    } finally {
      if (!active) await handle.close();
    }
  }

  private async commitTo(seq: number, offset: number): Promise<void> {
    const seg = this.segments[0];
    if (seg?.seq !== seq) return;
    this.offset = Math.max(this.offset, offset);
    // A fully replayed segment is deleted at once, the active one included (the next append
    // starts a fresh one), so replayed data never lingers on disk.
    if (this.offset >= seg.size) await this.retireOldest();
    else await writeCommit(this.options.dir, { seq, offset: this.offset });
  }

  /** Deletes the oldest segment (fully replayed) and moves the commit point to the next one. */
  private async retireOldest(): Promise<void> {
    const seg = this.segments.shift();
    if (!seg) return;
    // Same tick as the shift: stats() reads these fields without waiting for the lock.
    this.offset = 0;
    if (this.writer?.seg === seg) await this.closeWriter();
    await unlink(seg.path).catch((err: unknown) => this.logger.warn({ err, path: seg.path }, 'could not delete a replayed spool segment'));
    await writeCommit(this.options.dir, { seq: this.segments[0]?.seq ?? this.nextSeq, offset: 0 });
  }

  /** Records the store refused for good; kept on disk for an operator, never silently lost. */
  async deadLetter(entries: { item: OutboxItem; reason: string }[]): Promise<void> {
    const lines = entries.map(
      (e) => `${JSON.stringify({ at: new Date(this.clock.now()).toISOString(), reason: e.reason, kind: e.item.kind, id: e.item.id, data: e.item.data })}\n`,
    );
    await appendFile(join(this.options.dir, 'rejected.jsonl'), lines.join(''));
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.closeWriter();
      await this.release();
    });
  }
}

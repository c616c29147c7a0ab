// The spool's on-disk layout: numbered JSONL segments, a commit file saying how far replay got,
// a dead-letter file, and a pid lock so two processes never write one directory.
import { readFileSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutboxItem } from './types';

export interface SegmentInfo {
  seq: number;
  path: string;
  size: number;
}

export interface CommitPoint {
  seq: number;
  offset: number;
}

const SEGMENT = /^seg-(\d{12})\.jsonl$/;

export const segmentPath = (dir: string, seq: number): string => join(dir, `seg-${String(seq).padStart(12, '0')}.jsonl`);

export async function listSegments(dir: string): Promise<SegmentInfo[]> {
  const out: SegmentInfo[] = [];
  for (const name of await readdir(dir)) {
    const m = SEGMENT.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    out.push({ seq: Number(m[1]), path, size: (await stat(path)).size });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** A missing or unreadable commit file means "from the start": replay is idempotent, so that is safe. */
export async function readCommit(dir: string): Promise<CommitPoint | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, 'commit.json'), 'utf8')) as Partial<CommitPoint>;
    if (typeof parsed.seq === 'number' && typeof parsed.offset === 'number') return { seq: parsed.seq, offset: parsed.offset };
  } catch {
    // fall through
  }
  return undefined;
}

/** Write-then-rename, so a crash leaves either the old or the new commit point, never half of one. */
export async function writeCommit(dir: string, point: CommitPoint): Promise<void> {
  const tmp = join(dir, 'commit.json.tmp');
  await writeFile(tmp, JSON.stringify(point));
  await rename(tmp, join(dir, 'commit.json'));
}

export function encodeItem(item: OutboxItem): string {
  return `${JSON.stringify({ v: 1, kind: item.kind, id: item.id, data: item.data })}\n`;
}

export function decodeItem(line: string): OutboxItem | undefined {
  try {
    const parsed = JSON.parse(line) as { kind?: unknown; id?: unknown; data?: unknown };
    if ((parsed.kind === 'exchange' || parsed.kind === 'audit') && typeof parsed.id === 'string' && typeof parsed.data === 'object' && parsed.data !== null) {
      return parsed as OutboxItem;
    }
  } catch {
    // a torn or corrupt line
  }
  return undefined;
}

const heldLocks = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock; a lock left by a dead process is taken over. */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'spool.lock');
  if (heldLocks.has(path)) throw new Error(`spool directory ${dir} is already open in this process`);
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new Error(`spool directory ${dir} is in use by process ${pid}`);
    await writeFile(path, String(process.pid));
  }
  heldLocks.add(path);
  return async () => {
    heldLocks.delete(path);
    await unlink(path).catch(() => {});
  };
}

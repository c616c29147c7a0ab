// Opens the embedded database (`.aegis/aegis.db`): WAL so the CLI reads while the gateway writes,
// the record tables created or migrated by `user_version`, and the pragmas every connection needs.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { recordSchema, schemaVersion } from './schema';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** Open an existing file for reading only (the `aegis records` CLI); nothing is created. */
  readonly?: boolean;
  /**
   * How long a write waits for another process' write lock (the CLI auditing while the gateway
   * runs). better-sqlite3 waits synchronously, so the gateway keeps this short and lets the
   * outbox retry instead; a CLI can afford to wait.
   */
  busyTimeoutMs?: number;
}

/** Thrown when the file does not exist and the caller only wanted to read it. */
export class MissingDatabaseError extends Error {
  readonly code = 'missing_database';
}

/** The page size of a database this module creates (src/registry's connection sets the same, whichever creates the file). */
export const pageSizeBytes = 16_384;

export function openDatabase(path: string, { readonly = false, busyTimeoutMs = 100 }: OpenDatabaseOptions = {}): SqliteDatabase {
  if (readonly && !existsSync(path)) throw new MissingDatabaseError(`no database at ${path}`);
  if (!readonly) mkdirSync(dirname(path), { recursive: true });
  // Opening may wait longer than a write: another process may be creating the same file right now.
  const db = new Database(path, { readonly, fileMustExist: readonly, timeout: Math.max(busyTimeoutMs, 5_000) });
  if (readonly) {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  }
  // A new file gets 16 KiB pages: each commit rewrites the last page of every index and of the
  // full-text segments it touched, and larger pages mean fewer of them per record (bench/README.md).
  // An existing file keeps the size it was made with (only VACUUM changes it).
  db.pragma(`page_size = ${pageSizeBytes}`);
  // WAL: readers (the CLI, rag_search) never block the writer. NORMAL syncs at checkpoints, not at
  // every commit: a killed process loses nothing committed, a power cut at most the last commits,
  // and no fsync blocks the event loop on each batch.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return db;
}

/** Brings the schema to `schemaVersion`; the version is read again under the write lock, as a CLI may be migrating the same file. */
function migrate(db: SqliteDatabase): void {
  const version = () => Number(db.pragma('user_version', { simple: true }));
  const check = (current: number) => {
    if (current > schemaVersion) throw new Error(`the database was written by a newer Aegis (schema ${current}, this one knows ${schemaVersion})`);
  };
  check(version());
  if (version() === schemaVersion) return;
  db.transaction(() => {
    const current = version();
    check(current);
    for (let v = current; v < schemaVersion; v++) db.exec(recordSchema[v]!);
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
}

/** The error codes better-sqlite3 gives (`SQLITE_FULL`, `SQLITE_CONSTRAINT_NOTNULL`, …). */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** The disk, or the database's own size limit, refuses to grow. */
export const isDiskFull = (err: unknown): boolean => sqliteCode(err) === 'SQLITE_FULL' || (err as { code?: unknown })?.code === 'ENOSPC';

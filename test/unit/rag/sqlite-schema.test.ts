// The embedded database's schema migrations: a file an earlier Aegis wrote is brought forward with
// its rows kept, and a file a newer Aegis wrote is refused rather than misread.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { setCheckpointBackstop } from '../../../src/rag/sqlite/checkpointer';
import { openDatabase, pageSizeBytes } from '../../../src/rag/sqlite/database';
import { recordSchema, schemaVersion } from '../../../src/rag/sqlite/schema';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'aegis-schema-')), 'aegis.db');

/** A database as the first schema left it, with one exchange's carried decision in its audit table. */
function versionOne(path: string): void {
  const db = new Database(path);
  db.exec(recordSchema[0]!);
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO audit (id, time, type, actor, outcome, request_id, decision_id, bytes, event)
     VALUES ('dec-1', 1, 'policy.decision', 'alice', 'allow', 'req-1', 'dec-1', 300, '{}'),
            ('evt-2', 2, 'models.load', 'admin', 'ok', NULL, 'dec-9', 300, '{}')`,
  ).run();
  db.close();
}

describe('embedded database schema', () => {
  it('migrates a version-1 file to the current version, keeping its rows', () => {
    const path = dbPath();
    versionOne(path);
    const db = openDatabase(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
      expect(db.prepare('SELECT id FROM audit ORDER BY seq').pluck().all()).toEqual(['dec-1', 'evt-2']);
      const index = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'audit_decision'").pluck().get();
      expect(index).toContain('decision_id <> id');
      // The full-text index merges a level at 16 segments (fewer rewrites of each document's postings).
      expect(db.prepare("SELECT v FROM rag_fts_config WHERE k = 'automerge'").pluck().get()).toBe(16);
      // Both kinds of event are still found by their decision id, through one index or the other.
      const byDecision = db.prepare('SELECT id FROM audit WHERE id = @d OR (decision_id = @d AND decision_id <> id)');
      expect(byDecision.pluck().all({ d: 'dec-1' })).toEqual(['dec-1']);
      expect(byDecision.pluck().all({ d: 'dec-9' })).toEqual(['evt-2']);
      expect(
        db
          .prepare("EXPLAIN QUERY PLAN SELECT id FROM audit WHERE id = 'x' OR (decision_id = 'x' AND decision_id <> id)")
          .all()
          .map((r) => (r as { detail: string }).detail)
          .join(' '),
      ).toMatch(/audit_decision/);
    } finally {
      db.close();
    }
  });

  it('creates a new file with 16 KiB pages and keeps the page size of an existing one', () => {
    const fresh = openDatabase(dbPath());
    try {
      expect(fresh.pragma('page_size', { simple: true })).toBe(pageSizeBytes);
      expect(fresh.pragma('journal_mode', { simple: true })).toBe('wal');
      // The checkpoint backstop is a size: 16 MiB of log is 1,024 pages of 16 KiB.
      setCheckpointBackstop(fresh);
      expect(fresh.pragma('wal_autocheckpoint', { simple: true })).toBe(1024);
    } finally {
      fresh.close();
    }
    // versionOne's file was made with SQLite's default page size, before this setting existed.
    const path = dbPath();
    versionOne(path);
    const old = openDatabase(path);
    try {
      expect(old.pragma('page_size', { simple: true })).toBe(4096);
      setCheckpointBackstop(old);
      expect(old.pragma('wal_autocheckpoint', { simple: true })).toBe(4096);
      expect(old.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(2);
    } finally {
      old.close();
    }
  });

  it('refuses a file written by a newer schema', () => {
    const path = dbPath();
    const db = new Database(path);
    db.pragma(`user_version = ${schemaVersion + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(/written by a newer Aegis/);
  });
});

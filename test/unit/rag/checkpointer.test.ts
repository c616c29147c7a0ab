// The checkpointer copies the write-ahead log into the database file from its own thread, so the
// connection that commits never has to.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Checkpointer } from '../../../src/rag/sqlite/checkpointer';
import { openDatabase } from '../../../src/rag/sqlite/database';
import { until } from '../../helpers/wait';

describe('Checkpointer', () => {
  it('moves what a writer that never checkpoints committed into the database file once told', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aegis-checkpoint-')), 'aegis.db');
    const db = openDatabase(path);
    db.pragma('wal_autocheckpoint = 0');
    const insert = db.prepare('INSERT INTO audit (id, time, type, actor, outcome, bytes, event) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run(`a${i}`, i, 'test', 'someone', 'allow', 1_000, 'x'.repeat(1_000));
    })();
    const before = statSync(path).size;
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(2_000_000);
    const checkpointer = new Checkpointer({ path, intervalMs: 10 });
    checkpointer.written();
    await until(() => statSync(path).size > before + 2_000_000, 10_000, 'the log copied into the file');
    await checkpointer.stop();
    expect(checkpointer.lastError).toBeUndefined();
    expect(db.prepare('SELECT count(*) AS n FROM audit').get()).toEqual({ n: 2_000 });
    db.close();
  });
});

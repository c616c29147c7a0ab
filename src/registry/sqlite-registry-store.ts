// The RegistryStore in the embedded database (`.aegis/aegis.db`, next to the records): one row per
// model version and one promotion pointer per name. Every change is a read-modify-write inside an
// IMMEDIATE transaction, so the CLI and a running gateway never interleave their updates.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { GatewayError, systemClock, type Clock } from '../core';
import { checkEntry, checkPromotable, entryKey, promotePointer, rollbackPointer, type PromotionPointer, type RegistryState } from './file-registry-state';
import type { ModelEntry, ModelStatus, RegistryStore } from './types';

export interface SqliteRegistryStoreOptions {
  path: string;
  /** How long a change waits for another process' write (the CLI can afford to wait). */
  busyTimeoutMs?: number;
  clock?: Clock;
}

const schema = `
  CREATE TABLE IF NOT EXISTS models (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT,
    updated_at INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (name, version)
  );
  CREATE INDEX IF NOT EXISTS models_sha256 ON models (sha256) WHERE sha256 IS NOT NULL;
  CREATE TABLE IF NOT EXISTS model_pointers (
    name TEXT PRIMARY KEY,
    pointer TEXT NOT NULL
  );
`;

type Stored = Omit<ModelEntry, 'origin'>;

const toEntry = (json: string): ModelEntry => ({ ...(JSON.parse(json) as Stored), origin: 'store' });

export class SqliteRegistryStore implements RegistryStore {
  private conn?: Database.Database;
  private readonly clock: Clock;

  constructor(private readonly options: SqliteRegistryStoreOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Opened on first use, and for reads only when the file exists: a gateway that never had a
   * model imported creates no database just to find the registry empty.
   */
  private connection(forWrite: boolean): Database.Database | undefined {
    if (this.conn) return this.conn;
    const { path, busyTimeoutMs = 5_000 } = this.options;
    if (!forWrite && !existsSync(path)) return undefined;
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: busyTimeoutMs });
    // The record store's page size (src/rag/sqlite/database.ts), should this connection create the file.
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(schema);
    this.conn = db;
    return db;
  }

  private get db(): Database.Database {
    return this.connection(true)!;
  }

  async list(): Promise<ModelEntry[]> {
    const db = this.connection(false);
    if (!db) return [];
    return db
      .prepare<[], { entry: string }>('SELECT entry FROM models ORDER BY name, version')
      .all()
      .map((r) => toEntry(r.entry));
  }

  async get(name: string, version: string): Promise<ModelEntry | undefined> {
    return this.entry(name, version);
  }

  private entry(name: string, version: string): ModelEntry | undefined {
    const row = this.connection(false)
      ?.prepare<[string, string], { entry: string }>('SELECT entry FROM models WHERE name = ? AND version = ?')
      .get(name, version);
    return row ? toEntry(row.entry) : undefined;
  }

  async upsert(entry: ModelEntry): Promise<void> {
    checkEntry(entry);
    this.write(entry);
  }

  private write(entry: ModelEntry): void {
    const { origin: _origin, ...fields } = entry;
    this.db
      .prepare<[string, string, string | null, number, string]>(
        `INSERT INTO models (name, version, sha256, updated_at, entry) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name, version) DO UPDATE SET sha256 = excluded.sha256, updated_at = excluded.updated_at, entry = excluded.entry`,
      )
      .run(entry.name, entry.version, entry.provenance?.sha256 ?? null, this.clock.now(), JSON.stringify(fields));
  }

  async promoted(name: string): Promise<string | undefined> {
    return this.pointer(name)?.version;
  }

  private pointer(name: string): PromotionPointer | undefined {
    const row = this.connection(false)?.prepare<[string], { pointer: string }>('SELECT pointer FROM model_pointers WHERE name = ?').get(name);
    return row ? (JSON.parse(row.pointer) as PromotionPointer) : undefined;
  }

  private setPointer(name: string, pointer: PromotionPointer): void {
    this.db
      .prepare<[string, string]>('INSERT INTO model_pointers (name, pointer) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET pointer = excluded.pointer')
      .run(name, JSON.stringify(pointer));
  }

  async promote(name: string, version: string, by: string): Promise<string | undefined> {
    return this.db
      .transaction(() => {
        checkPromotable(name, version, this.entry(name, version));
        const current = this.pointer(name);
        if (current?.version === version) return version;
        this.setPointer(name, promotePointer(current, version, by, this.now()));
        return current?.version;
      })
      .immediate();
  }

  async rollback(name: string, by: string): Promise<string> {
    return this.db
      .transaction(() => {
        const usable = (v: string) => {
          const status = this.entry(name, v)?.status;
          return status !== undefined && status !== 'retired';
        };
        const next = rollbackPointer(name, this.pointer(name), by, this.now(), usable);
        this.setPointer(name, next);
        return next.version;
      })
      .immediate();
  }

  async setStatus(name: string, version: string, status: ModelStatus): Promise<void> {
    this.db
      .transaction(() => {
        const entry = this.entry(name, version);
        if (!entry) throw new GatewayError('model_not_found', `model ${entryKey(name, version)} is not in the registry`);
        this.write({ ...entry, status });
      })
      .immediate();
  }

  /** True when nothing was ever imported or promoted here (a JSON registry may then be imported). */
  isEmpty(): boolean {
    const db = this.connection(false);
    if (!db) return true;
    const count = (table: string) => Number(db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0);
    return count('models') === 0 && count('model_pointers') === 0;
  }

  /** Takes over a whole registry (the JSON file earlier versions kept) in one transaction. */
  importState(state: RegistryState): void {
    this.db
      .transaction(() => {
        for (const model of state.models) this.write(model);
        for (const [name, pointer] of Object.entries(state.pointers)) this.setPointer(name, pointer);
      })
      .immediate();
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  close(): void {
    if (this.conn?.open) this.conn.close();
    this.conn = undefined;
  }
}

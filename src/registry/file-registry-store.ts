// A RegistryStore in a local JSON file (the embedded default for imported models and promotions
// when no MongoDB is configured); without a path it lives in memory, which makes it the tests' fake.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GatewayError, systemClock, type Clock } from '../core';
import { checkEntry, checkPromotable, entryKey, promotePointer, rollbackPointer, type RegistryState } from './file-registry-state';
import type { ModelEntry, ModelStatus, RegistryStore } from './types';

export interface FileRegistryStoreOptions {
  /** JSON file to keep the registry in; omitted = memory only. */
  path?: string;
  clock?: Clock;
}

export class FileRegistryStore implements RegistryStore {
  private memory: RegistryState = { models: [], pointers: {} };
  private chain: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  constructor(private readonly options: FileRegistryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  // Re-read on every operation: the CLI and a running gateway may share the file.
  private async load(): Promise<RegistryState> {
    if (!this.options.path) return this.memory;
    try {
      const parsed = JSON.parse(await readFile(this.options.path, 'utf8')) as Partial<RegistryState>;
      return { models: parsed.models ?? [], pointers: parsed.pointers ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { models: [], pointers: {} };
      throw err;
    }
  }

  private async save(state: RegistryState): Promise<void> {
    if (!this.options.path) {
      this.memory = state;
      return;
    }
    await mkdir(dirname(this.options.path), { recursive: true });
    const tmp = `${this.options.path}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.options.path);
  }

  /** One change at a time, read-modify-write, so concurrent calls never lose an update. */
  private change<T>(fn: (state: RegistryState) => T): Promise<T> {
    const run = this.chain.then(async () => {
      const state = structuredClone(await this.load());
      const result = fn(state);
      await this.save(state);
      return result;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  async list(): Promise<ModelEntry[]> {
    return (await this.load()).models.map((m) => ({ ...m, origin: 'store' }));
  }

  async get(name: string, version: string): Promise<ModelEntry | undefined> {
    return (await this.list()).find((m) => m.name === name && m.version === version);
  }

  async upsert(entry: ModelEntry): Promise<void> {
    checkEntry(entry);
    return this.change((state) => {
      const stored = { ...entry, origin: 'store' as const };
      const i = state.models.findIndex((m) => entryKey(m.name, m.version) === entryKey(entry.name, entry.version));
      if (i >= 0) state.models[i] = stored;
      else state.models.push(stored);
    });
  }

  async promoted(name: string): Promise<string | undefined> {
    return (await this.load()).pointers[name]?.version;
  }

  promote(name: string, version: string, by: string): Promise<string | undefined> {
    return this.change((state) => {
      checkPromotable(
        name,
        version,
        state.models.find((m) => m.name === name && m.version === version),
      );
      const current = state.pointers[name];
      if (current?.version === version) return version;
      state.pointers[name] = promotePointer(current, version, by, this.now());
      return current?.version;
    });
  }

  rollback(name: string, by: string): Promise<string> {
    return this.change((state) => {
      const usable = (v: string) => state.models.some((m) => m.name === name && m.version === v && m.status !== 'retired');
      const next = rollbackPointer(name, state.pointers[name], by, this.now(), usable);
      state.pointers[name] = next;
      return next.version;
    });
  }

  setStatus(name: string, version: string, status: ModelStatus): Promise<void> {
    return this.change((state) => {
      const entry = state.models.find((m) => m.name === name && m.version === version);
      if (!entry) throw new GatewayError('model_not_found', `model ${entryKey(name, version)} is not in the registry`);
      entry.status = status;
    });
  }
}

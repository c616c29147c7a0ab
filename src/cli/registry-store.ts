// Opens the versioned registry store: MongoDB's `models` collection when MONGODB_URI or
// `mongodb.uri` is set, else the embedded database (`rag.embedded.path`, default `.aegis/aegis.db`).
// A `.aegis/registry.json` left by an earlier version is imported once, then renamed.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AegisConfig } from '../config';
import { createMongoClient, databaseFromUri, embeddedPath, mongodbConfigSchema } from '../rag';
import { MongoRegistryStore, SqliteRegistryStore, type ModelEntry, type RegistryState, type RegistryStore } from '../registry';

export interface OpenedRegistry {
  store: RegistryStore;
  where: string;
  /** Entries taken over from a JSON registry of an earlier version on this open, if any. */
  imported?: { from: string; models: number };
  close(): Promise<void>;
}

export function registryFile(cwd = process.cwd()): string {
  return resolve(join(cwd, '.aegis', 'registry.json'));
}

export async function openRegistry(config: AegisConfig, mongoUri: string | undefined, cwd?: string): Promise<OpenedRegistry> {
  const mongo = mongodbConfigSchema.parse(config.mongodb ?? {});
  const uri = mongo.uri ?? mongoUri;
  if (!uri) return openEmbeddedRegistry(embeddedPath(config.rag.embedded?.path, cwd), registryFile(cwd));
  const client = createMongoClient(uri);
  const db = client.db(mongo.database ?? databaseFromUri(uri) ?? 'aegis');
  const store = new MongoRegistryStore({ db });
  await store.ensureIndexes().catch(() => {});
  return { store, where: `mongodb ${db.databaseName}.models`, close: () => client.close() };
}

function openEmbeddedRegistry(path: string, jsonFile: string): OpenedRegistry {
  const store = new SqliteRegistryStore({ path });
  let imported: OpenedRegistry['imported'];
  if (existsSync(jsonFile) && store.isEmpty()) {
    const parsed = JSON.parse(readFileSync(jsonFile, 'utf8')) as Partial<RegistryState>;
    const state: RegistryState = { models: parsed.models ?? [], pointers: parsed.pointers ?? {} };
    store.importState(state);
    // Kept, renamed, rather than deleted: the operator can still read what was taken over.
    renameSync(jsonFile, `${jsonFile}.imported`);
    imported = { from: jsonFile, models: state.models.length };
  }
  return { store, where: path, imported, close: async () => store.close() };
}

/** Every stored version with the promoted pointers, for the catalog. */
export async function storedModels(store: RegistryStore): Promise<{ entries: ModelEntry[]; promoted: Record<string, string> }> {
  const entries = (await store.list()).map((e) => ({ ...e, origin: 'store' as const }));
  const promoted: Record<string, string> = {};
  for (const name of new Set(entries.map((e) => e.name))) {
    const v = await store.promoted(name);
    if (v) promoted[name] = v;
  }
  return { entries, promoted };
}

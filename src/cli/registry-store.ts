// Opens the versioned registry store: MongoDB's `models` collection when MONGODB_URI or
// `mongodb.uri` is set, else `.aegis/registry.json` (what `aegis models import` writes).
import { join, resolve } from 'node:path';
import type { AegisConfig } from '../config';
import { createMongoClient, databaseFromUri } from '../rag';
import { FileRegistryStore, MongoRegistryStore, type ModelEntry, type RegistryStore } from '../registry';
import { mongodbConfigSchema } from '../rag';

export interface OpenedRegistry {
  store: RegistryStore;
  where: string;
  close(): Promise<void>;
}

export function registryFile(cwd = process.cwd()): string {
  return resolve(join(cwd, '.aegis', 'registry.json'));
}

export async function openRegistry(config: AegisConfig, mongoUri: string | undefined, cwd?: string): Promise<OpenedRegistry> {
  const mongo = mongodbConfigSchema.parse(config.mongodb ?? {});
  const uri = mongo.uri ?? mongoUri;
  if (!uri) {
    const path = registryFile(cwd);
    return { store: new FileRegistryStore({ path }), where: path, close: async () => {} };
  }
  const client = createMongoClient(uri);
  const db = client.db(mongo.database ?? databaseFromUri(uri) ?? 'aegis');
  const store = new MongoRegistryStore({ db });
  await store.ensureIndexes().catch(() => {});
  return { store, where: `mongodb ${db.databaseName}.models`, close: () => client.close() };
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

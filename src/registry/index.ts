// Public surface of src/registry: the schema, the in-memory catalog, the stores (embedded SQLite,
// JSON file, MongoDB) and GGUF import.
export * from './types';
export * from './catalog';
export { modelEntrySchema } from './entry-schema';
export { FileRegistryStore, type FileRegistryStoreOptions } from './file-registry-store';
export { MongoRegistryStore, type MongoRegistryStoreOptions } from './mongo-registry-store';
export { SqliteRegistryStore, type SqliteRegistryStoreOptions } from './sqlite-registry-store';
export type { RegistryState, PromotionPointer, PointerMove } from './file-registry-state';
export { buildGgufEntry, defaultModelName, type FootprintEstimator, type GgufImportOptions } from './gguf-import';
export { sha256File, type FileHash, type HashProgress } from './gguf-hash';
export { factsFromHeader, templateRendersTools, type GgufHeaderFacts } from './gguf-facts';
export { readGgufHeader, type GgufHeader } from './gguf-header';
export { configEntry, type DetectedFacts } from './config-entry';
export { discover, toEntry, type DiscoveredModel, type DiscoveryResult, type ModelSource } from './discovery';

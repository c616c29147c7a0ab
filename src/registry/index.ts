// Public surface of src/registry: the schema, the in-memory catalog, the stores (file, MongoDB)
// and GGUF import.
export * from './types';
export * from './catalog';
export { FileRegistryStore, type FileRegistryStoreOptions } from './file-registry-store';
export { MongoRegistryStore, type MongoRegistryStoreOptions } from './mongo-registry-store';
export { buildGgufEntry, defaultModelName, type FootprintEstimator, type GgufImportOptions } from './gguf-import';
export { sha256File, type FileHash, type HashProgress } from './gguf-hash';
export { factsFromHeader, templateRendersTools, type GgufHeaderFacts } from './gguf-facts';
export { readGgufHeader, type GgufHeader } from './gguf-header';

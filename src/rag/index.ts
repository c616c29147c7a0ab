// Public surface of src/rag: exchange records and audit events, redaction, the durable outbox
// (queue + spool) behind the recorder and the audit sink, the record stores (embedded SQLite,
// MongoDB), stored responses, and rag_search.
export * from './types';
export * from './redact';
export * from './outbox-stats';
export { Outbox, type OutboxOptions } from './outbox';
export { Spool, SpoolFullError, type SpoolOptions, type SpoolBatch } from './spool';
export { decisionAudit } from './decision-audit';
export { exchangeRecord, obligationRedactions, recordObligations } from './exchange-record';
export { exchangeRecordSchema, auditEventSchema } from './record-schema';
export { mongodbConfigSchema, ragConfigSchema, type MongodbConfig, type RagConfig } from './config-schema';
export { OutboxExchangeRecorder, OutboxAuditSink, metadataOnly, type RecorderOptions } from './recorder';
export { MongoExchangeStore, defaultCollections, insertIdempotent, type MongoCollections, type MongoExchangeStoreOptions } from './mongo-store';
export { defaultFieldMapping, exchangeText, exchangeDocument, ragDocument, auditDocument, type FieldMapping } from './mongo-mapping';
export { ensureRecordIndexes, RetentionSweeper, type IndexReport, type RetentionMode, type RetentionOptions } from './mongo-indexes';
export {
  MongoRagSearch,
  cosineSimilarity,
  type RagSearch,
  type RagSearchResponse,
  type RagSearchResult,
  type SearchMethod,
  type MongoRagSearchOptions,
} from './search';
export { SpoolRagSearch, type SpoolRagSearchOptions } from './spool-search';
export { defaultLingerMs, openRagStorage, type RagStorage, type RagStorageConfig } from './storage';
export {
  openRecordStore,
  createMongoClient,
  databaseFromUri,
  embeddedPath,
  type OpenedRecordStore,
  type RecordStoreConfig,
  type EmbeddedStoreConfig,
  type MongoStoreConfig,
} from './open-store';
export * from './record-store';
export * from './responses';
export { MongoRecordStore, type MongoRecordStoreOptions } from './mongo-record-store';
export { MongoResponseStore } from './mongo-responses';
export {
  SqliteRecordStore,
  SqliteRagSearch,
  SqliteResponseStore,
  MissingDatabaseError,
  openDatabase,
  defaultEmbeddedMaxBytes,
  type SqliteDatabase,
  type SqliteRecordStoreOptions,
} from './sqlite';
export { MemoryExchangeStore, MemoryExchangeRecorder, MemoryAuditSink, MemoryResponseStore, HashEmbedder } from './fakes';

// The embedded record store on SQLite (better-sqlite3): the default when no MongoDB is configured.
export { SqliteRecordStore, defaultEmbeddedMaxBytes, type SqliteRecordStoreOptions } from './record-store';
export { openDatabase, MissingDatabaseError, isDiskFull, sqliteCode, type SqliteDatabase, type OpenDatabaseOptions } from './database';
export { SqliteRagSearch, type SqliteRagSearchOptions } from './search';
export { SqliteResponseStore } from './responses';
export { SqliteRetention, type SqliteRetentionOptions } from './retention';
export { SqliteRecordWriter, type SqliteRecordWriterOptions } from './writer';
export { SqliteRecordReader } from './reader';

// The embedded store's tables, one migration per schema version (`PRAGMA user_version`). Times are
// milliseconds since the epoch; each row carries the bytes it is counted for against the cap.
// The model registry keeps its own tables in the same file (src/registry/sqlite-registry-store.ts).

/** `recordSchema[v]` takes a database from version v to v + 1. */
export const recordSchema: readonly string[] = [
  `
  -- The full ExchangeRecord as JSON, with the columns operators filter on. seq is insertion order.
  CREATE TABLE exchanges (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    principal_id TEXT NOT NULL,
    model TEXT NOT NULL,
    status INTEGER NOT NULL,
    decision_id TEXT,
    bytes INTEGER NOT NULL,
    record TEXT NOT NULL
  );
  -- (time, bytes) covers retention: the oldest rows and their sizes without reading the records.
  CREATE INDEX exchanges_time ON exchanges (time, bytes);
  CREATE INDEX exchanges_principal_time ON exchanges (principal_id, time);
  CREATE INDEX exchanges_model_time ON exchanges (model, time);
  CREATE INDEX exchanges_decision ON exchanges (decision_id) WHERE decision_id IS NOT NULL;
  -- The request id is the record id for every exchange the gateway records: only the rest are indexed.
  CREATE INDEX exchanges_request ON exchanges (request_id) WHERE request_id <> id;

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time INTEGER NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    outcome TEXT NOT NULL,
    request_id TEXT,
    decision_id TEXT,
    bytes INTEGER NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX audit_time ON audit (time, bytes);
  CREATE INDEX audit_actor_time ON audit (actor, time);
  CREATE INDEX audit_type_time ON audit (type, time);
  CREATE INDEX audit_decision ON audit (decision_id) WHERE decision_id IS NOT NULL;

  -- One RAG document per exchange (same id): the text rag_search ranks, its metadata, and whether
  -- an embedder made a vector for it (status, dims). AUTOINCREMENT: a seq is never reused, so the
  -- in-memory vector index (vector-index.ts) can tell new documents from ones it already read.
  CREATE TABLE rag_documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    time INTEGER NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    status TEXT NOT NULL,
    dims INTEGER,
    bytes INTEGER NOT NULL
  );
  -- The embeddings, apart from the text so an exact cosine scan reads nothing else: one row per
  -- embedded document (its seq), little-endian float32 scaled to length 1, so cosine is a dot product.
  CREATE TABLE rag_vectors (
    seq INTEGER PRIMARY KEY,
    dims INTEGER NOT NULL,
    embedding BLOB NOT NULL
  );
  -- No status index: nothing embeds pending documents later here (MongoDB's pipeline does, there).
  CREATE INDEX rag_documents_time ON rag_documents (time, bytes);
  -- Kept in step by the writer and by retention, not by triggers: a trigger (like a savepoint)
  -- makes FTS5 flush its pending terms on every row instead of once per transaction.
  CREATE VIRTUAL TABLE rag_fts USING fts5 (text, content = 'rag_documents', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2');

  -- The agent doors' stored responses (ResponseStore), owned by one principal each.
  CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    previous_id TEXT,
    bytes INTEGER NOT NULL,
    response TEXT NOT NULL,
    input_items TEXT NOT NULL
  );
  CREATE INDEX responses_time ON responses (time, bytes);
  `,
  `
  -- A policy.decision event's id is its decision id, which the unique id index already finds: this
  -- one keeps only the events that name another decision, so the event every exchange carries
  -- costs one index entry less. Look one up by "id = ? OR (decision_id = ? AND decision_id <> id)".
  DROP INDEX audit_decision;
  CREATE INDEX audit_decision ON audit (decision_id) WHERE decision_id IS NOT NULL AND decision_id <> id;
  -- Each commit adds a segment to the full-text index; FTS5 merges a level once 16 have gathered
  -- there instead of 4, so a document's postings are rewritten half as often. A query reads more
  -- segments, which did not show in rag_search at 100,000 records (bench/README.md).
  INSERT INTO rag_fts (rag_fts, rank) VALUES ('automerge', 16);
  `,
];

export const schemaVersion = recordSchema.length;

/** What a row costs beyond its payload (keys, index entries, page slack), for the byte cap. */
export const rowOverheadBytes = 160;

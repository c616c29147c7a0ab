// The agent doors' stored responses in the embedded database: one row per response id, owned by
// one principal; the response object and its input items kept as separate JSON columns so a
// `get` of a long conversation's last turn does not parse what it does not need twice. Reads run
// on the gateway's connection; writes go to the writer thread (write-thread.ts). On the gateway's
// thread a write would wait, synchronously, for the writer's transaction to commit, and hold
// every request in flight meanwhile.
import type { Statement } from 'better-sqlite3';
import { ResponseIdTakenError, type JsonValue, type ResponseStore, type StoredResponse } from '../responses';
import { rowOverheadBytes } from './schema';
import type { SqliteDatabase } from './database';

export interface ResponseRow {
  id: string;
  principal_id: string;
  time: number;
  previous_id: string | null;
  bytes: number;
  response: string;
  input_items: string;
}

/** Where the writes go: the writer thread. Each resolves to the number of rows changed. */
export interface ResponseWrites {
  putResponse(row: ResponseRow): Promise<number>;
  deleteResponse(id: string, principalId: string): Promise<number>;
}

/** The statements that change stored responses, on the connection that writes them. */
export function responseWriter(db: SqliteDatabase): { put(row: ResponseRow): number; delete(id: string, principalId: string): number } {
  // Replaces only the same principal's row: an id another principal owns is left alone.
  const put = db.prepare<ResponseRow>(
    `INSERT INTO responses (id, principal_id, time, previous_id, bytes, response, input_items)
     VALUES (@id, @principal_id, @time, @previous_id, @bytes, @response, @input_items)
     ON CONFLICT (id) DO UPDATE SET time = excluded.time, previous_id = excluded.previous_id, bytes = excluded.bytes,
       response = excluded.response, input_items = excluded.input_items
     WHERE responses.principal_id = excluded.principal_id`,
  );
  const remove = db.prepare<[string, string]>('DELETE FROM responses WHERE id = ? AND principal_id = ?');
  return { put: (row) => put.run(row).changes, delete: (id, principalId) => remove.run(id, principalId).changes };
}

export class SqliteResponseStore implements ResponseStore {
  /** Bytes of rows put by this process since the last sweep measured the store. */
  addedBytes = 0;
  private readonly sql: {
    get: Statement<[string, string], Omit<ResponseRow, 'principal_id' | 'bytes'>>;
    inputs: Statement<[string, string], { input_items: string }>;
  };

  constructor(
    db: SqliteDatabase,
    private readonly writes: ResponseWrites,
  ) {
    this.sql = {
      get: db.prepare<[string, string], Omit<ResponseRow, 'principal_id' | 'bytes'>>(
        'SELECT id, time, previous_id, response, input_items FROM responses WHERE id = ? AND principal_id = ?',
      ),
      inputs: db.prepare<[string, string], { input_items: string }>('SELECT input_items FROM responses WHERE id = ? AND principal_id = ?'),
    };
  }

  async put(id: string, principalId: string, doc: StoredResponse): Promise<void> {
    const response = JSON.stringify(doc.response);
    const inputItems = JSON.stringify(doc.inputItems);
    const bytes = Buffer.byteLength(response) + Buffer.byteLength(inputItems) + rowOverheadBytes;
    const row: ResponseRow = {
      id,
      principal_id: principalId,
      time: doc.createdAt,
      previous_id: doc.previousResponseId ?? null,
      bytes,
      response,
      input_items: inputItems,
    };
    if ((await this.writes.putResponse(row)) === 0) throw new ResponseIdTakenError(`response id ${id} belongs to another principal`);
    this.addedBytes += bytes;
  }

  async get(id: string, principalId: string): Promise<StoredResponse | undefined> {
    const row = this.sql.get.get(id, principalId);
    if (!row) return undefined;
    return {
      response: JSON.parse(row.response) as StoredResponse['response'],
      inputItems: JSON.parse(row.input_items) as JsonValue[],
      ...(row.previous_id === null ? {} : { previousResponseId: row.previous_id }),
      createdAt: row.time,
    };
  }

  async delete(id: string, principalId: string): Promise<boolean> {
    return (await this.writes.deleteResponse(id, principalId)) > 0;
  }

  async inputItems(id: string, principalId: string): Promise<JsonValue[] | undefined> {
    const row = this.sql.inputs.get(id, principalId);
    return row ? (JSON.parse(row.input_items) as JsonValue[]) : undefined;
  }
}

// The agent doors' stored responses in the embedded database: one row per response id, owned by
// one principal; the response object and its input items kept as separate JSON columns so a
// `get` of a long conversation's last turn does not parse what it does not need twice.
import type { Statement } from 'better-sqlite3';
import { ResponseIdTakenError, type JsonValue, type ResponseStore, type StoredResponse } from '../responses';
import { rowOverheadBytes } from './schema';
import type { SqliteDatabase } from './database';

interface ResponseRow {
  id: string;
  principal_id: string;
  time: number;
  previous_id: string | null;
  bytes: number;
  response: string;
  input_items: string;
}

export class SqliteResponseStore implements ResponseStore {
  /** Bytes of rows put by this process since the last sweep measured the store. */
  addedBytes = 0;
  private readonly sql: {
    put: Statement<[ResponseRow]>;
    get: Statement<[string, string], Omit<ResponseRow, 'principal_id' | 'bytes'>>;
    inputs: Statement<[string, string], { input_items: string }>;
    delete: Statement<[string, string]>;
  };

  constructor(db: SqliteDatabase) {
    this.sql = {
      // Replaces only the same principal's row: an id another principal owns is left alone.
      put: db.prepare<ResponseRow>(
        `INSERT INTO responses (id, principal_id, time, previous_id, bytes, response, input_items)
         VALUES (@id, @principal_id, @time, @previous_id, @bytes, @response, @input_items)
         ON CONFLICT (id) DO UPDATE SET time = excluded.time, previous_id = excluded.previous_id, bytes = excluded.bytes,
           response = excluded.response, input_items = excluded.input_items
         WHERE responses.principal_id = excluded.principal_id`,
      ),
      get: db.prepare<[string, string], Omit<ResponseRow, 'principal_id' | 'bytes'>>(
        'SELECT id, time, previous_id, response, input_items FROM responses WHERE id = ? AND principal_id = ?',
      ),
      inputs: db.prepare<[string, string], { input_items: string }>('SELECT input_items FROM responses WHERE id = ? AND principal_id = ?'),
      delete: db.prepare<[string, string]>('DELETE FROM responses WHERE id = ? AND principal_id = ?'),
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
    if (this.sql.put.run(row).changes === 0) throw new ResponseIdTakenError(`response id ${id} belongs to another principal`);
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
    return this.sql.delete.run(id, principalId).changes > 0;
  }

  async inputItems(id: string, principalId: string): Promise<JsonValue[] | undefined> {
    const row = this.sql.inputs.get(id, principalId);
    return row ? (JSON.parse(row.input_items) as JsonValue[]) : undefined;
  }
}

// The stored responses of the agent doors (the Responses API's `store: true`), kept per principal so
// `previous_response_id`, `GET /v1/responses/{id}` and `GET /v1/responses/{id}/input_items` work
// across restarts. Both record stores implement the port; `MemoryResponseStore` (fakes.ts) is its fake.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface StoredResponse {
  /** The response object exactly as `GET /v1/responses/{id}` returns it. */
  response: JsonObject;
  /** The input items of the request that produced it, in order (`…/input_items`). */
  inputItems: JsonValue[];
  /** The response this one continued (`previous_response_id`), to walk a conversation back. */
  previousResponseId?: string;
  /** Milliseconds since the epoch; retention (`rag.retentionDays`, the embedded byte cap) counts from here. */
  createdAt: number;
}

/**
 * Response state, scoped by principal: another principal's id reads as absent (never as
 * forbidden, which would confirm it exists). Unlike records, a `put` is awaited by the door and
 * throws when the store cannot take it, so the client learns its response was not stored.
 */
export interface ResponseStore {
  /** Stores `doc` under `id`, replacing an earlier one of the same principal. */
  put(id: string, principalId: string, doc: StoredResponse): Promise<void>;
  get(id: string, principalId: string): Promise<StoredResponse | undefined>;
  /** True when something was deleted. */
  delete(id: string, principalId: string): Promise<boolean>;
  /** Only the input items (they can be large; `get` returns them too). */
  inputItems(id: string, principalId: string): Promise<JsonValue[] | undefined>;
}

/** `put` of an id another principal owns (ids are random, so a client bug or a probe); nothing is changed. */
export class ResponseIdTakenError extends Error {
  readonly code = 'response_id_taken';
}

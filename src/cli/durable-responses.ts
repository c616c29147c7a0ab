// The Responses door's stored responses in the record store (embedded SQLite or MongoDB), so
// `previous_response_id` and `GET /v1/responses/{id}` survive a restart: the gateway's
// ResponseStore port over the rag folder's, which keeps JSON documents per principal.
import type { ResponseStore as DoorStore, StoredResponse as DoorResponse } from '../gateway';
import type { JsonObject, JsonValue, ResponseStore as RecordStore } from '../rag';

/**
 * The documents are the door's own writes read back. The record store knows JSON, not the door's
 * types; the one conversion between them lives here, at the boundary, and nowhere else.
 */
function fromJson<T>(value: JsonValue | JsonObject): T {
  return value as unknown as T;
}

function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

export function durableResponseStore(store: RecordStore, now: () => number): DoorStore {
  return {
    async get(id, owner) {
      const doc = await store.get(id, owner);
      if (!doc) return undefined;
      return {
        id,
        owner,
        response: fromJson<DoorResponse['response']>(doc.response),
        input: fromJson<DoorResponse['input']>(doc.inputItems),
        previousResponseId: doc.previousResponseId ?? null,
      };
    },
    async put(entry) {
      const input = toJson({ items: entry.input }).items;
      await store.put(entry.id, entry.owner, {
        response: toJson(entry.response),
        inputItems: Array.isArray(input) ? input : [],
        previousResponseId: entry.previousResponseId ?? undefined,
        createdAt: now(),
      });
    },
    delete: (id, owner) => store.delete(id, owner),
  };
}

// Where stored responses live (`store: true`, OpenAI's default): the ResponseStore port, and the
// bounded in-memory implementation wired when nothing durable is configured. A durable store
// (embedded SQLite, MongoDB) implements the same port.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../core';
import type { responses } from '../../protocols';
import { jsonLength } from '../exchange/token-estimate';

export interface StoredResponse {
  id: string;
  /** The principal that created it: only it may read, continue or delete it. */
  owner: string;
  /** The response as the client saw it last (completed, incomplete or failed). */
  response: responses.ResponseObject;
  /** This request's own input items, with ids (`GET /v1/responses/{id}/input_items`). */
  input: responses.InputItem[];
  /** The response it continued, whose conversation comes before this one's input. */
  previousResponseId: string | null;
}

/**
 * The port. Reads take the owner so that another key's response is indistinguishable from a
 * missing one (both 404): ids must not tell a caller what other keys did.
 */
export interface ResponseStore {
  get(id: string, owner: string): Promise<StoredResponse | undefined>;
  put(entry: StoredResponse): Promise<void>;
  /** Whether a response of this owner was there to delete. */
  delete(id: string, owner: string): Promise<boolean>;
}

export interface MemoryResponseStoreOptions {
  /** Responses kept at most; the least recently used go first. */
  maxResponses?: number;
  /** Approximate bytes (as JSON) kept at most. */
  maxBytes?: number;
  /** A response is forgotten this long after it was stored (OpenAI keeps them 30 days). */
  ttlMs?: number;
  clock?: Pick<Clock, 'now'>;
}

/** Bounded by count, size and age; lost on restart (say so to operators who rely on it). */
export class MemoryResponseStore implements ResponseStore {
  private readonly cache: LRUCache<string, StoredResponse>;

  constructor({ maxResponses = 10_000, maxBytes = 64 * 1024 * 1024, ttlMs = 30 * 24 * 3_600_000, clock }: MemoryResponseStoreOptions = {}) {
    this.cache = new LRUCache<string, StoredResponse>({
      max: maxResponses,
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, jsonLength(entry)),
      ttl: ttlMs,
      // Age follows the gateway's clock, read at every check (lru-cache otherwise caches "now"
      // for a millisecond behind a timer of its own), so tests move time instead of waiting.
      ttlResolution: 0,
      ...(clock ? { perf: clock } : {}),
    });
  }

  async get(id: string, owner: string): Promise<StoredResponse | undefined> {
    const entry = this.cache.get(id);
    return entry?.owner === owner ? entry : undefined;
  }

  async put(entry: StoredResponse): Promise<void> {
    this.cache.set(entry.id, entry);
  }

  async delete(id: string, owner: string): Promise<boolean> {
    if (this.cache.get(id)?.owner !== owner) return false;
    return this.cache.delete(id);
  }

  get size(): number {
    return this.cache.size;
  }
}

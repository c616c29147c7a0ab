// The Upstream interface every runtime adapter implements, and the optional ModelControl port
// through which the scheduler loads and unloads models.
import type { CancelSignal, ChatChunk, ChatCompletion, ChatRequest, Completion, CompletionRequest, EmbeddingRequest, EmbeddingResponse } from '../core';

/** What an adapter needs to know about the model it serves (a registry entry satisfies it). */
export interface UpstreamModelRef {
  /** Public name, used in responses. */
  name: string;
  /** The runtime's own id. */
  upstreamModel: string;
  contextLength?: number;
  /** GGUF path, for managed runners. */
  path?: string;
  ttlSeconds?: number;
  pinned?: boolean;
}

export interface CallContext {
  model: UpstreamModelRef;
  signal: CancelSignal;
  requestId: string;
}

export type Streamed<T> = { kind: 'stream'; chunks: AsyncIterable<T> };
export type Whole<T> = { kind: 'json'; body: T };
export type ChatResult = Whole<ChatCompletion> | Streamed<ChatChunk>;
export type CompletionResult = Whole<Completion> | Streamed<Completion>;

export interface DiscoveredModel {
  id: string;
  contextLength?: number;
  sizeBytes?: number;
  loaded?: boolean;
  capabilities?: { chat?: boolean; completion?: boolean; embeddings?: boolean; tools?: boolean; vision?: boolean };
  family?: string;
  quantization?: string;
}

export interface LoadedModel {
  upstreamModel: string;
  /** Bytes in host RAM and in VRAM, as the runtime reports them. */
  ramBytes?: number;
  vramBytes?: number;
  contextLength?: number;
  expiresAt?: string;
}

export interface LoadProgress {
  /** 0..1 when known. */
  fraction?: number;
  message: string;
}

export interface LoadOptions {
  signal?: CancelSignal;
  onProgress?: (progress: LoadProgress) => void;
}

export interface ModelControl {
  load(model: UpstreamModelRef, options?: LoadOptions): Promise<LoadedModel | undefined>;
  unload(model: UpstreamModelRef): Promise<void>;
  loaded(): Promise<LoadedModel[]>;
}

/** The sockets an upstream's generation requests share (one undici pool per origin). */
export interface ConnectionPool {
  /** Requests the runtime can receive at once; one more would wait inside the pool, unseen. */
  connections: number;
  /** `model` when every model has an origin of its own (managed runners: one process per model). */
  scope: 'upstream' | 'model';
}

/** What a runtime does with OpenAI tools; the gateway plans tool calls around it (src/tools). */
export interface UpstreamTooling {
  /** It turns the model's text into tool_calls itself (Ollama, LM Studio, llama-server with --jinja). */
  parsesCalls: boolean;
  /** It enforces tool_choice `required` and named functions (Ollama ignores both). */
  honoursToolChoice: boolean;
  /** It decodes under a JSON schema sent as OpenAI's `response_format` (each adapter translates it). */
  constrains: boolean;
}

export interface Upstream {
  readonly name: string;
  readonly kind: 'openai' | 'ollama' | 'lmstudio' | 'managed';
  /** Cancel the upstream call when the client goes away, or let it finish. */
  readonly onDisconnect: 'cancel' | 'drain';
  /** The scheduler keeps its leases for this upstream's models within this pool. */
  readonly pool: ConnectionPool;
  /**
   * Set when Aegis' scheduler decides when models unload: the runtime is then told to keep models
   * loaded (Ollama keep_alive -1, no LM Studio ttl) so it never evicts behind the scheduler's back.
   */
  schedulerOwnsLifetimes?: boolean;
  /** What the runtime does with tools; unset, the gateway assumes an OpenAI-compatible server that does not parse. */
  readonly tooling?: UpstreamTooling;
  chat(request: ChatRequest, ctx: CallContext): Promise<ChatResult>;
  complete(request: CompletionRequest, ctx: CallContext): Promise<CompletionResult>;
  embed(request: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse>;
  listModels(): Promise<DiscoveredModel[]>;
  health(): Promise<boolean>;
  readonly control?: ModelControl;
  close(): Promise<void>;
}

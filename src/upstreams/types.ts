// The Upstream interface every runtime adapter implements, and the optional ModelControl port
// through which the scheduler loads and unloads models.
import type {
  CancelSignal,
  ChatChunk,
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  Completion,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../core';

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

/**
 * Token counting as the runtime itself does it, for the context step: llama.cpp's server
 * (`/tokenize`, `/apply-template`) or llama-cpp-python (`/extras/tokenize/count`).
 */
export interface RuntimeTokenizer {
  readonly runtime: 'llama-server' | 'llama-cpp-python';
  /**
   * Whether a count waits behind generation: llama-cpp-python serialises every call on one lock,
   * so a count asked while a stream runs waits for the stream to end.
   */
  readonly blocking: boolean;
  /** Tokens of each text on its own (no BOS, special tokens parsed). */
  countTexts(texts: readonly string[]): Promise<number[]>;
  /** Tokens of a rendered prompt, counted as the runtime counts a chat prompt (BOS included). */
  countRendered(prompt: string): Promise<number>;
  /** The prompt rendered by the runtime's own chat template (llama.cpp server only). */
  applyTemplate?(messages: readonly ChatMessage[], tools: readonly unknown[] | undefined): Promise<string>;
  /** The context length each request gets (llama.cpp server `/props` n_ctx per slot). */
  contextLength?(): Promise<number | undefined>;
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
  /** How the runtime counts tokens for `model`; undefined when it cannot tell (or is not running). */
  tokenizer?(model: UpstreamModelRef): Promise<RuntimeTokenizer | undefined>;
  /** The context length the runtime gives `model` per request, when it tells. */
  contextLength?(model: UpstreamModelRef): Promise<number | undefined>;
  /** The local GGUF file the runtime serves `model` from (Ollama's blob), for a local tokenizer. */
  modelFile?(model: UpstreamModelRef): Promise<string | undefined>;
  /**
   * The prompt the runtime's own template makes of a chat, without generating (Ollama's
   * `_debug_render_only`); undefined when it cannot say without loading the model.
   */
  renderPrompt?(model: UpstreamModelRef, messages: readonly ChatMessage[], tools: readonly unknown[] | undefined): Promise<string | undefined>;
  close(): Promise<void>;
}

// The base adapter for any server with OpenAI's /v1 API (llama.cpp llama-server, llama-cpp-python,
// vLLM, another Aegis). LM Studio and managed runners build on it.
import {
  GatewayError,
  SseParser,
  type CancelSignal,
  type SseEvent,
  type ChatChunk,
  type ChatCompletion,
  type ChatRequest,
  type Completion,
  type CompletionRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
} from '../core';
import type { UpstreamConfig } from '../config';
import { createDispatcher, transportError, UpstreamClient, type UpstreamBody } from './http';
import { shapeMessages } from './message-shapes';
import { probeRuntimeTokenizer } from './runtime-tokenizer';
import type {
  CallContext,
  ChatResult,
  CompletionResult,
  ConnectionPool,
  DiscoveredModel,
  ModelControl,
  RuntimeTokenizer,
  Streamed,
  Upstream,
  UpstreamModelRef,
  UpstreamTooling,
  Whole,
} from './types';

/** A runtime found to have no tokenizer is asked again after this long (it may have been down). */
const REPROBE_MS = 60_000;

/** What sseChunks reads of a chunk: chat and completion chunks both end their answer with a finish_reason. */
interface StreamedChunk {
  choices?: readonly { finish_reason?: string | null }[];
}

/**
 * Turns an upstream SSE body into parsed chunks. A stream that stops before [DONE] is an error, and
 * so is one that reaches [DONE] without any finish_reason: llama-cpp-python ends a running answer
 * that way when another request interrupts it, and passed on it would look like a short answer.
 */
export async function* sseChunks<T extends StreamedChunk>(upstream: string, body: UpstreamBody, signal: CancelSignal): AsyncGenerator<T> {
  let done = false;
  let finished = false;
  const parser = new SseParser();
  const parse = (event: SseEvent): T => {
    const parsed = JSON.parse(event.data) as T & { error?: unknown };
    if (parsed.error !== undefined && !parsed.choices) {
      const e = parsed.error as { message?: string } | string;
      throw new GatewayError('upstream_error', `Upstream "${upstream}" failed mid-stream: ${typeof e === 'string' ? e : (e.message ?? JSON.stringify(e))}`);
    }
    if (!finished && parsed.choices) for (const c of parsed.choices) finished ||= c.finish_reason != null;
    return parsed;
  };
  const end = () => {
    if (!finished)
      throw new GatewayError('upstream_error', `Upstream "${upstream}" ended the stream without finishing the answer (no finish_reason): it was cut short.`);
  };
  try {
    // Events straight from the sync parser: another async generator in between would cost its
    // promises on every token.
    for await (const chunk of body) {
      for (const event of parser.push(chunk)) {
        done = event.data === '[DONE]';
        if (done) return end();
        yield parse(event) as Awaited<T>;
      }
    }
    for (const event of parser.end()) {
      done = event.data === '[DONE]';
      if (done) return end();
      yield parse(event) as Awaited<T>;
    }
    if (!done && !signal.aborted) throw new GatewayError('upstream_error', `Upstream "${upstream}" closed the stream before it finished.`);
  } catch (err) {
    throw transportError(upstream, err, signal);
  } finally {
    // Breaking out early (client gone) must release the upstream socket.
    if (!done) body.destroy();
  }
}

export class OpenAICompatibleUpstream implements Upstream {
  readonly kind: Upstream['kind'] = 'openai';
  readonly name: string;
  readonly onDisconnect: 'cancel' | 'drain';
  readonly control?: ModelControl;
  readonly pool: ConnectionPool;
  /**
   * llama-cpp-python renders tools into the prompt but returns the model's text as it is, and
   * honours only a named tool_choice; llama-server parses with --jinja. Assuming no parsing is safe
   * for both: text without tool syntax passes through Aegis' parser unchanged.
   */
  readonly tooling: UpstreamTooling = { parsesCalls: false, honoursToolChoice: true, constrains: true };
  schedulerOwnsLifetimes = false;
  protected readonly client: UpstreamClient;
  private readonly dispatcher;
  private readonly tokenizers = new Map<UpstreamClient, { found: Promise<RuntimeTokenizer | undefined> }>();
  /** The models the last listing found. */
  private listed?: DiscoveredModel[];

  constructor(
    protected readonly config: UpstreamConfig,
    baseUrl = config.url ?? '',
  ) {
    this.name = config.name;
    this.onDisconnect = config.onDisconnect;
    this.pool = { connections: config.connections, scope: 'upstream' };
    this.dispatcher = createDispatcher(config.timeouts, config.connections);
    this.client = new UpstreamClient(config.name, baseUrl.replace(/\/+$/, ''), this.dispatcher, config.apiKey);
  }

  /** The client for a call: managed runners override this with the model's own process. */
  protected async clientFor(_ctx: CallContext): Promise<UpstreamClient> {
    return this.client;
  }

  /** The client for a model without starting anything: managed runners answer only once running. */
  protected readyClient(_model: UpstreamModelRef): UpstreamClient | undefined {
    return this.client;
  }

  /** llama.cpp server's or llama-cpp-python's own tokenizer, probed once per origin. */
  tokenizer(model: UpstreamModelRef): Promise<RuntimeTokenizer | undefined> {
    const client = this.readyClient(model);
    if (!client) return Promise.resolve(undefined);
    const known = this.tokenizers.get(client);
    if (known) return known.found;
    const found = probeRuntimeTokenizer(client, { model: model.upstreamModel, timeoutMs: this.config.timeouts.healthMs });
    const entry = { found };
    this.tokenizers.set(client, entry);
    void found.then((t) => {
      if (!t) setTimeout(() => this.tokenizers.get(client) === entry && this.tokenizers.delete(client), REPROBE_MS).unref();
    });
    return found;
  }

  /** The context each request gets, from llama.cpp server's /props; other runtimes do not say. */
  async contextLength(model: UpstreamModelRef): Promise<number | undefined> {
    return (await this.tokenizer(model))?.contextLength?.().catch(() => undefined);
  }

  /** Extra body fields an adapter adds (LM Studio's `ttl`). */
  protected extraBody(_ctx: CallContext): Record<string, unknown> {
    return {};
  }

  /** POST a generation request; SSE chunks when it asks to stream, the whole JSON otherwise. */
  private async generate<W, C extends StreamedChunk>(path: string, request: { stream?: boolean | null }, ctx: CallContext): Promise<Whole<W> | Streamed<C>> {
    const client = await this.clientFor(ctx);
    const body = { ...request, ...this.extraBody(ctx), model: ctx.model.upstreamModel };
    const res = await client.send(path, { body, signal: ctx.signal });
    if (request.stream) return { kind: 'stream', chunks: sseChunks<C>(this.name, res, ctx.signal) };
    return { kind: 'json', body: await readJson<W>(this.name, res, ctx.signal) };
  }

  /**
   * A JSON schema for constrained output in the form the runtime takes. llama-cpp-python accepts
   * only `{type: "json_object", schema}` (its response_format type is "text" | "json_object");
   * llama-server takes that and OpenAI's `json_schema`; LM Studio and vLLM want `json_schema`.
   */
  protected responseFormat(format: ChatRequest['response_format']): ChatRequest['response_format'] {
    const style = this.config.structuredOutput ?? (this.kind === 'lmstudio' ? 'json_schema' : 'json_object');
    if (style === 'json_schema' || format?.type !== 'json_schema') return format;
    const spec = format.json_schema;
    const schema = typeof spec === 'object' && spec !== null && 'schema' in spec ? spec.schema : undefined;
    return schema === undefined ? { type: 'json_object' } : { type: 'json_object', schema };
  }

  chat(request: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const shaped: ChatRequest = { ...request, messages: shapeMessages(request.messages, this.config.messages) };
    if (request.response_format) shaped.response_format = this.responseFormat(request.response_format);
    return this.generate<ChatCompletion, ChatChunk>('/v1/chat/completions', shaped, ctx);
  }

  complete(request: CompletionRequest, ctx: CallContext): Promise<CompletionResult> {
    return this.generate<Completion, Completion>('/v1/completions', request, ctx);
  }

  async embed(request: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
    const client = await this.clientFor(ctx);
    const call = async (input: EmbeddingRequest['input']) => {
      const body = { ...request, ...this.extraBody(ctx), input, model: ctx.model.upstreamModel };
      return normalizeEmbeddings(await readJson<EmbeddingResponse>(this.name, await client.send('/v1/embeddings', { body, signal: ctx.signal }), ctx.signal));
    };
    try {
      return await call(request.input);
    } catch (err) {
      // llama-cpp-python fails batches of inputs on chat models ("llama_decode returned -1");
      // one input at a time works, so a failed batch is retried that way.
      const batch = Array.isArray(request.input) && request.input.length > 1 && typeof request.input[0] === 'string';
      if (!batch || !(err instanceof GatewayError) || err.code !== 'upstream_error') throw err;
      const parts: EmbeddingResponse[] = [];
      for (const input of request.input as string[]) parts.push(await call(input));
      return mergeEmbeddings(parts);
    }
  }

  /**
   * While a request is in flight the last list stands, and an answering upstream is up:
   * llama-cpp-python ends a running completion early (`data: [DONE]` after the role chunk) when
   * any other request reaches it, a GET /v1/models included (its `interrupt_requests`, on by
   * default), so a periodic probe would cut a client's answer short.
   */
  async listModels(): Promise<DiscoveredModel[]> {
    if (this.client.inFlight > 0 && this.listed) return this.listed;
    const res = await this.client.json<{ data?: { id: string; meta?: { n_ctx_train?: number } }[] }>('/v1/models', {
      headersTimeout: this.config.timeouts.healthMs,
    });
    this.listed = (res.data ?? []).map((m) => ({ id: m.id, contextLength: m.meta?.n_ctx_train }));
    return this.listed;
  }

  /** See listModels: a request in flight is the proof of life a probe would disturb. */
  health(): Promise<boolean> {
    if (this.client.inFlight > 0) return Promise.resolve(true);
    return this.client.reachable('/v1/models', this.config.timeouts.healthMs);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

export async function readJson<T>(upstream: string, body: UpstreamBody, signal?: CancelSignal): Promise<T> {
  try {
    return (await body.json()) as T;
  } catch (err) {
    throw transportError(upstream, err, signal);
  }
}

function mergeEmbeddings(parts: EmbeddingResponse[]): EmbeddingResponse {
  const tokens = parts.reduce((s, p) => s + (p.usage?.prompt_tokens ?? 0), 0);
  return {
    object: 'list',
    model: parts[0]!.model,
    data: parts.map((p, index) => ({ ...p.data[0]!, index })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/**
 * llama-cpp-python answers chat models' embeddings with one vector per token; OpenAI clients
 * expect one per input, so token vectors are mean-pooled.
 */
export function normalizeEmbeddings(res: EmbeddingResponse): EmbeddingResponse {
  const data = res.data.map((d, index) => {
    const e = d.embedding as unknown;
    if (Array.isArray(e) && Array.isArray(e[0])) {
      const rows = e as number[][];
      const mean = rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
      return { object: 'embedding' as const, index: d.index ?? index, embedding: mean };
    }
    return { ...d, index: d.index ?? index };
  });
  return { ...res, object: 'list', data, usage: res.usage ?? { prompt_tokens: 0, total_tokens: 0 } };
}

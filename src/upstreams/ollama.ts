// Ollama through its native API: /api/chat and /api/generate (NDJSON) for num_ctx and keep_alive,
// /api/tags + /api/show for discovery, /api/ps and keep_alive 0 for load control.
import { randomUUID } from 'node:crypto';
import {
  parseNdjson,
  toolSchema,
  type CancelSignal,
  type ChatMessage,
  type ToolDefinition,
  type ChatChunk,
  type ChatRequest,
  type Completion,
  type CompletionRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
} from '../core';
import type { UpstreamConfig } from '../config';
import { createDispatcher, statusError, transportError, UpstreamClient, type UpstreamBody } from './http';
import { fromOllamaChat, fromOllamaGenerate, keepAliveFor, OllamaChatStream, toOllamaChat, toOllamaGenerate, type OllamaChatLine } from './ollama-translate';
import type {
  CallContext,
  ChatResult,
  CompletionResult,
  ConnectionPool,
  DiscoveredModel,
  LoadedModel,
  LoadOptions,
  ModelControl,
  Upstream,
  UpstreamModelRef,
  UpstreamTooling,
} from './types';

interface ShowResponse {
  /** The Modelfile Ollama keeps for the model: its FROM line names the GGUF blob on the server's disk. */
  modelfile?: string;
  capabilities?: string[];
  model_info?: Record<string, unknown>;
  details?: { family?: string; quantization_level?: string };
}

/** How long a read of which models are resident is trusted for rendering. */
const RESIDENT_TTL_MS = 2_000;

const isTool = (t: unknown): t is ToolDefinition => toolSchema.safeParse(t).success;

/** The first line's failure as the call's: a context refusal keeps its meaning (context_length_exceeded). */
function firstLineError(upstream: string, err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  const refused = /mid-stream error: (.*)$/s.exec(message)?.[1];
  if (refused === undefined) return err;
  const e = statusError(upstream, 400, JSON.stringify({ error: refused }));
  return e.code === 'context_length_exceeded' ? e : err;
}

async function* ndjsonLines(upstream: string, body: UpstreamBody, signal: CancelSignal): AsyncGenerator<OllamaChatLine> {
  let finished = false;
  try {
    for await (const line of parseNdjson<OllamaChatLine & { error?: string }>(body)) {
      if (line.error) throw transportError(upstream, new Error(`mid-stream error: ${line.error}`), signal);
      yield line;
      if (line.done) {
        finished = true;
        return;
      }
    }
    if (!signal.aborted) throw new Error('closed the stream before it finished');
  } catch (err) {
    throw transportError(upstream, err, signal);
  } finally {
    if (!finished) body.destroy();
  }
}

export class OllamaUpstream implements Upstream, ModelControl {
  readonly kind = 'ollama' as const;
  readonly name: string;
  readonly onDisconnect: 'cancel' | 'drain';
  readonly control: ModelControl = this;
  readonly pool: ConnectionPool;
  /** Ollama parses calls with the model's template (tools/tools.go) and ignores tool_choice; `format` takes a schema. */
  readonly tooling: UpstreamTooling = { parsesCalls: true, honoursToolChoice: false, constrains: true };
  schedulerOwnsLifetimes = false;
  private readonly client: UpstreamClient;
  private readonly dispatcher;
  private readonly shown = new Map<string, Promise<ShowResponse>>();
  /** /api/ps as last read, for renderPrompt: rendering must never load a model. */
  private resident: { at: number; models: Promise<Set<string>> } | undefined;

  constructor(private readonly config: UpstreamConfig) {
    this.name = config.name;
    this.onDisconnect = config.onDisconnect;
    this.pool = { connections: config.connections, scope: 'upstream' };
    this.dispatcher = createDispatcher(config.timeouts, config.connections);
    this.client = new UpstreamClient(config.name, (config.url ?? '').replace(/\/+$/, ''), this.dispatcher, config.apiKey);
  }

  private keepAlive(model: UpstreamModelRef): string | number | undefined {
    if (this.schedulerOwnsLifetimes) return -1;
    return keepAliveFor(model.ttlSeconds, model.pinned, this.config.keepAlive);
  }

  async chat(request: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const { model } = ctx;
    const body = toOllamaChat(request, model.upstreamModel, model.contextLength, this.keepAlive(model));
    const res = await this.client.send('/api/chat', { body, signal: ctx.signal });
    const id = `chatcmpl-${randomUUID()}`;
    if (!request.stream) {
      const lines: OllamaChatLine[] = [];
      for await (const line of parseNdjson<OllamaChatLine>(res)) lines.push(line);
      return { kind: 'json', body: fromOllamaChat(lines.at(-1)!, id, model.name) };
    }
    const stream = new OllamaChatStream(id, model.name);
    const name = this.name;
    const lines = ndjsonLines(name, res, ctx.signal);
    // Ollama reports a refused prompt (too long for num_ctx with truncate off) as the stream's first
    // line, under HTTP 200: read it before answering, so it fails the call like an error status.
    const first = await lines.next().catch((err: unknown) => {
      throw firstLineError(name, err);
    });
    return {
      kind: 'stream',
      chunks: (async function* (): AsyncGenerator<ChatChunk> {
        if (!first.done) yield* stream.translate(first.value);
        for await (const line of lines) yield* stream.translate(line);
      })(),
    };
  }

  async complete(request: CompletionRequest, ctx: CallContext): Promise<CompletionResult> {
    const { model } = ctx;
    const body = toOllamaGenerate(request, model.upstreamModel, model.contextLength, this.keepAlive(model));
    const res = await this.client.send('/api/generate', { body, signal: ctx.signal });
    const id = `cmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!request.stream) {
      let last: OllamaChatLine | undefined;
      let text = '';
      for await (const line of parseNdjson<OllamaChatLine>(res)) {
        text += line.response ?? '';
        last = line;
      }
      return { kind: 'json', body: fromOllamaGenerate({ ...last!, response: text }, id, model.name, created) };
    }
    const name = this.name;
    return {
      kind: 'stream',
      chunks: (async function* (): AsyncGenerator<Completion> {
        for await (const line of ndjsonLines(name, res, ctx.signal)) yield fromOllamaGenerate(line, id, model.name, created);
      })(),
    };
  }

  async embed(request: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
    const { model } = ctx;
    const body: Record<string, unknown> = { model: model.upstreamModel, input: request.input, keep_alive: this.keepAlive(model) };
    if (model.contextLength) body.options = { num_ctx: model.contextLength };
    const res = await this.client.json<{ embeddings: number[][]; prompt_eval_count?: number }>('/api/embed', { body, signal: ctx.signal });
    const tokens = res.prompt_eval_count ?? 0;
    return {
      object: 'list',
      model: model.name,
      data: res.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  private show(model: string): Promise<ShowResponse> {
    let p = this.shown.get(model);
    if (!p) {
      p = this.client.json<ShowResponse>('/api/show', { body: { model }, headersTimeout: this.config.timeouts.healthMs });
      p.catch(() => this.shown.delete(model));
      this.shown.set(model, p);
    }
    return p;
  }

  async listModels(): Promise<DiscoveredModel[]> {
    const [tags, ps] = await Promise.all([
      this.client.json<{ models: { name: string; size: number; details?: { family?: string; quantization_level?: string } }[] }>('/api/tags', {
        headersTimeout: this.config.timeouts.healthMs,
      }),
      this.loaded().catch(() => [] as LoadedModel[]),
    ]);
    const loaded = new Set(ps.map((p) => p.upstreamModel));
    return Promise.all(
      tags.models.map(async (m) => {
        const show = await this.show(m.name).catch(() => undefined);
        const arch = show?.model_info?.['general.architecture'];
        const ctx = typeof arch === 'string' ? show?.model_info?.[`${arch}.context_length`] : undefined;
        const caps = new Set(show?.capabilities ?? ['completion']);
        return {
          id: m.name,
          sizeBytes: m.size,
          loaded: loaded.has(m.name),
          contextLength: typeof ctx === 'number' ? ctx : undefined,
          family: m.details?.family,
          quantization: m.details?.quantization_level,
          capabilities: {
            chat: caps.has('completion'),
            completion: caps.has('completion'),
            embeddings: caps.has('embedding'),
            tools: caps.has('tools'),
            vision: caps.has('vision'),
          },
        };
      }),
    );
  }

  health(): Promise<boolean> {
    return this.client.reachable('/api/version', this.config.timeouts.healthMs);
  }

  /**
   * The context a model gets when Aegis sends no num_ctx (the entry has no contextLength): Ollama's
   * default (OLLAMA_CONTEXT_LENGTH), as /api/ps shows it once the model is loaded.
   */
  async contextLength(model: UpstreamModelRef): Promise<number | undefined> {
    if (model.contextLength) return undefined;
    return (await this.loaded()).find((m) => m.upstreamModel === model.upstreamModel)?.contextLength;
  }

  /**
   * Ollama renders its own template (a Go template, not the GGUF's Jinja) when asked to render only.
   * The request carries the options a real one would, so a loaded runner is reused, never reloaded;
   * a model that is not resident is not rendered at all (rendering would load it behind the
   * scheduler's back).
   */
  async renderPrompt(model: UpstreamModelRef, messages: readonly ChatMessage[], tools: readonly unknown[] | undefined): Promise<string | undefined> {
    const now = Date.now();
    if (!this.resident || now - this.resident.at > RESIDENT_TTL_MS) {
      this.resident = { at: now, models: this.loaded().then((ms) => new Set(ms.map((m) => m.upstreamModel))) };
    }
    const resident = await this.resident.models.catch(() => new Set<string>());
    if (!resident.has(model.upstreamModel)) return undefined;
    const request: ChatRequest = { model: model.name, messages: [...messages], ...(tools && tools.length > 0 ? { tools: tools.filter(isTool) } : {}) };
    const body = { ...toOllamaChat(request, model.upstreamModel, model.contextLength, this.keepAlive(model)), _debug_render_only: true };
    const res = await this.client.json<{ _debug_info?: { rendered_template?: string } }>('/api/chat', { body, headersTimeout: this.config.timeouts.healthMs });
    return res._debug_info?.rendered_template;
  }

  /** The GGUF blob behind a model, from its Modelfile's FROM line (a path on the Ollama host). */
  async modelFile(model: UpstreamModelRef): Promise<string | undefined> {
    const modelfile = (await this.show(model.upstreamModel).catch(() => undefined))?.modelfile ?? '';
    for (const line of modelfile.split('\n')) {
      const from = /^FROM\s+(.+?)\s*$/i.exec(line)?.[1];
      if (from && (from.startsWith('/') || /^[A-Za-z]:[\\/]/.test(from))) return from;
    }
    return undefined;
  }

  /** An empty generate loads the model; keep_alive follows the model's ttl (pinned = forever). */
  async load(model: UpstreamModelRef, options: LoadOptions = {}): Promise<LoadedModel | undefined> {
    const body: Record<string, unknown> = { model: model.upstreamModel, keep_alive: this.keepAlive(model) ?? -1 };
    if (model.contextLength) body.options = { num_ctx: model.contextLength };
    await this.client.json('/api/generate', { body, signal: options.signal });
    return (await this.loaded()).find((m) => m.upstreamModel === model.upstreamModel);
  }

  async unload(model: UpstreamModelRef): Promise<void> {
    await this.client.json('/api/generate', { body: { model: model.upstreamModel, keep_alive: 0 } });
    // Ollama answers before the runner has exited; wait until /api/ps no longer lists it.
    for (let i = 0; i < 100; i++) {
      if (!(await this.loaded()).some((m) => m.upstreamModel === model.upstreamModel)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async loaded(): Promise<LoadedModel[]> {
    const ps = await this.client.json<{ models: { name: string; size: number; size_vram: number; context_length?: number; expires_at?: string }[] }>(
      '/api/ps',
      {
        headersTimeout: this.config.timeouts.healthMs,
      },
    );
    return ps.models.map((m) => ({
      upstreamModel: m.name,
      ramBytes: Math.max(0, m.size - (m.size_vram ?? 0)),
      vramBytes: m.size_vram ?? 0,
      contextLength: m.context_length,
      expiresAt: m.expires_at,
    }));
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

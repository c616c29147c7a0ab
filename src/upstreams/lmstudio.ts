// LM Studio: its OpenAI-compatible endpoints for inference, and its REST API for discovery and
// load control: /api/v1/models (0.4+) with loaded_instances, falling back to /api/v0/models.
import type { UpstreamConfig } from '../config';
import { GatewayError } from '../core';
import { OpenAICompatibleUpstream } from './openai-compatible';
import type { CallContext, DiscoveredModel, LoadedModel, LoadOptions, ModelControl, UpstreamModelRef, UpstreamTooling } from './types';

interface V1Model {
  type: string;
  key: string;
  size_bytes?: number;
  max_context_length?: number;
  quantization?: { name?: string };
  architecture?: string;
  capabilities?: { vision?: boolean; trained_for_tool_use?: boolean };
  loaded_instances?: { id: string; config?: { context_length?: number } }[];
}

interface V0Model {
  id: string;
  type: string;
  arch?: string;
  quantization?: string;
  state?: string;
  max_context_length?: number;
}

export class LmStudioUpstream extends OpenAICompatibleUpstream implements ModelControl {
  override readonly kind = 'lmstudio' as const;
  override readonly control: ModelControl = this;
  /** LM Studio parses calls itself, for native models and its own default format alike. */
  override readonly tooling: UpstreamTooling = { parsesCalls: true, honoursToolChoice: true, constrains: true };
  /** Which REST generation the server speaks; found on first use. */
  private api: Promise<'v1' | 'v0'> | undefined;

  constructor(config: UpstreamConfig) {
    super(config);
  }

  /** LM Studio takes an idle TTL in the request body of JIT-loaded models. */
  protected override extraBody(ctx: CallContext): Record<string, unknown> {
    if (this.schedulerOwnsLifetimes) return {};
    return ctx.model.ttlSeconds !== undefined && !ctx.model.pinned ? { ttl: ctx.model.ttlSeconds } : {};
  }

  private restApi(): Promise<'v1' | 'v0'> {
    this.api ??= this.client
      .json('/api/v1/models', { headersTimeout: this.config.timeouts.healthMs })
      .then(() => 'v1' as const)
      .catch(() => 'v0' as const);
    this.api.catch(() => (this.api = undefined));
    return this.api;
  }

  private async v1Models(): Promise<V1Model[]> {
    return (await this.client.json<{ models: V1Model[] }>('/api/v1/models', { headersTimeout: this.config.timeouts.healthMs })).models;
  }

  override async listModels(): Promise<DiscoveredModel[]> {
    if ((await this.restApi()) === 'v1') {
      return (await this.v1Models()).map((m) => ({
        id: m.key,
        sizeBytes: m.size_bytes,
        contextLength: m.max_context_length,
        loaded: (m.loaded_instances?.length ?? 0) > 0,
        family: m.architecture,
        quantization: m.quantization?.name,
        capabilities: {
          chat: m.type === 'llm',
          completion: m.type === 'llm',
          embeddings: m.type === 'embedding',
          tools: m.capabilities?.trained_for_tool_use,
          vision: m.capabilities?.vision,
        },
      }));
    }
    const res = await this.client.json<{ data: V0Model[] }>('/api/v0/models', { headersTimeout: this.config.timeouts.healthMs });
    return res.data.map((m) => ({
      id: m.id,
      contextLength: m.max_context_length,
      loaded: m.state === 'loaded',
      family: m.arch,
      quantization: m.quantization,
      capabilities: { chat: m.type !== 'embeddings', completion: m.type !== 'embeddings', embeddings: m.type === 'embeddings', vision: m.type === 'vlm' },
    }));
  }

  async load(model: UpstreamModelRef, options: LoadOptions = {}): Promise<LoadedModel | undefined> {
    if ((await this.restApi()) === 'v0') {
      throw new GatewayError('capability_not_supported', `LM Studio upstream "${this.name}" predates the v1 REST API; it loads models on first request only.`);
    }
    const already = (await this.loaded()).find((m) => m.upstreamModel === model.upstreamModel);
    if (already) return already;
    const body: Record<string, unknown> = { model: model.upstreamModel };
    if (model.contextLength) body.context_length = model.contextLength;
    await this.client.json('/api/v1/models/load', { body, signal: options.signal });
    return (await this.loaded()).find((m) => m.upstreamModel === model.upstreamModel);
  }

  async unload(model: UpstreamModelRef): Promise<void> {
    if ((await this.restApi()) === 'v0') return;
    const entry = (await this.v1Models()).find((m) => m.key === model.upstreamModel);
    for (const instance of entry?.loaded_instances ?? []) {
      await this.client.json('/api/v1/models/unload', { body: { instance_id: instance.id } });
    }
  }

  async loaded(): Promise<LoadedModel[]> {
    if ((await this.restApi()) === 'v0') {
      const res = await this.client.json<{ data: V0Model[] }>('/api/v0/models', { headersTimeout: this.config.timeouts.healthMs });
      return res.data.filter((m) => m.state === 'loaded').map((m) => ({ upstreamModel: m.id, contextLength: m.max_context_length }));
    }
    return (await this.v1Models())
      .filter((m) => (m.loaded_instances?.length ?? 0) > 0)
      .map((m) => ({ upstreamModel: m.key, ramBytes: m.size_bytes, contextLength: m.loaded_instances![0]!.config?.context_length }));
  }
}

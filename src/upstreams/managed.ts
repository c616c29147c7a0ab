// The managed runner upstream: one runtime process per model, started on load (or on the first
// request), spoken to through the OpenAI-compatible base, stopped on unload.
import type { UpstreamConfig } from '../config';
import { GatewayError, silentLogger, type Logger } from '../core';
import { createDispatcher, UpstreamClient } from './http';
import { RunnerProcess } from './managed-process';
import { OpenAICompatibleUpstream } from './openai-compatible';
import type { CallContext, ConnectionPool, DiscoveredModel, LoadedModel, LoadOptions, ModelControl, UpstreamModelRef } from './types';

export class ManagedUpstream extends OpenAICompatibleUpstream implements ModelControl {
  override readonly kind = 'managed' as const;
  override readonly control: ModelControl = this;
  /** Each runner listens on a port of its own, so every model has the whole pool to itself. */
  override readonly pool: ConnectionPool;
  private readonly runners = new Map<string, RunnerProcess>();
  private readonly clients = new Map<number, UpstreamClient>();
  private readonly runnerDispatcher;

  constructor(
    config: UpstreamConfig,
    private readonly logger: Logger = silentLogger,
  ) {
    super(config, 'http://127.0.0.1:0');
    this.pool = { connections: config.connections, scope: 'model' };
    this.runnerDispatcher = createDispatcher(config.timeouts, config.connections);
  }

  private runner(model: UpstreamModelRef): RunnerProcess {
    let r = this.runners.get(model.upstreamModel);
    if (!r) {
      if (!model.path) throw new GatewayError('model_load_failed', `Model "${model.name}" has no GGUF path for managed upstream "${this.name}".`);
      r = new RunnerProcess({
        upstream: this.name,
        model: model.upstreamModel,
        modelPath: model.path,
        contextLength: model.contextLength,
        managed: this.config.managed!,
        logger: this.logger,
      });
      this.runners.set(model.upstreamModel, r);
    }
    return r;
  }

  protected override async clientFor(ctx: CallContext): Promise<UpstreamClient> {
    const r = this.runner(ctx.model);
    await r.start();
    return this.clientOf(r);
  }

  private clientOf(r: RunnerProcess): UpstreamClient {
    let client = this.clients.get(r.port);
    if (!client) {
      client = new UpstreamClient(this.name, `http://127.0.0.1:${r.port}`, this.runnerDispatcher);
      this.clients.set(r.port, client);
    }
    return client;
  }

  protected override readyClient(model: UpstreamModelRef): UpstreamClient | undefined {
    const r = this.runners.get(model.upstreamModel);
    return r?.state === 'ready' ? this.clientOf(r) : undefined;
  }

  async load(model: UpstreamModelRef, options: LoadOptions = {}): Promise<LoadedModel | undefined> {
    const r = this.runner(model);
    await r.start(options.onProgress);
    return { upstreamModel: model.upstreamModel, ramBytes: await r.rssBytes(), contextLength: model.contextLength };
  }

  async unload(model: UpstreamModelRef): Promise<void> {
    const r = this.runners.get(model.upstreamModel);
    if (!r) return;
    this.clients.delete(r.port);
    await r.stop();
  }

  async loaded(): Promise<LoadedModel[]> {
    const out: LoadedModel[] = [];
    for (const [id, r] of this.runners) if (r.state === 'ready') out.push({ upstreamModel: id, ramBytes: await r.rssBytes() });
    return out;
  }

  /** What runs is what Aegis started: the registry lists the models, not the runtime. */
  override async listModels(): Promise<DiscoveredModel[]> {
    return [...this.runners.entries()].filter(([, r]) => r.state === 'ready').map(([id]) => ({ id, loaded: true }));
  }

  override async health(): Promise<boolean> {
    return true;
  }

  /** Each runtime process: whether it serves, and how often it was restarted after dying. */
  runnerStates(): { model: string; up: boolean; restarts: number }[] {
    return [...this.runners].map(([model, r]) => ({ model, up: r.state === 'ready', restarts: r.restartsTotal }));
  }

  /** The pid of a model's process, for operations and tests. */
  pidOf(upstreamModel: string): number | undefined {
    return this.runners.get(upstreamModel)?.pid;
  }

  override async close(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await this.runnerDispatcher.close();
    await super.close();
  }
}

// Loaded model instances of the emulated LM Studio: explicit and JIT loads (single-flight per key),
// idle TTL and auto-evict as LM Studio's docs describe them ("Idle TTL and Auto-Evict"), load counters.
import { join } from 'node:path';
import type { CatalogEntry, InstanceView, LoadConfig } from './lmstudio-fixture-catalog';
import { freePort, startLlamaServer, type LlamaServerProcess } from './lmstudio-fixture-process';

/** An error the HTTP layer renders as `{ error: { message, type, param, code } }`. */
export class FixtureError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

export interface ModelInstance extends InstanceView {
  type: CatalogEntry['type'];
  /** Loaded on demand by an inference request rather than by `/api/v1/models/load`. */
  jit: boolean;
  ttlSeconds: number | undefined;
  loadTimeSeconds: number;
  server: LlamaServerProcess;
  active: number;
  idleTimer: NodeJS.Timeout | undefined;
}

export interface LoadRequest {
  contextLength?: number;
  evalBatchSize?: number;
  flashAttention?: boolean;
  ttlSeconds?: number;
}

export interface InstanceManagerOptions {
  python: string;
  catalog: Map<string, CatalogEntry>;
  logDir?: string;
  jitTtlSeconds: number;
  autoEvict: boolean;
  defaultContextLength: number;
}

export class InstanceManager {
  private readonly instances = new Map<string, ModelInstance>();
  private readonly jitLoads = new Map<string, Promise<ModelInstance>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly loads: Record<string, number> = {};
  private readonly unloads: Record<string, number> = {};
  private closing = false;

  constructor(private readonly options: InstanceManagerOptions) {}

  entry(key: string): CatalogEntry {
    const entry = this.options.catalog.get(key);
    if (!entry) throw new FixtureError(404, 'model_not_found', `Model "${key}" not found. Please check the model key.`);
    return entry;
  }

  instancesOf(key: string): ModelInstance[] {
    return [...this.instances.values()].filter((instance) => instance.key === key);
  }

  /** An explicit load (`POST /api/v1/models/load`): LM Studio always starts a new instance. */
  load(key: string, request: LoadRequest, jit = false): Promise<ModelInstance> {
    const loading = this.startInstance(this.entry(key), request, jit);
    this.inFlight.add(loading);
    const forget = () => this.inFlight.delete(loading);
    loading.then(forget, forget);
    return loading;
  }

  /**
   * Resolves `model` (an instance id or a model key) to a loaded instance, JIT-loading it if needed,
   * and marks it busy until `release`. Concurrent callers for the same key share one load.
   */
  async acquire(model: string | undefined, ttlSeconds: number | undefined): Promise<ModelInstance> {
    let instance = this.resolve(model);
    if (!instance) {
      const key = model ?? '';
      this.entry(key);
      let pending = this.jitLoads.get(key);
      if (!pending) {
        pending = this.jitLoad(key, ttlSeconds);
        this.jitLoads.set(key, pending);
        const forget = () => this.jitLoads.delete(key);
        pending.then(forget, forget);
      }
      instance = await pending;
    }
    if (!this.instances.has(instance.id)) {
      throw new FixtureError(503, 'model_unloaded', `Model "${instance.id}" was unloaded before it could be used.`, 'server_error');
    }
    instance.active += 1;
    clearTimeout(instance.idleTimer);
    return instance;
  }

  release(instance: ModelInstance): void {
    instance.active = Math.max(0, instance.active - 1);
    this.scheduleIdleUnload(instance);
  }

  async unload(instanceId: string): Promise<ModelInstance | undefined> {
    const instance = this.instances.get(instanceId);
    if (!instance) return undefined;
    this.instances.delete(instanceId);
    clearTimeout(instance.idleTimer);
    this.unloads[instance.key] = (this.unloads[instance.key] ?? 0) + 1;
    await instance.server.stop();
    return instance;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([...this.instances.keys()].map((id) => this.unload(id)));
  }

  /** Fixture-only counters and process ids; nothing like this exists in LM Studio's API. */
  stats() {
    const instances = [...this.instances.values()].map((instance) => ({
      id: instance.id,
      key: instance.key,
      pid: instance.server.pid,
      port: instance.server.port,
      jit: instance.jit,
      ttl_seconds: instance.ttlSeconds ?? null,
      active: instance.active,
    }));
    return { loads: { ...this.loads }, unloads: { ...this.unloads }, instances };
  }

  // An empty model name uses whatever is loaded, as LM Studio does when exactly one model is loaded.
  private resolve(model: string | undefined): ModelInstance | undefined {
    if (!model) {
      const first = this.instances.values().next();
      if (first.done) {
        throw new FixtureError(400, 'model_not_found', 'No models loaded. Please load a model in the developer page or use the `lms load` command.');
      }
      return first.value;
    }
    return this.instances.get(model) ?? this.instancesOf(model)[0];
  }

  private async jitLoad(key: string, ttlSeconds: number | undefined): Promise<ModelInstance> {
    if (this.options.autoEvict) {
      // Auto-evict keeps at most one JIT-loaded model; explicitly loaded ones are never touched.
      const previous = [...this.instances.values()].filter((instance) => instance.jit && instance.key !== key);
      await Promise.all(previous.map((instance) => this.unload(instance.id)));
    }
    return this.load(key, { ttlSeconds: ttlSeconds ?? this.options.jitTtlSeconds }, true);
  }

  private async startInstance(entry: CatalogEntry, request: LoadRequest, jit: boolean): Promise<ModelInstance> {
    if (this.closing) throw new FixtureError(503, 'shutting_down', 'The server is shutting down.', 'server_error');
    this.loads[entry.key] = (this.loads[entry.key] ?? 0) + 1;
    const config: LoadConfig = {
      context_length: request.contextLength ?? Math.min(this.options.defaultContextLength, entry.maxContextLength),
      eval_batch_size: request.evalBatchSize ?? 512,
      // llama-cpp-python's server answers one request at a time, so that is what is reported.
      parallel: 1,
      flash_attention: request.flashAttention ?? false,
      num_experts: 0,
      offload_kv_cache_to_gpu: false,
    };
    const port = await freePort();
    const logName = `lmstudio-${entry.key.replace(/[^\w.-]+/g, '_')}-${port}.log`;
    const started = performance.now();
    let server: LlamaServerProcess;
    try {
      server = await startLlamaServer({
        python: this.options.python,
        modelPath: entry.path,
        alias: entry.key,
        port,
        contextLength: config.context_length,
        evalBatchSize: config.eval_batch_size,
        flashAttention: config.flash_attention,
        logFile: this.options.logDir ? join(this.options.logDir, logName) : undefined,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new FixtureError(500, 'model_load_failed', `Failed to load model "${entry.key}": ${reason}`, 'server_error');
    }
    if (this.closing) {
      await server.stop();
      throw new FixtureError(503, 'shutting_down', 'The server is shutting down.', 'server_error');
    }
    const instance: ModelInstance = {
      id: this.nextInstanceId(entry.key),
      key: entry.key,
      type: entry.type,
      config,
      jit,
      ttlSeconds: request.ttlSeconds,
      loadTimeSeconds: (performance.now() - started) / 1000,
      server,
      active: 0,
      idleTimer: undefined,
    };
    this.instances.set(instance.id, instance);
    // A process that dies on its own is no longer loaded; LM Studio would drop it from the list too.
    void server.exited.then(() => {
      if (this.instances.get(instance.id) === instance) void this.unload(instance.id);
    });
    this.scheduleIdleUnload(instance);
    return instance;
  }

  // LM Studio names the first instance after the key and later ones `key:2`, `key:3`, …
  private nextInstanceId(key: string): string {
    if (!this.instances.has(key)) return key;
    let n = 2;
    while (this.instances.has(`${key}:${n}`)) n += 1;
    return `${key}:${n}`;
  }

  // The idle timer runs only while no request is in progress, per "Idle TTL" in LM Studio's docs.
  private scheduleIdleUnload(instance: ModelInstance): void {
    clearTimeout(instance.idleTimer);
    if (instance.ttlSeconds === undefined || instance.active > 0) return;
    if (this.instances.get(instance.id) !== instance) return;
    instance.idleTimer = setTimeout(() => {
      if (instance.active === 0) void this.unload(instance.id);
    }, instance.ttlSeconds * 1000);
    instance.idleTimer.unref();
  }
}

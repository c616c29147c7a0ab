// Builds a running gateway from a config: upstreams, registry, keys, metrics, discovery and hot
// reload. Both `aegis serve` and the integration tests start Aegis through here.
//
// The gateway's deps are built once. What a reload or a discovery round changes (upstreams, keys,
// catalog, options) is a new GatewaySnapshot swapped in whole; exchanges keep the one they began with.
import { chmodSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAdaptorServer, serve, type ServerType } from '@hono/node-server';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, keySchema, watchConfig, type AegisConfig, type ConfigWatcher, type ModelConfig } from '../config';
import { systemClock, type Clock, type ExchangeSink, type Logger } from '../core';
import {
  ContextService,
  createApp,
  isLoopbackHost,
  KeyStore,
  MemoryResponseStore,
  type AdminOps,
  type AuditSink,
  type GatewayDeps,
  type GatewayOptions,
  type GatewaySnapshot,
  type LocalTokenizerLoader,
  type MemorySearch,
  type ModelGate,
  type RecordingState,
  type RequestPolicy,
  type ResponseStore,
  type ToolServers,
} from '../gateway';
import { Metrics } from '../metrics';
import { configEntry, discover, ModelCatalog, readGgufHeader, templateRendersTools, type DetectedFacts, type ModelEntry, type ToolSupport } from '../registry';
import { createUpstream, type Upstream } from '../upstreams';
import { upstreamHealthCache } from './upstream-health';
import { upstreamMetrics } from './upstream-metrics';
import { ggufTokenizerLoader } from './wiring-context';

export function loadKeys(config: AegisConfig): KeyStore {
  const keys = [...config.auth.keys];
  if (config.auth.keysFile) {
    const doc = parse(readFileSync(config.auth.keysFile, 'utf8')) as unknown;
    const list = z.array(keySchema).parse(Array.isArray(doc) ? doc : ((doc as { keys?: unknown })?.keys ?? []));
    keys.push(...list);
  }
  return new KeyStore(keys);
}

/**
 * Who may call, from the config and where the listener is bound. Without keys only loopback callers
 * are served (the auth middleware checks each socket); unset `allowedHosts` means loopback names
 * only on a loopback listener, any name beyond loopback (where every caller needs a key).
 */
export function gatewayOptions(config: AegisConfig, keys: KeyStore, boundHost: string | undefined): GatewayOptions {
  const beyondLoopback = boundHost !== undefined && !isLoopbackHost(boundHost);
  return {
    bodyLimitBytes: config.server.bodyLimitBytes,
    keepAliveMs: config.server.keepAliveMs,
    logPrompts: config.logging.prompts,
    anonymous: { allowed: keys.size === 0, admin: config.auth.anonymousAdmin },
    allowedHosts: config.server.allowedHosts ?? (beyondLoopback ? ['*'] : []),
    allowedOrigins: config.server.allowedOrigins,
    tools: config.tools,
    context: config.context,
    metricsRequireKey: config.metrics.requireKey,
  };
}

/** What the subsystems wired around the gateway see of the runtime. */
export interface RuntimeContext {
  /** The current snapshot (upstreams and catalog change on reload and discovery). */
  snapshot(): GatewaySnapshot;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
}

/** The subsystems a composition root adds (scheduler, policy, recording) and their lifecycle. */
export interface Extension {
  scheduler?: ModelGate;
  admin?: AdminOps;
  policy?: RequestPolicy;
  /** The MCP bridge's servers (src/mcp's pool). */
  mcp?: ToolServers;
  sinks?: readonly ExchangeSink[];
  audit?: AuditSink;
  /** The recording outbox's state, for the status page. */
  recording?: () => RecordingState;
  reload?(config: AegisConfig): void | Promise<void>;
  /** Runs after in-flight requests drained, before upstreams close. */
  close?(): void | Promise<void>;
  /** Runs once discovery has listed the models (reconciliation with the runtimes). */
  started?(): void | Promise<void>;
  /** A durable store of the Responses API's responses; a bounded in-memory one when absent. */
  responseStore?: ResponseStore;
  /** rag_search at `/mcp` (the record store's search). */
  memory?: MemorySearch;
  /** Called once the gateway's deps exist (what needs the pipeline itself, e.g. the RAG embedder). */
  attach?(deps: GatewayDeps): void;
  /** Versioned entries from the registry store (MongoDB or file) and their promoted versions. */
  registry?(): Promise<{ entries: ModelEntry[]; promoted: Record<string, string> }>;
}

export interface GatewayRuntimeOptions {
  logger: Logger;
  clock?: Clock;
  metrics?: Metrics;
  /** Runs discovery once before resolving (tests want models listed immediately). */
  discoverOnStart?: boolean;
  /** Adds the scheduler, policy and recorders. */
  extend?: (ctx: RuntimeContext, config: AegisConfig) => Extension | Promise<Extension>;
  /** The local operator's token (aegis serve writes it where `aegis ps` finds it). */
  operatorToken?: KeyStore;
  /** Builds local tokenizers from GGUF files for context fitting (cli/wiring-context.ts). */
  localTokenizer?: LocalTokenizerLoader;
}

function memoryResponseStore(config: AegisConfig, clock: Clock): ResponseStore {
  const { maxResponses, maxBytes, ttlSeconds } = config.responses.store;
  return new MemoryResponseStore({ maxResponses, maxBytes, ttlMs: ttlSeconds * 1000, clock });
}

/** Longer than the keep-alive of common client pools (nginx 60 s), as load balancers advise. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export class GatewayRuntime {
  readonly deps: GatewayDeps;
  readonly app;
  private config: AegisConfig;
  private current: GatewaySnapshot;
  private discoveryTimer: NodeJS.Timeout | undefined;
  private loaded = new Map<string, Set<string>>();
  private discovered: ModelEntry[] = [];
  /** GGUF path → tool support its chat template implies. */
  private readonly templateTools = new Map<string, ToolSupport>();
  private stored: { entries: ModelEntry[]; promoted: Record<string, string> } = { entries: [], promoted: {} };
  private server: ServerType | undefined;
  private socketServer: ServerType | undefined;
  private readonly logger: Logger;
  private readonly extension: Extension;
  /** The address the listener is bound to, once it is. */
  private boundHost: string | undefined;
  /** Each upstream's health probe, shared by the status page and the metrics for a short while. */
  readonly upstreamHealth: () => Promise<Record<string, boolean>>;

  private constructor(
    config: AegisConfig,
    ctx: RuntimeContext,
    extension: Extension,
    current: GatewaySnapshot,
    options: Pick<GatewayRuntimeOptions, 'operatorToken' | 'localTokenizer'>,
  ) {
    this.config = config;
    this.logger = ctx.logger;
    this.extension = extension;
    this.current = current;
    this.upstreamHealth = upstreamHealthCache(() => this.current.upstreams.values(), ctx.clock);
    this.deps = {
      snapshot: () => this.current,
      logger: ctx.logger,
      metrics: ctx.metrics,
      clock: ctx.clock,
      scheduler: extension.scheduler,
      admin: extension.admin,
      policy: extension.policy,
      mcp: extension.mcp,
      sinks: extension.sinks,
      audit: extension.audit,
      operator: options.operatorToken,
      responseStore: extension.responseStore ?? memoryResponseStore(config, ctx.clock),
      memory: extension.memory,
      mcpEndpoint: mcpEndpointSettings(config),
      // Sized once from the config it starts with: the caches' bounds take effect at a restart.
      context: new ContextService({
        clock: ctx.clock,
        logger: ctx.logger.child({ component: 'context' }),
        loadLocal: options.localTokenizer ?? ggufTokenizerLoader(),
        windows: config.context.windows,
        countCacheEntries: config.context.countCacheEntries,
      }),
      recording: extension.recording,
      health: () => this.upstreamHealth(),
      ready: async () => this.readiness(),
      modelState: (entry) => {
        const set = this.loaded.get(entry.upstream);
        return set ? { loaded: set.has(entry.upstreamModel) } : undefined;
      },
    };
    this.app = createApp(this.deps);
    upstreamMetrics(
      ctx.metrics,
      () => this.current,
      () => this.upstreamHealth(),
    );
    if (config.metrics.principals) ctx.metrics.enablePrincipals();
    extension.attach?.(this.deps);
  }

  static async create(config: AegisConfig, options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
    const keys = loadKeys(config);
    const current: GatewaySnapshot = {
      catalog: new ModelCatalog({ config: config.models.map((m) => configEntry(m)) }),
      upstreams: new Map(config.upstreams.map((u) => [u.name, createUpstream(u, options.logger)])),
      keys,
      options: gatewayOptions(config, keys, undefined),
    };
    const ctx: RuntimeContext = {
      snapshot: () => current,
      logger: options.logger,
      metrics: options.metrics ?? new Metrics(),
      clock: options.clock ?? systemClock,
    };
    const extension = (await options.extend?.(ctx, config)) ?? {};
    const rt = new GatewayRuntime(config, ctx, extension, current, options);
    // From here the runtime owns the snapshot (wiring reads ctx.snapshot() at each use).
    ctx.snapshot = () => rt.current;
    if (options.discoverOnStart !== false) await rt.refresh();
    await rt.extension.started?.();
    rt.scheduleDiscovery();
    return rt;
  }

  get currentConfig(): AegisConfig {
    return this.config;
  }

  get snapshot(): GatewaySnapshot {
    return this.current;
  }

  private swap(changes: Partial<GatewaySnapshot>): void {
    this.current = Object.freeze({ ...this.current, ...changes });
  }

  /**
   * Tool support of a config model that does not declare it: what its runtime reports (Ollama
   * /api/show capabilities, LM Studio's model info, through discovery), else whether its GGUF's
   * chat template renders tools.
   */
  private detected(m: ModelConfig): DetectedFacts {
    const id = m.upstreamModel ?? m.name;
    const listed = this.discovered.find((e) => e.upstream === m.upstream && e.upstreamModel === id);
    if (listed?.capabilities.tools === 'native') return { tools: 'native' };
    return { tools: m.path ? this.templateTools.get(m.path) : undefined };
  }

  /** Reads the chat template of config models' GGUF files once each (headers only). */
  private async readTemplates(): Promise<void> {
    const paths = this.config.models.filter((m) => m.path && m.capabilities.tools === undefined && !this.templateTools.has(m.path)).map((m) => m.path!);
    await Promise.all(
      paths.map(async (path) => {
        try {
          const header = await readGgufHeader(path);
          this.templateTools.set(path, templateRendersTools(header.metadata['tokenizer.chat_template']) ? 'native' : 'emulated');
        } catch (err) {
          this.logger.debug({ path, err: (err as Error).message }, 'GGUF chat template unreadable; tools stay emulated');
        }
      }),
    );
  }

  private buildCatalog(): ModelCatalog {
    return new ModelCatalog({
      config: this.config.models.map((m) => configEntry(m, this.detected(m))),
      store: this.stored.entries,
      promoted: this.stored.promoted,
      discovered: this.discovered,
    });
  }

  /** Re-runs discovery and swaps in the new catalog. */
  async refresh(): Promise<void> {
    const enabled = new Set(this.config.upstreams.filter((u) => u.discover).map((u) => u.name));
    const [result, stored] = await Promise.all([
      discover([...this.current.upstreams.values()], (u) => enabled.has(u.name), this.logger),
      this.extension.registry?.().catch((err: Error) => {
        this.logger.warn({ err: err.message }, 'registry store unavailable; keeping the last known entries');
        return this.stored;
      }),
    ]);
    if (stored) this.stored = stored;
    await this.readTemplates();
    this.discovered = result.entries;
    this.loaded = result.loaded;
    this.swap({ catalog: this.buildCatalog() });
  }

  private scheduleDiscovery(): void {
    clearInterval(this.discoveryTimer);
    const every = this.config.discovery.intervalMs;
    if (every > 0) {
      this.discoveryTimer = setInterval(
        () => void this.refresh().catch((err: Error) => this.logger.warn({ err: err.message }, 'discovery refresh failed')),
        every,
      );
      this.discoveryTimer.unref();
    }
  }

  private async readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = { config: true };
    const upstreams = [...this.current.upstreams.values()];
    await Promise.all(upstreams.map(async (u) => (checks[`upstream:${u.name}`] = await u.health())));
    // Ready when the config is loaded and every upstream that serves a configured model answers.
    const needed = new Set(this.config.models.map((m) => m.upstream));
    const ready =
      [...needed].every((n) => checks[`upstream:${n}`]) && (needed.size > 0 || Object.values(checks).some((v, i) => i > 0 && v) || upstreams.length === 0);
    return { ready, checks };
  }

  /**
   * Applies a new config as one new snapshot: upstreams whose settings changed are replaced, the rest
   * kept. Throws (and applies nothing) when the new config would serve callers beyond loopback
   * without keys.
   */
  async reload(config: AegisConfig): Promise<void> {
    const keys = loadKeys(config);
    if (keys.size === 0 && this.boundHost !== undefined && !isLoopbackHost(this.boundHost)) {
      throw new ConfigError(
        `auth: the new config has no API keys, but Aegis listens on ${this.boundHost} (beyond loopback); refusing it, the previous config keeps serving. Restart to bind loopback only, or keep at least one key.`,
        'auth.keys',
      );
    }
    const old = this.current.upstreams;
    const next = new Map<string, Upstream>();
    for (const u of config.upstreams) {
      const before = this.config.upstreams.find((x) => x.name === u.name);
      const keep = before && JSON.stringify(before) === JSON.stringify(u) ? old.get(u.name) : undefined;
      next.set(u.name, keep ?? createUpstream(u, this.logger));
    }
    const retired = [...old].filter(([name, u]) => next.get(name) !== u).map(([, u]) => u);
    this.config = config;
    this.discovered = this.discovered.filter((e) => next.has(e.upstream));
    this.swap({ upstreams: next, keys, options: gatewayOptions(config, keys, this.boundHost), catalog: this.buildCatalog() });
    this.scheduleDiscovery();
    await this.extension.reload?.(config);
    // Exchanges that started on the old snapshot may still use a retired upstream: it closes
    // gracefully (undici lets in-flight requests finish).
    await Promise.all(retired.map((u) => u.close().catch(() => {})));
    void this.refresh().catch(() => {});
  }

  /**
   * Hot reload of the config file: each change is applied or refused as a whole, counted, logged
   * and audited (with the reason when refused); a refused file leaves the previous config serving.
   */
  watchConfigFile(file: string, options: { debounceMs?: number } = {}): ConfigWatcher {
    const audit = (outcome: 'ok' | 'error', details: Record<string, unknown>) =>
      this.deps.audit?.({ type: 'config.reload', actor: 'operator', target: file, outcome, details });
    return watchConfig({
      file,
      debounceMs: options.debounceMs,
      onReload: async (next) => {
        await this.reload(next);
        this.deps.metrics.configReloads.inc({ result: 'ok' });
        audit('ok', { models: next.models.length, upstreams: next.upstreams.length, keys: this.current.keys.size });
        this.logger.info({ models: next.models.length, upstreams: next.upstreams.length }, 'config reloaded');
      },
      onError: (err) => {
        this.deps.metrics.configReloads.inc({ result: 'error' });
        audit('error', { reason: err.message, path: err instanceof ConfigError ? err.path : undefined });
        this.logger.error({ err: err.message }, 'config reload rejected; keeping the previous config');
      },
    });
  }

  listen(host: string, port: number): Promise<{ host: string; port: number; url: string }> {
    this.boundHost = host;
    this.swap({ options: gatewayOptions(this.config, this.current.keys, host) });
    return new Promise((resolve) => {
      this.server = serve({ fetch: this.app.fetch, hostname: host, port }, (info) => {
        resolve({ host, port: info.port, url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}` });
      });
      // Node closes idle keep-alive sockets after 5 s; a client pool that keeps them longer (undici
      // pools in agents, nginx's 60 s upstream keepalive) can send on a socket the server is closing
      // and get ECONNRESET. Idle sockets outlive the clients' usual timeouts instead.
      const http = this.server as { keepAliveTimeout?: number; headersTimeout?: number };
      http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      http.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    });
  }

  /**
   * Also serves the app on a Unix socket path or a Windows named pipe (`\\.\pipe\aegis`; node's
   * `listen({ path })` takes both). A socket file a previous run left behind is replaced, and the new
   * one is readable by this user only: anyone who can open it is served as a local caller.
   */
  listenSocket(path: string): Promise<string> {
    const pipe = process.platform === 'win32' && path.startsWith('\\\\');
    if (!pipe) removeStaleSocket(path);
    const server = createAdaptorServer({ fetch: this.app.fetch });
    this.socketServer = server;
    const http = server as { keepAliveTimeout?: number; headersTimeout?: number };
    http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    http.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    return new Promise((done, fail) => {
      server.once('error', fail);
      server.listen({ path }, () => {
        server.off('error', fail);
        if (!pipe) chmodSync(path, 0o600);
        done(path);
      });
    });
  }

  /** Stops accepting, waits (bounded) for in-flight exchanges, then closes upstreams. */
  async close(graceMs = this.config.server.shutdownGraceMs): Promise<void> {
    clearInterval(this.discoveryTimer);
    const socket = this.socketServer;
    const socketClosed = socket ? new Promise<void>((r) => socket.close(() => r())) : undefined;
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && (await this.inFlight()) > 0) await new Promise((r) => setTimeout(r, 50));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
    }
    if (socket && socketClosed) {
      (socket as { closeAllConnections?: () => void }).closeAllConnections?.();
      await socketClosed;
    }
    await this.extension.close?.();
    await Promise.all([...this.current.upstreams.values()].map((u) => u.close().catch(() => {})));
  }

  private async inFlight(): Promise<number> {
    return this.deps.metrics.inFlight.all().reduce((s, c) => s + c.value, 0);
  }
}

/** The `/mcp` endpoint's settings from the config (a relative consultations folder was resolved next to the config file). */
function mcpEndpointSettings(config: AegisConfig): GatewayDeps['mcpEndpoint'] {
  const { enabled, maxTasks, taskTtlSeconds } = config.mcp.endpoint;
  if (!enabled) return false;
  const dir = config.integrations.consultations.dir;
  return { maxTasks, taskTtlMs: taskTtlSeconds * 1_000, ...(dir ? { consultationsDir: resolve(dir) } : {}) };
}

/** Removes a socket file left by an earlier run; anything else at that path is left alone (listen then fails). */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there.
  }
}

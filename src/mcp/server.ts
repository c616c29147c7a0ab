// One configured MCP server and the session Aegis keeps with it: connected on first use, its tool
// list cached (every page) and refreshed after `notifications/tools/list_changed`, reconnected on
// the next use after the session dies, and held back with exponential back-off on the Clock while
// connecting keeps failing, so a dead server costs a request nothing but its tools.
import type { CancelSignal, Clock, Logger } from '../core';
import type { McpServerConfig } from './config-schema';
import { withDeadline } from './deadline';
import type { McpCallOptions, McpCallResult, McpSession, McpTool } from './types';

/** Opens a session with a server (sdk.ts in production, an in-memory pair in tests). */
export type Connector = (server: McpServerConfig, options: { signal: CancelSignal; logger: Logger }) => Promise<McpSession>;

export interface ServerLimits {
  connectTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
}

/** A server's tools as last listed. */
export interface ToolCatalog {
  readonly server: string;
  readonly tools: readonly McpTool[];
  readonly byName: ReadonlyMap<string, McpTool>;
  readonly listedAt: number;
}

/** Why a server's tools cannot be offered or called now (the model is told; the request goes on). */
export class McpServerUnavailable extends Error {
  constructor(
    readonly server: string,
    reason: string,
    /** When the next connection attempt may be made (epoch ms), during back-off. */
    readonly retryAt?: number,
  ) {
    super(`MCP server "${server}" is unavailable: ${reason}`);
    this.name = 'McpServerUnavailable';
  }
}

export type ServerState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export interface ServerStatus {
  name: string;
  state: ServerState;
  tools: number;
  connects: number;
  failures: number;
  lastError?: string;
  /** The stdio server's process while connected. */
  pid?: number;
}

/** A server that lists endless pages is broken; this many is far beyond any real catalog. */
const MAX_PAGES = 100;

export interface McpServerOptions {
  config: McpServerConfig;
  connect: Connector;
  clock: Clock;
  logger: Logger;
  limits: () => ServerLimits;
}

export class McpServer {
  readonly name: string;
  readonly config: McpServerConfig;
  private session: McpSession | undefined;
  private catalog: ToolCatalog | undefined;
  private pending: Promise<ToolCatalog> | undefined;
  /** Bumped by every list_changed; a listing that started before the last bump is stale. */
  private changes = 0;
  private listedAtChange = 0;
  /** Consecutive failed attempts; 0 after a success. */
  private failuresInRow = 0;
  private retryAt = 0;
  private lastError: string | undefined;
  private closed = false;
  private connects = 0;
  private failures = 0;

  constructor(private readonly o: McpServerOptions) {
    this.name = o.config.name;
    this.config = o.config;
  }

  /**
   * The server's tools: at once when connected and current, else after connecting or re-listing.
   * Throws (or rejects with) McpServerUnavailable while it cannot be reached.
   */
  tools(): ToolCatalog | Promise<ToolCatalog> {
    if (this.closed) throw new McpServerUnavailable(this.name, 'Aegis is shutting the connection down');
    if (this.session && this.catalog && this.listedAtChange === this.changes) return this.catalog;
    if (this.pending) return this.pending;
    const session = this.session;
    if (!session) {
      const now = this.o.clock.now();
      if (now < this.retryAt)
        throw new McpServerUnavailable(
          this.name,
          `${this.lastError ?? 'connection failed'}; next attempt in ${Math.ceil((this.retryAt - now) / 1000)} s`,
          this.retryAt,
        );
    }
    const attempt = session ? this.relist(session) : this.open();
    this.pending = attempt;
    const clear = () => {
      if (this.pending === attempt) this.pending = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  /** Calls a tool, connecting first if the session is gone (a crashed stdio server restarts here). */
  async call(tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<McpCallResult> {
    if (!this.session) await this.tools();
    const session = this.session;
    if (!session) throw new McpServerUnavailable(this.name, this.lastError ?? 'not connected');
    return session.callTool(tool, args, options);
  }

  status(): ServerStatus {
    const state: ServerState = this.closed
      ? 'closed'
      : this.session
        ? 'ready'
        : this.pending
          ? 'connecting'
          : this.o.clock.now() < this.retryAt
            ? 'backoff'
            : 'idle';
    return {
      name: this.name,
      state,
      tools: this.catalog?.tools.length ?? 0,
      connects: this.connects,
      failures: this.failures,
      lastError: this.lastError,
      pid: this.session?.pid,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    await session?.close().catch(() => {});
  }

  private open(): Promise<ToolCatalog> {
    const { clock, logger, config } = this.o;
    const log = logger.child({ mcpServer: this.name });
    return withDeadline(
      async (signal) => {
        const session = await this.o.connect(config, { signal, logger: log });
        if (signal.aborted || this.closed) {
          // Connected after the deadline, or during shutdown: nobody wants this session.
          await session.close().catch(() => {});
          throw signal.aborted ? signal.reason : new McpServerUnavailable(this.name, 'closed');
        }
        session.onToolsChanged(() => this.changes++);
        let catalog: ToolCatalog;
        try {
          catalog = await this.list(session, signal);
        } catch (err) {
          await session.close().catch(() => {});
          throw err;
        }
        session.onClose(() => this.dropped(session));
        this.session = session;
        this.connects++;
        log.info({ tools: catalog.tools.length, connects: this.connects }, 'MCP server connected');
        return catalog;
      },
      { clock, timeoutMs: this.o.limits().connectTimeoutMs },
    ).then(
      (catalog) => this.succeeded(catalog),
      (err: unknown) => this.failed(err, log),
    );
  }

  private relist(session: McpSession): Promise<ToolCatalog> {
    return withDeadline((signal) => this.list(session, signal), { clock: this.o.clock, timeoutMs: this.o.limits().connectTimeoutMs }).then(
      (catalog) => this.succeeded(catalog),
      (err: unknown) => {
        // A session that cannot list its tools is not one to keep: the next use reconnects.
        if (this.session === session) this.session = undefined;
        void session.close().catch(() => {});
        return this.failed(err, this.o.logger.child({ mcpServer: this.name }));
      },
    );
  }

  private async list(session: McpSession, signal: CancelSignal): Promise<ToolCatalog> {
    const startedAtChange = this.changes;
    const byName = new Map<string, McpTool>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await session.listTools(cursor, signal);
      for (const tool of result.tools) if (!this.config.disabledTools.includes(tool.name)) byName.set(tool.name, tool);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    this.listedAtChange = startedAtChange;
    return { server: this.name, tools: [...byName.values()], byName, listedAt: this.o.clock.now() };
  }

  private succeeded(catalog: ToolCatalog): ToolCatalog {
    this.catalog = catalog;
    this.failuresInRow = 0;
    this.retryAt = 0;
    this.lastError = undefined;
    return catalog;
  }

  private failed(err: unknown, log: Logger): never {
    const reason = err instanceof Error ? err.message : String(err);
    this.failures++;
    this.failuresInRow++;
    const { initialDelayMs, maxDelayMs } = this.o.limits().reconnect;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (this.failuresInRow - 1));
    this.retryAt = this.o.clock.now() + delay;
    this.lastError = reason;
    log.warn({ err: reason, retryInMs: delay, failures: this.failuresInRow }, 'MCP server unavailable');
    throw new McpServerUnavailable(this.name, reason, this.retryAt);
  }

  private dropped(session: McpSession): void {
    if (this.session !== session) return;
    this.session = undefined;
    if (this.closed) return;
    // A session that worked and then died (a crashed process) is retried at once on the next use;
    // only failed attempts back off.
    this.o.logger.warn({ mcpServer: this.name }, 'MCP server connection closed; it reconnects on next use');
  }
}

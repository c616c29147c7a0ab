// What the gateway is built from. Everything arrives through `createApp(deps)`, built once and
// read-only; what a config reload or discovery changes lives in a snapshot the runtime swaps whole,
// so an exchange keeps the snapshot it started with.
import type { ContextConfig } from '../context';
import type { Clock, ExchangeApi, ExchangeDecision, ExchangeRoute, ExchangeSink, Logger } from '../core';
import type { McpCallOptions, McpCallResult, McpLimits, ServerStatus, ToolCatalog, ToolInvocation, ToolVerdict } from '../mcp';
import type { Metrics } from '../metrics';
import type { ModelCatalog, ModelEntry } from '../registry';
import type { AcquireOptions, Lease, RevocationListener, SchedulerSnapshot } from '../scheduler';
import type { ToolsConfig } from '../tools';
import type { Upstream } from '../upstreams';
import type { ResponseStore } from './agents/response-store';
import type { ContextService } from './context/service';
import type { KeyStore, Principal } from './keys';

export interface GatewayOptions {
  bodyLimitBytes: number;
  keepAliveMs: number;
  logPrompts: boolean;
  /**
   * With no keys configured, loopback callers are anonymous (role `local`), unless `allowed` is
   * false; `admin` adds the admin role (auth.anonymousAdmin).
   */
  anonymous: { allowed: boolean; admin: boolean };
  /** Host names requests may be addressed to besides loopback names (`'*'`: any). */
  allowedHosts: readonly string[];
  /** Origins whose web pages may call the gateway (`'*'`: any). */
  allowedOrigins: readonly string[];
  /** How emulated tool calls are served (the `tools` section); defaults when unset. */
  tools?: ToolsConfig;
  /** The `context` section (fitting prompts into context windows); its defaults when absent. */
  context?: ContextConfig;
  /** `/metrics` needs a key with the `admin` or `metrics` role (`metrics.requireKey`). */
  metricsRequireKey: boolean;
}

/** The part of the gateway's world a config reload or a discovery round replaces, all at once. */
export interface GatewaySnapshot {
  readonly catalog: ModelCatalog;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly keys: KeyStore;
  readonly options: Readonly<GatewayOptions>;
}

/** The scheduler as the gateway sees it (see src/scheduler): a lease on a model with a free slot. */
export interface ModelGate {
  /**
   * A lease at once when nothing has to queue or load (no promise, no waiter); undefined otherwise,
   * and then `acquire`. The caller must release it; `listener` hears of preemption.
   */
  tryAcquire(model: ModelEntry, priority: string, listener: RevocationListener): Lease | undefined;
  acquire(model: ModelEntry, options: AcquireOptions & { priority: string }): Promise<Lease>;
}

/** Policy's answer for an allowed request: the decision plus the request with obligations applied. */
export interface Authorization<R = Record<string, unknown>> extends ExchangeDecision {
  request: R;
  /** Priority class the policy assigned, if any (else the model's). */
  priority?: string;
  /** Truncation strategies the policy allows (its first the default; empty: refuse only). */
  truncation?: readonly string[];
  /** MCP servers → tool patterns the principal may use (the obligation `mcp.servers`). */
  mcpServers?: Readonly<Record<string, readonly string[]>>;
}

/** Policy's answer for one MCP tool call of an exchange (the `tool_decision` entrypoint). */
export interface ToolDecision extends ToolVerdict {
  id: string;
}

/** Policy as the gateway sees it: allow (with obligations applied) or throw policy_denied / 429. */
export interface RequestPolicy {
  check<R extends Record<string, unknown>>(input: {
    principal: Principal;
    route: ExchangeRoute;
    /** The API the client spoke (its path for the policy input); `chat` when absent. */
    api?: ExchangeApi;
    model: ModelEntry;
    request: R;
    requestId: string;
    /** The strategy the client asked for (`x-aegis-truncate`), in policy's words (`refuse` for error). */
    truncation?: string;
  }): Authorization<R>;
  /** Decides one MCP tool call the tool loop wants to run; absent = every call is allowed. */
  checkTool?(input: { principal: Principal; route: ExchangeRoute; model: ModelEntry; call: ToolInvocation }): ToolDecision;
  /**
   * Decides one call of a tool Aegis offers at `/mcp` (`tool_decision` for server `aegis`, route
   * `mcp`); absent = every call is allowed. A chat or consult call is then decided again as an exchange.
   */
  checkEndpointTool?(input: { principal: Principal; tool: string; arguments: Record<string, unknown> }): ToolDecision;
  /** Whether the principal may send chat requests to `model` (for list_models; nothing is counted). */
  mayUse?(input: { principal: Principal; model: ModelEntry }): boolean;
}

/** The organisation's memory as the MCP endpoint's `rag_search` sees it (src/rag's RagSearch). */
export interface MemorySearch {
  search(query: string, k: number): Promise<{ method: string; results: { id: string; score: number; text: string; metadata?: Record<string, unknown> }[] }>;
}

/** The MCP endpoint at `/mcp`: its async tasks and the consultation folder. */
export interface McpEndpointSettings {
  /** Async tasks kept at most, and how long a finished one's result is kept. */
  maxTasks?: number;
  taskTtlMs?: number;
  /** `integrations.consultations.dir`: responses are also written there. */
  consultationsDir?: string;
}

/** The MCP servers as the gateway sees them (src/mcp's McpPool): tool catalogs and tool calls. */
export interface ToolServers {
  /** The tool loop's limits, read per exchange (a reload applies to the next one). */
  readonly limits: McpLimits;
  /** Whether some server is attached to requests without being named (`defaultFor`). */
  readonly hasDefaults: boolean;
  has(server: string): boolean;
  /** The configured URL of an HTTP server (a request's `server_url` may only repeat it). */
  serverUrl(server: string): string | undefined;
  callTimeoutMs(server: string): number;
  /** Servers every request for `model` or from key `keyId` gets without naming them. */
  defaultServers(model: string, keyId: string): string[];
  /** At once when connected and listed; throws McpServerUnavailable when it cannot be reached. */
  tools(server: string): ToolCatalog | Promise<ToolCatalog>;
  call(server: string, tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<McpCallResult>;
  /** Each server's session state, for operators. */
  status(): ServerStatus[];
}

export interface AuditEvent {
  type: string;
  actor: string;
  target?: string;
  outcome: 'allow' | 'deny' | 'ok' | 'error';
  requestId?: string;
  decisionId?: string;
  details?: Record<string, unknown>;
}

/** Append-only audit of decisions, reloads, admin actions and refused authentications. */
export type AuditSink = (event: AuditEvent) => void;

/** Operations the admin routes expose (wired to the scheduler when present). */
export interface AdminOps {
  ps(): SchedulerSnapshot;
  load(model: ModelEntry): Promise<unknown>;
  unload(model: ModelEntry): Promise<unknown>;
}

/** What the status page shows of the recording outbox (src/rag's OutboxStats satisfies it). */
export interface RecordingState {
  mode: 'direct' | 'spooling' | 'outbox-only';
  storeUp: boolean;
  queueDepth: number;
  spoolBytes: number;
  spoolSegments: number;
  /** When the oldest record waiting in the spool was written. */
  spoolOldestAt?: number;
}

export interface GatewayDeps {
  /** The current snapshot; read once per request. */
  readonly snapshot: () => GatewaySnapshot;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly scheduler?: ModelGate;
  readonly policy?: RequestPolicy;
  /** The MCP bridge's servers; without it a request naming an MCP server is refused (400). */
  readonly mcp?: ToolServers;
  /** Told of every finished exchange, in order, after the gateway's own metrics. */
  readonly sinks?: readonly ExchangeSink[];
  readonly audit?: AuditSink;
  readonly admin?: AdminOps;
  /** The local operator's token as a one-key store (admin from loopback callers). */
  readonly operator?: KeyStore;
  /** Upstream reachability by name, probed at most every few seconds (status page, metrics). */
  readonly health?: () => Promise<Record<string, boolean>>;
  /** The recording outbox (queue, spool, store), when recording is on. */
  readonly recording?: () => RecordingState;
  /** Readiness beyond "process up": config loaded and upstreams reachable. */
  readonly ready?: () => Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  /**
   * Stored responses of the Responses API (`store: true`, `previous_response_id`); a bounded
   * in-memory store when absent.
   */
  readonly responseStore?: ResponseStore;
  /** Context fitting (src/context): per-model counters, remembered cuts, learned context lengths. */
  readonly context?: ContextService;
  /** rag_search at `/mcp`; without it the tool answers that no memory is configured. */
  readonly memory?: MemorySearch;
  /** The MCP endpoint at `/mcp` (mounted unless `false`). */
  readonly mcpEndpoint?: McpEndpointSettings | false;
  /** Live state of a model (loaded or not) for /v1/models. */
  readonly modelState?: (entry: ModelEntry) => { loaded?: boolean } | undefined;
}

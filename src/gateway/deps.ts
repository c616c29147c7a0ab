// What the gateway is built from: every dependency arrives through `createApp(deps)`, so tests can
// build an app from fakes and the CLI from real parts.
import type { Clock, Logger } from '../core';
import type { Metrics } from '../metrics';
import type { ModelCatalog, ModelEntry } from '../registry';
import type { Upstream } from '../upstreams';
import type { KeyStore, Principal } from './keys';
import type { ExchangeOutcome } from './exchange';

/** A lease on a loaded model with a free slot, from the scheduler. */
export interface ModelLease {
  release(): void;
  /** Fires when the scheduler preempts this request. */
  readonly signal?: AbortSignal;
  /** Why the lease was cut, when it was. */
  readonly abortReason?: () => Error | undefined;
  /** Preemption callback; preferred over `signal`, which costs an AbortController per lease. */
  onRevoked?(listener: (reason: Error) => void): void;
}

export interface AcquireOptions {
  priority: string;
  signal: AbortSignal;
  onProgress?: (message: string, fraction?: number) => void;
}

/** Told when the scheduler revokes a lease (preemption); an object, so a lease needs no closure. */
export interface RevocationListener {
  leaseRevoked(reason: Error): void;
}

/** The scheduler as the gateway sees it (see src/scheduler). */
export interface ModelGate {
  /**
   * A lease at once when nothing has to queue or load (no promise, no waiter); undefined otherwise,
   * and then `acquire`. The caller must release it; `listener` hears of preemption.
   */
  tryAcquire?(model: ModelEntry, priority: string, listener: RevocationListener): ModelLease | undefined;
  acquire(model: ModelEntry, options: AcquireOptions): Promise<ModelLease>;
}

export interface PolicyOutcome {
  decisionId: string;
  /** Why the policy allowed as it did (what its obligations changed); audited with the exchange. */
  reasons: string[];
  /** The (possibly capped or trimmed) request to send on. */
  request: Record<string, unknown>;
  priority?: string;
  log: boolean;
  redact: string[];
}

/** Policy as the gateway sees it: allow (with obligations applied) or throw policy_denied. */
export interface RequestPolicy {
  check(input: { principal: Principal; route: ExchangeOutcome['route']; model: ModelEntry; request: Record<string, unknown>; requestId: string }): PolicyOutcome;
}

export interface GatewayDeps {
  catalog: ModelCatalog;
  upstreams: ReadonlyMap<string, Upstream>;
  keys: KeyStore;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  scheduler?: ModelGate;
  policy?: RequestPolicy;
  /** Append-only audit of decisions and admin actions (the rag outbox, when recording is on). */
  audit?: (event: { type: string; actor: string; target?: string; outcome: 'allow' | 'deny' | 'ok' | 'error'; requestId?: string; decisionId?: string; details?: Record<string, unknown> }) => void;
  /** Called once per finished exchange (body end, error or client disconnect). */
  onExchange?: (outcome: ExchangeOutcome) => void;
  /** The local operator's token as a one-key store (admin from loopback callers). */
  operator?: KeyStore;
  options: {
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
  };
  /** Readiness beyond "process up": config loaded and upstreams reachable. */
  ready?: () => Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  admin?: AdminOps;
  /** Live state of a model (loaded or not) for /v1/models. */
  modelState?: (entry: ModelEntry) => { loaded?: boolean } | undefined;
}

/** Operations the admin routes expose (wired to the scheduler when present). */
export interface AdminOps {
  ps(): unknown;
  load(model: ModelEntry): Promise<unknown>;
  unload(model: ModelEntry): Promise<unknown>;
}

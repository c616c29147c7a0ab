// The async facade the gateway uses: `acquire()` → Lease, admin `load()`/`unload()`, `snapshot()`.
// It implements the machine's Effects on top of a ModelRuntime port and turns grants into promises.

import { GatewayError, silentLogger, systemClock, type CancelSignal, type Clock, type Logger, type TimerHandle } from '../core';
import { SchedulerMachine } from './machine';
import type { SchedulerSnapshot } from './snapshot';
import type { Footprint, Grant, LoadProgress, ModelSpec, ResidentModel, SchedulerEffects, SchedulerEvent, SchedulerOptions, UnloadReason } from './types';

/** What the gateway provides: how to put a model into memory and take it out (a ModelControl adapter). */
export interface ModelRuntime {
  /** Resolves once the model serves requests; `measured` replaces the estimate in the budget. */
  load(model: string, signal: CancelSignal, onProgress: (fraction: number) => void): Promise<{ measured?: Footprint } | void>;
  unload(model: string): Promise<void>;
}

export interface AcquireOptions {
  /** Class from the registry entry and the policy decision; never from the client. */
  priority?: string;
  /** The client's disconnect signal: while waiting it leaves the queue; after the grant it releases. */
  signal?: CancelSignal;
  /** Load progress for streaming clients waiting on a cold load. */
  onProgress?: (event: LoadProgress) => void;
}

export interface Lease {
  readonly id: string;
  readonly model: string;
  /** Aborted (reason: GatewayError `preempted`) when the scheduler takes the slot back. */
  readonly signal: CancelSignal;
  readonly coldStart: boolean;
  readonly waitedMs: number;
  /** Idempotent; call on body end or client cancel, not when the handler returns. */
  release(): void;
  /** The GatewayError that cut the lease (preempted), if it was cut. */
  abortReason(): Error | undefined;
  /** Calls `listener` when the lease is revoked (at once if it already was); cheaper than `signal`. */
  onRevoked(listener: (reason: Error) => void): void;
}

/** Told when its lease is revoked; an object rather than a closure, so a lease allocates none. */
export interface RevocationListener {
  leaseRevoked(reason: Error): void;
}

/**
 * A granted slot. A class rather than closures: a lease lives exactly as long as its response, which
 * at thousands of requests per second is long enough for per-lease closures to be promoted by the GC.
 */
class LeaseHandle implements Lease {
  private controller?: AbortController;
  private reason?: Error;
  private listeners?: ((reason: Error) => void)[];
  private released = false;
  /** Only leases granted to a waiting client listen to it (a fast-path grant has no signal). */
  private onClientAbort: (() => void) | undefined;

  constructor(
    private readonly owner: { leaseEnded(id: string): void },
    readonly id: string,
    readonly model: string,
    readonly coldStart: boolean,
    readonly waitedMs: number,
    private readonly clientSignal: CancelSignal | undefined,
    private readonly revocation: RevocationListener | undefined,
  ) {
    // A client that disconnects mid-response frees its slot even if the gateway forgets to.
    if (clientSignal) {
      this.onClientAbort = () => this.release();
      clientSignal.addEventListener('abort', this.onClientAbort, { once: true });
    }
  }

  /** The AbortController is made only if someone reads `signal`: most leases are never revoked. */
  get signal(): CancelSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.onClientAbort) this.clientSignal?.removeEventListener('abort', this.onClientAbort);
    this.owner.leaseEnded(this.id);
  }

  abortReason(): Error | undefined {
    return this.reason;
  }

  onRevoked(listener: (reason: Error) => void): void {
    if (this.reason) listener(this.reason);
    else (this.listeners ??= []).push(listener);
  }

  revoke(reason: Error): void {
    this.reason = reason;
    this.controller?.abort(reason);
    this.revocation?.leaseRevoked(reason);
    for (const listener of this.listeners?.splice(0) ?? []) listener(reason);
  }
}

export interface SchedulerFacadeOptions extends SchedulerOptions {
  runtime: ModelRuntime;
  models?: ModelSpec[];
  clock?: Clock;
  logger?: Logger;
  /** A load that has not finished by then is aborted and fails its waiters (llama-swap: 120 s). */
  loadTimeoutMs?: number;
  /** Evictions, preemptions, loads and rejections, as they happen (audit and metrics). */
  onEvent?: (event: SchedulerEvent) => void;
}

interface PendingRequest {
  model: string;
  onGrant(grant: Grant): void;
  onFail(error: GatewayError): void;
  onProgress?: (event: LoadProgress) => void;
}

export class Scheduler {
  readonly machine: SchedulerMachine;
  private readonly runtime: ModelRuntime;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly loadTimeoutMs: number;
  private readonly onEvent?: (event: SchedulerEvent) => void;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly leases = new Map<string, LeaseHandle>();
  private readonly loads = new Map<string, { controller: AbortController; timer: TimerHandle }>();
  private readonly unloadWaiters = new Map<string, Array<() => void>>();
  private nextId = 1;

  constructor(options: SchedulerFacadeOptions) {
    this.runtime = options.runtime;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 300_000;
    this.onEvent = options.onEvent;
    this.machine = new SchedulerMachine({ ...options, clock: this.clock, logger: this.logger, effects: this.effects() });
  }

  acquire(model: string, options: AcquireOptions = {}): Promise<Lease> {
    if (!options.signal?.aborted) {
      const lease = this.tryAcquire(model, options.priority, undefined, options.signal);
      if (lease) return Promise.resolve(lease);
    }
    return this.request(model, false, options) as Promise<Lease>;
  }

  /**
   * A lease at once, when the model is ready with a free slot and nobody waits (the machine's
   * `tryGrant`); undefined when the request would have to queue or load (then `acquire`). The caller
   * releases it; `revocation` hears of preemption without a closure per lease.
   */
  tryAcquire(model: string, priority?: string, revocation?: RevocationListener, clientSignal?: CancelSignal): Lease | undefined {
    const id = `req-${this.nextId++}`;
    const grant = this.machine.tryGrant({ id, model, priority });
    return grant && this.makeLease(grant, clientSignal, revocation);
  }

  /** LeaseHandle#release. */
  leaseEnded(id: string): void {
    this.leases.delete(id);
    this.machine.onRelease(id);
  }

  /** Admin load: resolves when the model is resident (joins a load under way), takes no slot. */
  async load(model: string): Promise<void> {
    await this.request(model, true, {});
  }

  /** Admin unload, the same path as a TTL unload: a busy model drains first. */
  async unload(model: string, options: { force?: boolean } = {}): Promise<void> {
    const status = this.machine.requestUnload(model, options);
    if (status === 'unloaded') return;
    return new Promise((resolve) => {
      const list = this.unloadWaiters.get(model) ?? [];
      list.push(resolve);
      this.unloadWaiters.set(model, list);
    });
  }

  reconcile(resident: readonly ResidentModel[]): void {
    this.machine.onReconcile(resident);
  }

  setModel(spec: ModelSpec): void {
    this.machine.setModel(spec);
  }

  /** See `SchedulerMachine.setPool`. */
  setPool(id: string, size: number): void {
    this.machine.setPool(id, size);
  }

  snapshot(): SchedulerSnapshot {
    return this.machine.snapshot();
  }

  /** Waiting requests fail with `shutting_down`; loads under way are aborted. */
  close(): void {
    this.machine.onShutdown();
    for (const [, load] of this.loads) {
      this.clock.clearTimeout(load.timer);
      load.controller.abort(new GatewayError('shutting_down', 'The gateway is shutting down.'));
    }
    this.loads.clear();
  }

  private request(model: string, loadOnly: boolean, options: AcquireOptions): Promise<Lease | void> {
    const { signal, priority, onProgress } = options;
    if (signal?.aborted) return Promise.reject(clientClosed());
    const id = `req-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        this.machine.onCancel(id);
        reject(clientClosed());
      };
      const done = () => {
        this.pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        model,
        onProgress,
        onFail: (error) => {
          done();
          reject(error);
        },
        onGrant: (grant) => {
          done();
          resolve(loadOnly ? undefined : this.makeLease(grant, signal));
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.machine.onRequest({ id, model, priority, loadOnly });
    });
  }

  private makeLease(grant: Grant, clientSignal: CancelSignal | undefined, revocation?: RevocationListener): Lease {
    const lease = new LeaseHandle(this, grant.requestId, grant.model, grant.coldStart, grant.waitedMs, clientSignal, revocation);
    this.leases.set(grant.requestId, lease);
    return lease;
  }

  private effects(): SchedulerEffects {
    return {
      startLoad: (model, loadId) => this.startLoad(model, loadId),
      startUnload: (model, unloadId, reason) => this.startUnload(model, unloadId, reason),
      grant: (grant) => {
        const p = this.pending.get(grant.requestId);
        if (p) p.onGrant(grant);
        else if (!grant.loadOnly) this.machine.onRelease(grant.requestId); // requester already gone
      },
      fail: (requestId, error) => {
        const p = this.pending.get(requestId);
        if (!p) return;
        this.report({ type: 'rejection', model: p.model, reason: error.code });
        p.onFail(error);
      },
      revoke: (requestId, error) => {
        const lease = this.leases.get(requestId);
        this.leases.delete(requestId);
        lease?.revoke(error);
      },
      progress: (requestId, event) => {
        try {
          this.pending.get(requestId)?.onProgress?.(event);
        } catch (err) {
          this.logger.warn({ err: String(err), requestId }, 'progress callback threw');
        }
      },
      report: (event) => this.report(event),
    };
  }

  /** Called inside the machine's event: a failing listener must not break scheduling. */
  private report(event: SchedulerEvent): void {
    try {
      this.onEvent?.(event);
    } catch (err) {
      this.logger.warn({ err: String(err), event: event.type, model: event.model }, 'scheduler event listener threw');
    }
  }

  private startLoad(model: string, loadId: number): void {
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      const error = new GatewayError('model_load_failed', `Loading ${model} took longer than ${this.loadTimeoutMs} ms.`);
      controller.abort(error);
      this.finishLoad(model, loadId);
      this.machine.onLoadDone(model, loadId, { ok: false, error });
    }, this.loadTimeoutMs);
    this.loads.set(model, { controller, timer });
    const onProgress = (fraction: number) => this.machine.onLoadProgress(model, loadId, fraction);
    Promise.resolve()
      .then(() => this.runtime.load(model, controller.signal, onProgress))
      .then(
        (result) => {
          // A load that finished after we gave up still holds memory: give it back.
          if (timedOut) return void this.runtime.unload(model).catch(() => undefined);
          this.finishLoad(model, loadId);
          this.machine.onLoadDone(model, loadId, { ok: true, measured: result?.measured });
        },
        (error: unknown) => {
          if (timedOut) return;
          this.finishLoad(model, loadId);
          this.machine.onLoadDone(model, loadId, { ok: false, error });
        },
      );
  }

  private finishLoad(model: string, loadId: number): void {
    const load = this.loads.get(model);
    if (load) this.clock.clearTimeout(load.timer);
    this.loads.delete(model);
    this.logger.debug({ model, loadId }, 'load finished');
  }

  private startUnload(model: string, unloadId: number, reason: UnloadReason): void {
    Promise.resolve()
      .then(() => this.runtime.unload(model))
      .catch((err: unknown) => {
        // The runtime may still hold it; a later reconcile corrects the books. Not retrying avoids a loop.
        this.logger.warn({ model, reason, err: String(err) }, 'model unload failed');
      })
      .then(() => {
        this.machine.onUnloadDone(model, unloadId);
        const waiters = this.unloadWaiters.get(model) ?? [];
        this.unloadWaiters.delete(model);
        for (const resolve of waiters) resolve();
      });
  }
}

function clientClosed(): GatewayError {
  return new GatewayError('client_closed_request', 'The client closed the request while it waited for a model.');
}

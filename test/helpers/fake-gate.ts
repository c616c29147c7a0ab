// A scheduler for gateway tests: grants at once or holds requests in a queue the test releases,
// and hands out leases the test can revoke (preemption) and count releases of.
import type { ModelGate } from '../../src/gateway';
import type { ModelEntry } from '../../src/registry';
import type { AcquireOptions, Lease, RevocationListener } from '../../src/scheduler';

export class FakeLease implements Lease {
  readonly coldStart = false;
  readonly waitedMs = 0;
  released = 0;
  private readonly controller = new AbortController();
  private reason: Error | undefined;
  private readonly listeners: ((reason: Error) => void)[] = [];

  constructor(
    readonly id: string,
    readonly model: string,
    private readonly revocation?: RevocationListener,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  release(): void {
    this.released++;
  }

  abortReason(): Error | undefined {
    return this.reason;
  }

  onRevoked(listener: (reason: Error) => void): void {
    if (this.reason) listener(this.reason);
    else this.listeners.push(listener);
  }

  /** What the scheduler does on preemption. */
  revoke(reason: Error): void {
    this.reason = reason;
    this.controller.abort(reason);
    this.revocation?.leaseRevoked(reason);
    for (const l of this.listeners.splice(0)) l(reason);
  }
}

export interface QueuedAcquire {
  entry: ModelEntry;
  options: AcquireOptions & { priority: string };
  grant(): FakeLease;
}

export class FakeGate implements ModelGate {
  /** `ready`: every request is granted at once; `queue`: requests wait until the test grants them. */
  mode: 'ready' | 'queue' = 'ready';
  readonly leases: FakeLease[] = [];
  readonly queued: QueuedAcquire[] = [];
  readonly priorities: string[] = [];

  tryAcquire(entry: ModelEntry, priority: string, listener: RevocationListener): Lease | undefined {
    if (this.mode !== 'ready') return undefined;
    this.priorities.push(priority);
    return this.lease(entry, listener);
  }

  acquire(entry: ModelEntry, options: AcquireOptions & { priority: string }): Promise<Lease> {
    this.priorities.push(options.priority);
    return new Promise((resolve) => this.queued.push({ entry, options, grant: () => this.granted(this.lease(entry), resolve) }));
  }

  private granted(lease: FakeLease, resolve: (lease: Lease) => void): FakeLease {
    resolve(lease);
    return lease;
  }

  private lease(entry: ModelEntry, listener?: RevocationListener): FakeLease {
    const lease = new FakeLease(`lease-${this.leases.length + 1}`, `${entry.upstream}/${entry.upstreamModel}`, listener);
    this.leases.push(lease);
    return lease;
  }
}

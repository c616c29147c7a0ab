// The async facade over a fake ModelRuntime: leases, single-flight loads, aborts, preemption, admin ops.

import { describe, expect, it } from 'vitest';
import { GatewayError, ManualClock } from '../../../src/core';
import { Scheduler, type Footprint, type LoadProgress, type ModelRuntime, type SchedulerEvent, type SchedulerFacadeOptions } from '../../../src/scheduler';
import { GiB, spec } from './harness';

interface PendingLoad {
  model: string;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
  resolve: (value: { measured?: Footprint }) => void;
  reject: (error: unknown) => void;
}

class FakeRuntime implements ModelRuntime {
  readonly loads: PendingLoad[] = [];
  readonly unloads: string[] = [];
  load(model: string, signal: AbortSignal, onProgress: (fraction: number) => void): Promise<{ measured?: Footprint }> {
    return new Promise((resolve, reject) => this.loads.push({ model, signal, onProgress, resolve, reject }));
  }
  async unload(model: string): Promise<void> {
    this.unloads.push(model);
  }
}

/** Lets promise callbacks run; no timers involved. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(options: Partial<SchedulerFacadeOptions> = {}) {
  const clock = new ManualClock(0);
  const runtime = new FakeRuntime();
  const scheduler = new Scheduler({
    budgets: [{ id: 'ram', totalBytes: 32 * GiB, budgetBytes: 32 * GiB, reserveBytes: 0 }],
    models: [spec('a', 20, { parallel: 2 }), spec('b', 20, { priority: 'critical' })],
    runtime,
    clock,
    progressTickMs: 0,
    ...options,
  });
  return { clock, runtime, scheduler };
}

describe('Scheduler (async facade)', () => {
  it('resolves concurrent acquires from one load and reports progress to each waiter', async () => {
    const { runtime, scheduler } = setup();
    const events: LoadProgress[] = [];
    const p1 = scheduler.acquire('a', { onProgress: (e) => events.push(e) });
    const p2 = scheduler.acquire('a');
    await flush();
    expect(runtime.loads).toHaveLength(1);
    runtime.loads[0]!.onProgress(0.5);
    runtime.loads[0]!.resolve({ measured: { ram: 18 * GiB } });
    const [l1, l2] = await Promise.all([p1, p2]);
    expect(l1.coldStart && l2.coldStart).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['loading', 'loading', 'ready']);
    expect(events[1]).toMatchObject({ fraction: 0.5, estimated: false });
    expect(scheduler.snapshot().resources[0]!.usedBytes).toBe(18 * GiB);

    l1.release();
    l1.release();
    expect(scheduler.snapshot().inFlight).toBe(1);
    expect(l2.abortReason()).toBeUndefined();
  });

  it('rejects with GatewayError codes the gateway can render', async () => {
    const { runtime, scheduler } = setup();
    const p = scheduler.acquire('a');
    await flush();
    runtime.loads[0]!.reject(new Error('no such file'));
    await expect(p).rejects.toMatchObject({ code: 'model_load_failed', status: 503 });
    await expect(scheduler.acquire('missing')).rejects.toBeInstanceOf(GatewayError);
  });

  it('leaves the queue when the client disconnects while waiting', async () => {
    const { runtime, scheduler } = setup();
    const controller = new AbortController();
    const p = scheduler.acquire('a', { signal: controller.signal });
    controller.abort();
    await expect(p).rejects.toMatchObject({ code: 'client_closed_request', status: 499 });
    expect(scheduler.snapshot().queued).toBe(0);
    await flush();
    runtime.loads[0]!.resolve({});
    await flush();
    expect(scheduler.snapshot().inFlight).toBe(0);
  });

  it('releases a granted lease when the client disconnects mid-response', async () => {
    const { runtime, scheduler } = setup();
    const controller = new AbortController();
    const p = scheduler.acquire('a', { signal: controller.signal });
    await flush();
    runtime.loads[0]!.resolve({});
    await p;
    expect(scheduler.snapshot().inFlight).toBe(1);
    controller.abort();
    expect(scheduler.snapshot().inFlight).toBe(0);
  });

  it('aborts lease.signal with `preempted` when a more important request takes the memory', async () => {
    const { clock, runtime, scheduler } = setup({ preemption: { enabled: true, graceMs: 1_000 } });
    const p = scheduler.acquire('a', { priority: 'batch' });
    await flush();
    runtime.loads[0]!.resolve({});
    const lease = await p;
    const urgent = scheduler.acquire('b', { priority: 'critical' });
    clock.advance(1_000);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toMatchObject({ code: 'preempted', status: 503 });
    expect(lease.abortReason()).toBe(lease.signal.reason);
    lease.release();
    await flush();
    expect(runtime.unloads).toEqual(['a']);
    runtime.loads[1]!.resolve({});
    await expect(urgent).resolves.toMatchObject({ model: 'b' });
  });

  it('hands out a lease synchronously when nothing has to wait, and tells its listener of preemption', async () => {
    const { clock, runtime, scheduler } = setup({ preemption: { enabled: true, graceMs: 1_000 } });
    expect(scheduler.tryAcquire('a')).toBeUndefined(); // cold: the caller must acquire (and wait)
    expect(runtime.loads).toHaveLength(0);
    const warm = scheduler.acquire('a');
    await flush();
    runtime.loads[0]!.resolve({});
    (await warm).release();

    const heard: Error[] = [];
    const lease = scheduler.tryAcquire('a', 'batch', { leaseRevoked: (reason) => heard.push(reason) });
    expect(lease).toMatchObject({ model: 'a', coldStart: false, waitedMs: 0 });
    expect(scheduler.snapshot().inFlight).toBe(1);
    const urgent = scheduler.acquire('b', { priority: 'critical' });
    clock.advance(1_000);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ code: 'preempted' });
    expect(lease!.abortReason()).toBe(heard[0]);
    expect(lease!.signal.reason).toBe(heard[0]); // made after the fact, already aborted
    lease!.release();
    lease!.release();
    await flush();
    runtime.loads[1]!.resolve({});
    await expect(urgent).resolves.toMatchObject({ model: 'b' });
    expect(scheduler.snapshot().inFlight).toBe(1);
  });

  it('fails a load that takes longer than loadTimeoutMs and aborts the runtime call', async () => {
    const { clock, runtime, scheduler } = setup({ loadTimeoutMs: 30_000 });
    const p = scheduler.acquire('a');
    await flush();
    clock.advance(30_000);
    await expect(p).rejects.toMatchObject({ code: 'model_load_failed' });
    expect(runtime.loads[0]!.signal.aborted).toBe(true);
  });

  it('fails waiting requests and aborts loads on close', async () => {
    const { runtime, scheduler } = setup();
    const p = scheduler.acquire('a');
    await flush();
    scheduler.close();
    await expect(p).rejects.toMatchObject({ code: 'shutting_down' });
    expect(runtime.loads[0]!.signal.aborted).toBe(true);
  });

  it('offers admin load and unload', async () => {
    const { runtime, scheduler } = setup();
    const loading = scheduler.load('a');
    await flush();
    runtime.loads[0]!.resolve({});
    await loading;
    expect(scheduler.snapshot().models.find((m) => m.id === 'a')).toMatchObject({ state: 'ready', inFlight: 0 });
    await scheduler.unload('a');
    expect(runtime.unloads).toEqual(['a']);
    expect(scheduler.snapshot().models.find((m) => m.id === 'a')!.state).toBe('unloaded');
  });

  it('hands evictions to onEvent, and keeps scheduling when the listener throws', async () => {
    const events: SchedulerEvent[] = [];
    const { runtime, scheduler } = setup({
      onEvent: (e) => {
        events.push(e);
        throw new Error('audit sink down');
      },
    });
    const loading = scheduler.load('a');
    await flush();
    runtime.loads[0]!.resolve({});
    await loading;
    await scheduler.unload('a');
    expect(events.filter((e) => e.type !== 'load')).toEqual([
      { type: 'eviction', model: 'a', reason: 'manual', freed: { ram: 20 * GiB }, forModel: undefined },
    ]);
    expect(scheduler.snapshot().models.find((m) => m.id === 'a')!.state).toBe('unloaded');
  });

  it('reports each request it ends without a lease as a rejection with its reason', async () => {
    const events: SchedulerEvent[] = [];
    const { scheduler } = setup({ maxQueuePerModel: 1, onEvent: (e) => events.push(e) });
    const first = scheduler.acquire('a');
    const second = scheduler.acquire('a').catch((err: GatewayError) => err.code);
    expect(await second).toBe('queue_full');
    expect(events).toEqual([{ type: 'rejection', model: 'a', reason: 'queue_full' }]);
    scheduler.close();
    await first.catch(() => undefined);
    expect(events.at(-1)).toEqual({ type: 'rejection', model: 'a', reason: 'shutting_down' });
  });
});

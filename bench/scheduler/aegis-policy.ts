// Aegis in the simulator: the real SchedulerMachine, its Effects wired to the simulated world.

import { SchedulerMachine, type ModelSpec, type SchedulerEffects, type SchedulerOptions } from '../../src/scheduler';
import { NextUse } from './belady-policy';
import { soloLoadMs, type Policy, type SimEnv } from './env';
import type { SimRequest } from './workload';

export interface AegisPolicyOptions {
  /** Idle TTL for every model; undefined keeps the class defaults (10–60 min). */
  ttlMs?: number;
  /** Scheduler settings to try (the defaults are what ships). */
  overrides?: Partial<SchedulerOptions>;
}

export function aegisPolicy(options: AegisPolicyOptions = {}) {
  return (env: SimEnv): Policy => {
    const requests = new Map<string, SimRequest>();
    const bytes = new Map(env.trace.models.map((m) => [m.id, m.bytes]));
    const specs: ModelSpec[] = env.trace.models.map((m) => ({
      id: m.id,
      footprint: { ram: m.bytes },
      priority: m.priority,
      parallel: m.parallel,
      expectedLoadMs: soloLoadMs(m.bytes),
      ttlMs: options.ttlMs,
    }));
    const budget = env.trace.budgetBytes;
    // Bookkeeping for the bound's comparison only; no decision reads it.
    const lastLeft = new Map<string, string>();
    const nextUse = new NextUse(env.trace.requests);
    /** After the pass that evicted `victim`: did an idle model at least as large, needed later, stay? */
    const judgeEviction = (victim: string): void => {
      const at = env.clock.now();
      env.result.budgetEvictions += 1;
      const victimNext = nextUse.distance(victim, at);
      env.clock.setTimeout(() => {
        const stayed = machine.snapshot().models.filter((m) => m.state === 'ready' && m.inFlight === 0 && !m.draining && m.id !== victim);
        if (stayed.some((m) => bytes.get(m.id)! >= bytes.get(victim)! && nextUse.distance(m.id, at) > victimNext)) env.result.evictionsAgainstFuture += 1;
      }, 0);
    };
    const effects: SchedulerEffects = {
      startLoad: (model, loadId) => {
        env.loadStarted(machine.snapshot().resources[0]!.usedBytes, lastLeft.get(model) ?? 'first');
        env.load(bytes.get(model)!, () => machine.onLoadDone(model, loadId, { ok: true }));
      },
      startUnload: (model, unloadId) => env.unload(() => machine.onUnloadDone(model, unloadId)),
      grant: (grant) => {
        const req = requests.get(grant.requestId);
        if (!req || grant.loadOnly) return;
        env.granted(req);
        env.serve(req, () => machine.onRelease(req.id));
      },
      fail: (id, error) => env.failed(requests.get(id)!, error.code),
      revoke: (_id, error) => {
        env.result.failed[error.code] = (env.result.failed[error.code] ?? 0) + 1;
      },
      progress: () => undefined,
      report: (event) => {
        if (event.type !== 'eviction') return;
        lastLeft.set(event.model, event.reason);
        if (event.reason === 'budget') judgeEviction(event.model);
      },
    };
    const machine: SchedulerMachine = new SchedulerMachine({
      budgets: [{ id: 'ram', totalBytes: budget, budgetBytes: budget, reserveBytes: 0 }],
      clock: env.clock,
      effects,
      models: specs,
      progressTickMs: 0,
      ...options.overrides,
    });
    return {
      arrive: (req) => {
        requests.set(req.id, req);
        machine.onRequest({ id: req.id, model: req.model, priority: req.cls });
      },
    };
  };
}

// Aegis in the simulator: the real SchedulerMachine, its Effects wired to the simulated world.

import { SchedulerMachine, type ModelSpec, type SchedulerEffects, type SchedulerOptions } from '../../src/scheduler';
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
    const effects: SchedulerEffects = {
      startLoad: (model, loadId) => {
        env.loadStarted(machine.snapshot().resources[0]!.usedBytes);
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
      report: () => undefined,
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

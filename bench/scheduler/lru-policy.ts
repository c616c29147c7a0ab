// Baseline (a): plain LRU. Evicts least recently used idle instances until the model fits; no
// single-flight (a request that finds no ready instance starts its own load, lmstudio-bug-tracker#1751,
// llama-swap#281), no priorities, no aging; one FIFO queue. The runtime keeps one instance per model:
// a duplicate that finishes after another instance is ready is dropped (the sim has no CPU contention,
// so a second serving instance would be free extra capacity that a real workstation does not have).

import type { TimerHandle } from '../../src/core';
import { PATIENCE_MS, type Policy, type SimEnv } from './env';
import type { SimModel, SimRequest } from './workload';

interface Instance {
  model: SimModel;
  state: 'loading' | 'ready' | 'unloading';
  active: number;
  lastUsed: number;
}

interface Entry {
  req: SimRequest;
  startedLoad: boolean;
  deadline: TimerHandle;
}

const MAX_QUEUE_PER_MODEL = 64;
const MAX_QUEUE = 512;

export function lruPolicy() {
  return (env: SimEnv): Policy => {
    const models = new Map(env.trace.models.map((m) => [m.id, m]));
    const instances: Instance[] = [];
    let queue: Entry[] = [];
    const resident = (states: Instance['state'][]) => instances.filter((i) => states.includes(i.state)).reduce((s, i) => s + i.model.bytes, 0);

    const makeRoom = (bytes: number): 'now' | 'soon' | 'never' => {
      const free = env.trace.budgetBytes - resident(['loading', 'ready', 'unloading']);
      if (bytes <= free) return 'now';
      let soon = free + resident(['unloading']);
      if (bytes <= soon) return 'soon';
      const idle = instances.filter((i) => i.state === 'ready' && i.active === 0).sort((a, b) => a.lastUsed - b.lastUsed);
      if (soon + idle.reduce((s, i) => s + i.model.bytes, 0) < bytes) return 'never';
      for (const victim of idle) {
        if (soon >= bytes) break;
        victim.state = 'unloading';
        soon += victim.model.bytes;
        env.unload(() => {
          instances.splice(instances.indexOf(victim), 1);
          pump();
        });
      }
      return 'soon';
    };

    const pump = (): void => {
      for (const entry of [...queue]) {
        const model = models.get(entry.req.model)!;
        const ready = instances.filter((i) => i.model === model && i.state === 'ready');
        const slot = ready.find((i) => i.active < model.parallel);
        if (slot) {
          queue = queue.filter((e) => e !== entry);
          env.clock.clearTimeout(entry.deadline);
          slot.active += 1;
          slot.lastUsed = env.clock.now();
          env.granted(entry.req);
          env.serve(entry.req, () => {
            slot.active -= 1;
            slot.lastUsed = env.clock.now();
            pump();
          });
          continue;
        }
        if (entry.startedLoad || ready.length > 0) continue;
        if (makeRoom(model.bytes) !== 'now') continue;
        entry.startedLoad = true;
        const inst: Instance = { model, state: 'loading', active: 0, lastUsed: env.clock.now() };
        instances.push(inst);
        env.loadStarted(resident(['loading', 'ready', 'unloading']));
        env.load(model.bytes, () => {
          if (instances.some((i) => i.model === model && i.state === 'ready')) {
            inst.state = 'unloading'; // the wasted duplicate
            env.unload(() => {
              instances.splice(instances.indexOf(inst), 1);
              pump();
            });
            return;
          }
          inst.state = 'ready';
          pump();
        });
      }
    };

    return {
      arrive: (req) => {
        const perModel = queue.filter((e) => e.req.model === req.model).length;
        if (perModel >= MAX_QUEUE_PER_MODEL || queue.length >= MAX_QUEUE) return env.failed(req, 'queue_full');
        const entry: Entry = {
          req,
          startedLoad: false,
          deadline: env.clock.setTimeout(() => {
            queue = queue.filter((e) => e !== entry);
            env.failed(req, 'queue_timeout');
            pump();
          }, PATIENCE_MS[req.cls]),
        };
        queue.push(entry);
        pump();
      },
    };
  };
}

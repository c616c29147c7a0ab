// Baseline (b): Ollama's scheduler (server/sched.go). Requests for a loaded (or loading) model attach
// directly; everything else goes through one FIFO pending queue handled one request at a time, so a
// request that needs a load or an eviction blocks every load behind it. Victim: the runner with the
// shortest remaining keep_alive (idle first); keep_alive 5 min; optional OLLAMA_MAX_LOADED_MODELS.

import type { TimerHandle } from '../../src/core';
import { PATIENCE_MS, type Policy, type SimEnv } from './env';
import type { SimModel, SimRequest } from './workload';

const KEEP_ALIVE_MS = 5 * 60_000;
const MAX_QUEUE = 512; // OLLAMA_MAX_QUEUE

interface Entry {
  req: SimRequest;
  deadline?: TimerHandle;
  started: boolean;
}

interface Runner {
  model: SimModel;
  state: 'loading' | 'ready' | 'unloading';
  attached: Entry[];
  active: number;
  expiresAt: number;
  timer?: TimerHandle;
  /** Chosen as a victim while busy: unload as soon as the last request finishes. */
  expireWhenIdle: boolean;
}

export interface OllamaPolicyOptions {
  /** OLLAMA_MAX_LOADED_MODELS; 0 = limited by memory only. The CPU default is 3. */
  maxLoaded: number;
}

export function ollamaPolicy({ maxLoaded }: OllamaPolicyOptions) {
  return (env: SimEnv): Policy => {
    const models = new Map(env.trace.models.map((m) => [m.id, m]));
    const runners = new Map<string, Runner>();
    let pending: Entry[] = [];
    let blocked: 'load' | 'unload' | null = null; // what processPending is waiting for

    const used = () => [...runners.values()].reduce((s, r) => s + r.model.bytes, 0);
    const finish = (e: Entry) => {
      if (e.deadline !== undefined) env.clock.clearTimeout(e.deadline);
    };

    const startSlots = (r: Runner): void => {
      if (r.state !== 'ready') return;
      for (const e of r.attached) {
        if (r.active >= r.model.parallel) break;
        if (e.started) continue;
        e.started = true;
        finish(e);
        r.active += 1;
        env.granted(e.req);
        env.serve(e.req, () => {
          r.active -= 1;
          r.attached = r.attached.filter((x) => x !== e);
          idleCheck(r);
          startSlots(r);
        });
      }
    };

    const unload = (r: Runner): void => {
      if (r.timer !== undefined) env.clock.clearTimeout(r.timer);
      r.state = 'unloading';
      env.unload(() => {
        runners.delete(r.model.id);
        if (blocked === 'unload') blocked = null;
        processPending();
      });
    };

    const idleCheck = (r: Runner): void => {
      if (r.attached.length > 0 || r.state !== 'ready') return;
      if (r.expireWhenIdle) return unload(r);
      r.expiresAt = env.clock.now() + KEEP_ALIVE_MS;
      if (r.timer !== undefined) env.clock.clearTimeout(r.timer);
      r.timer = env.clock.setTimeout(() => r.attached.length === 0 && r.state === 'ready' && unload(r), KEEP_ALIVE_MS);
    };

    const attach = (r: Runner, e: Entry): void => {
      if (r.timer !== undefined) env.clock.clearTimeout(r.timer);
      r.timer = undefined;
      r.expiresAt = Infinity;
      r.attached.push(e);
      startSlots(r);
    };

    /** Shortest remaining keep_alive among idle runners; else a busy one (Ollama then waits for it). */
    const findRunnerToUnload = (): Runner | undefined => {
      const live = [...runners.values()].filter((r) => r.state === 'ready');
      const idle = live.filter((r) => r.attached.length === 0).sort((a, b) => a.expiresAt - b.expiresAt);
      return idle[0] ?? live.sort((a, b) => a.model.id.localeCompare(b.model.id))[0];
    };

    const evictOne = (): void => {
      const victim = findRunnerToUnload();
      if (!victim) return;
      blocked = 'unload';
      if (victim.attached.length === 0) unload(victim);
      else victim.expireWhenIdle = true;
    };

    const processPending = (): void => {
      while (!blocked && pending.length > 0) {
        const head = pending[0]!;
        const existing = runners.get(head.req.model);
        if (existing && existing.state !== 'unloading') {
          pending.shift();
          attach(existing, head);
          continue;
        }
        if (existing) return void (blocked = 'unload'); // wait for its unload, then reload
        const model = models.get(head.req.model)!;
        const loaded = [...runners.values()].length;
        if ((maxLoaded > 0 && loaded >= maxLoaded) || used() + model.bytes > env.trace.budgetBytes) {
          if (runners.size === 0) return; // cannot happen with models smaller than the budget
          return evictOne();
        }
        pending.shift();
        const r: Runner = { model, state: 'loading', attached: [], active: 0, expiresAt: Infinity, expireWhenIdle: false };
        runners.set(model.id, r);
        env.loadStarted(used());
        attach(r, head);
        blocked = 'load'; // "Block other requests until we get this pending request running"
        env.load(model.bytes, () => {
          r.state = 'ready';
          blocked = null;
          startSlots(r);
          idleCheck(r);
          processPending();
        });
      }
    };

    return {
      arrive: (req) => {
        const entry: Entry = { req, started: false };
        entry.deadline = env.clock.setTimeout(() => {
          pending = pending.filter((e) => e !== entry);
          for (const r of runners.values()) {
            if (!r.attached.includes(entry)) continue;
            r.attached = r.attached.filter((e) => e !== entry);
            idleCheck(r);
          }
          env.failed(req, 'queue_timeout');
        }, PATIENCE_MS[req.cls]);
        const r = runners.get(req.model);
        if (r && r.state !== 'unloading') return attach(r, entry); // fast path, joins a load in progress
        if (pending.length >= MAX_QUEUE) {
          finish(entry);
          return env.failed(req, 'queue_full');
        }
        pending.push(entry);
        processPending();
      },
    };
  };
}

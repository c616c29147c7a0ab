// Puts Aegis' scheduler between the gateway and the runtimes: one model spec per physical model
// (upstream + its model id), footprints from config, GGUF headers or the runtime's listing, loads
// and unloads through each upstream's ModelControl, and reconciliation with what is already loaded.
import { z } from 'zod';
import type { AegisConfig } from '../config';
import { GatewayError, type Clock, type Logger } from '../core';
import type { AdminOps, GatewayDeps, ModelGate } from '../gateway';
import { readGgufHeader, type FootprintEstimator, type ModelEntry } from '../registry';
import { estimateFootprint, expectedLoadMs, footprintFromBytes, resolveBudgets, Scheduler, type ModelSpec, type ResidentModel } from '../scheduler';
import type { Upstream } from '../upstreams';

const amount = z.union([z.string(), z.number()]);
export const schedulerConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ram: z.strictObject({ budget: amount.optional(), reserve: amount.optional() }).default({ budget: 0.75, reserve: '1GiB' }),
  gpus: z.array(z.strictObject({ totalBytes: z.number().positive(), budget: amount.optional(), reserve: amount.optional() })).default([]),
  preemption: z.strictObject({ enabled: z.boolean().default(false), graceMs: z.number().nonnegative().default(10_000) }).prefault({}),
  maxQueuePerModel: z.number().int().positive().optional(),
  maxQueueTotal: z.number().int().positive().optional(),
  maxConcurrentLoads: z.number().int().positive().optional(),
  loadTimeoutMs: z.number().int().positive().optional(),
  /** Footprint assumed for a model with no GGUF path, config figure or listed size. */
  unknownFootprintBytes: z.number().positive().default(2 * 2 ** 30),
  /** Load pinned models at start-up. */
  preloadPinned: z.boolean().default(true),
});
export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

export const physicalId = (e: { upstream: string; upstreamModel: string }) => `${e.upstream}/${e.upstreamModel}`;

/** Weights → resident bytes for a runtime-listed size: KV cache and runtime overhead on top. */
const listedSizeOverhead = 1.2;

/**
 * Slots when the entry names none: 1 for runtimes Aegis loads (their default: Ollama's
 * NUM_PARALLEL, llama-cpp-python, which even interrupts a running request for a new one), and
 * effectively unlimited for plain OpenAI-compatible servers, whose memory Aegis does not manage and
 * whose own scheduler (vLLM, llama-server --parallel) is better placed to batch.
 */
const uncontrolledParallel = 256;

/** The registry's footprint port (`models import`), answered by the scheduler's GGUF estimate. */
export const registryFootprintEstimate: FootprintEstimator = (header, { contextLength, parallel }) => {
  const est = estimateFootprint(header, { contextLength, parallel: parallel ?? 1 });
  return { ramBytes: est.footprint.ram ?? 0, vramBytes: 0, source: 'estimated' };
};

export async function specFor(entry: ModelEntry, cfg: SchedulerConfig, logger: Logger, controlled: boolean): Promise<ModelSpec> {
  const base = { id: physicalId(entry), priority: entry.priority, pinned: entry.pinned, parallel: entry.parallel ?? (controlled ? 1 : uncontrolledParallel), ttlMs: entry.ttlSeconds === undefined ? undefined : entry.ttlSeconds < 0 ? Infinity : entry.ttlSeconds * 1000 };
  // An operator's figure wins over measurements; one stored at `models import` time is only the
  // estimate again (measurements replace it).
  if (entry.footprint) {
    const fp = footprintFromBytes(entry.footprint);
    const footprintSource = entry.footprint.source === 'config' ? 'config' : 'estimate';
    return { ...base, footprint: fp, footprintSource, expectedLoadMs: expectedLoadMs(entry.footprint.ramBytes + entry.footprint.vramBytes) };
  }
  if (entry.path) {
    try {
      const est = estimateFootprint(await readGgufHeader(entry.path), { contextLength: entry.contextLength, parallel: entry.parallel ?? 1 });
      return { ...base, footprint: est.footprint, footprintSource: 'estimate', expectedLoadMs: expectedLoadMs(est.weightsBytes) };
    } catch (err) {
      logger.warn({ model: entry.name, err: (err as Error).message }, 'GGUF footprint estimate failed; using the default');
    }
  }
  const bytes = entry.sizeBytes ? entry.sizeBytes * listedSizeOverhead : cfg.unknownFootprintBytes;
  return { ...base, footprint: footprintFromBytes({ ramBytes: bytes }), footprintSource: 'estimate', expectedLoadMs: expectedLoadMs(bytes) };
}

export interface WiredScheduler {
  scheduler: Scheduler;
  /** Re-reads the catalog (after discovery or a config reload). */
  sync(): Promise<void>;
  reconcile(): Promise<void>;
  close(): void;
}

export async function wireScheduler(deps: GatewayDeps, config: AegisConfig, logger: Logger, clock: Clock): Promise<WiredScheduler | undefined> {
  const cfg = schedulerConfigSchema.parse(config.scheduler ?? {});
  if (!cfg.enabled) return undefined;
  const log = logger.child({ component: 'scheduler' });
  const byId = new Map<string, ModelEntry>();
  const upstreamOf = (id: string): { entry: ModelEntry; upstream: Upstream } => {
    const entry = byId.get(id);
    const upstream = entry && deps.upstreams.get(entry.upstream);
    if (!entry || !upstream) throw new GatewayError('model_not_found', `Model ${id} is no longer configured.`);
    return { entry, upstream };
  };
  const scheduler = new Scheduler({
    budgets: resolveBudgets({ ram: cfg.ram, gpus: cfg.gpus }),
    preemption: cfg.preemption,
    maxQueuePerModel: cfg.maxQueuePerModel,
    maxQueueTotal: cfg.maxQueueTotal,
    maxConcurrentLoads: cfg.maxConcurrentLoads,
    loadTimeoutMs: cfg.loadTimeoutMs,
    clock,
    logger: log,
    runtime: {
      async load(id, signal, onProgress) {
        const { entry, upstream } = upstreamOf(id);
        if (!upstream.control) return;
        log.info({ model: id }, 'loading model');
        const loaded = await upstream.control.load(entry, { signal, onProgress: (p) => p.fraction !== undefined && onProgress(p.fraction) });
        log.info({ model: id, ramBytes: loaded?.ramBytes, vramBytes: loaded?.vramBytes }, 'model loaded');
        return loaded?.ramBytes || loaded?.vramBytes ? { measured: footprintFromBytes({ ramBytes: loaded.ramBytes ?? 0, vramBytes: loaded.vramBytes ?? 0 }) } : undefined;
      },
      async unload(id) {
        const { entry, upstream } = upstreamOf(id);
        log.info({ model: id }, 'unloading model');
        await upstream.control?.unload(entry);
      },
    },
  });
  const sync = async () => {
    // Here rather than once at start: a config reload replaces upstream objects.
    for (const u of deps.upstreams.values()) if (u.control) u.schedulerOwnsLifetimes = true;
    const seen = new Set<string>();
    for (const entry of deps.catalog.list()) {
      const id = physicalId(entry);
      if (seen.has(id)) continue;
      seen.add(id);
      const known = byId.get(id);
      byId.set(id, entry);
      if (!known || known.path !== entry.path || JSON.stringify(known.footprint) !== JSON.stringify(entry.footprint) || known.priority !== entry.priority || known.pinned !== entry.pinned || known.ttlSeconds !== entry.ttlSeconds) {
        scheduler.setModel(await specFor(entry, cfg, log, Boolean(deps.upstreams.get(entry.upstream)?.control)));
      }
    }
  };
  const gate: ModelGate = {
    tryAcquire(entry, priority, listener) {
      const id = physicalId(entry);
      return byId.has(id) ? scheduler.tryAcquire(id, priority, listener) : undefined;
    },
    async acquire(entry, { priority, signal, onProgress }) {
      if (!byId.has(physicalId(entry))) await sync();
      return scheduler.acquire(physicalId(entry), {
        priority,
        signal,
        onProgress: (e) => onProgress?.(e.kind === 'ready' ? `model ${entry.name} ready` : `loading model ${entry.name}`, e.kind === 'loading' ? e.fraction : 1),
      });
    },
  };
  const admin: AdminOps = {
    ps: () => scheduler.snapshot(),
    load: async (entry) => {
      await sync();
      await scheduler.load(physicalId(entry));
      return scheduler.snapshot().models.find((m) => m.id === physicalId(entry));
    },
    unload: async (entry) => {
      await scheduler.unload(physicalId(entry));
      return scheduler.snapshot().models.find((m) => m.id === physicalId(entry));
    },
  };
  deps.scheduler = gate;
  deps.admin = admin;
  const reconcile = async () => {
    await sync();
    const resident: ResidentModel[] = [];
    for (const u of deps.upstreams.values()) {
      if (!u.control) continue;
      const loaded = await u.control.loaded().catch(() => []);
      for (const m of loaded) {
        const id = `${u.name}/${m.upstreamModel}`;
        if (byId.has(id)) resident.push({ model: id, footprint: m.ramBytes || m.vramBytes ? footprintFromBytes({ ramBytes: m.ramBytes ?? 0, vramBytes: m.vramBytes ?? 0 }) : undefined });
      }
    }
    if (resident.length > 0) log.info({ models: resident.map((r) => r.model) }, 'reconciled with models the runtimes already hold');
    scheduler.reconcile(resident);
    if (cfg.preloadPinned) for (const id of byId.keys()) if (byId.get(id)!.pinned) void scheduler.load(id).catch((err: Error) => log.warn({ model: id, err: err.message }, 'preloading a pinned model failed'));
  };
  return { scheduler, sync, reconcile, close: () => scheduler.close() };
}

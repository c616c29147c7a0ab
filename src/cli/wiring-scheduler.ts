// Puts Aegis' scheduler between the gateway and the runtimes: one model spec per physical model
// (upstream + its model id), footprints from config, GGUF headers or the runtime's listing, loads
// and unloads through each upstream's ModelControl, and reconciliation with what is already loaded.
import type { AegisConfig } from '../config';
import { GatewayError, type Clock, type Logger } from '../core';
import type { AdminOps, AuditSink, ModelGate } from '../gateway';
import { readGgufHeader, type FootprintEstimator, type ModelEntry } from '../registry';
import {
  estimateFootprint,
  footprintFromBytes,
  modelSpec,
  physicalId,
  resolveBudgets,
  Scheduler,
  upstreamTraits,
  type ModelSpec,
  type ResidentModel,
  type SchedulerConfig,
  type SchedulerEvent,
  type UpstreamTraits,
} from '../scheduler';
import type { RuntimeContext } from './runtime';
import type { Upstream } from '../upstreams';
import { schedulerAuditRecord } from './scheduler-audit';
import { schedulerMetrics, type ModelLabels } from './scheduler-metrics';

/** The registry's footprint port (`models import`), answered by the scheduler's GGUF estimate. */
export const registryFootprintEstimate: FootprintEstimator = (header, { contextLength, parallel }) => {
  const est = estimateFootprint(header, { contextLength, parallel: parallel ?? 1 });
  return { ramBytes: est.footprint.ram ?? 0, vramBytes: 0, source: 'estimated' };
};

/** The scheduler's spec for `entry`, reading its GGUF header when the estimate needs it. */
export async function specFor(entry: ModelEntry, cfg: SchedulerConfig, logger: Logger, traits: UpstreamTraits): Promise<ModelSpec> {
  if (entry.path && !entry.footprint) {
    try {
      return modelSpec(entry, cfg, traits, await readGgufHeader(entry.path));
    } catch (err) {
      logger.warn({ model: entry.name, err: (err as Error).message }, 'GGUF footprint estimate failed; using the default');
    }
  }
  return modelSpec(entry, cfg, traits);
}

export interface WiredScheduler {
  scheduler: Scheduler;
  /** The scheduler as the gateway's ModelGate port, and the admin operations on it. */
  gate: ModelGate;
  admin: AdminOps;
  /** Re-reads the catalog (after discovery or a config reload). */
  sync(): Promise<void>;
  reconcile(): Promise<void>;
  close(): void;
}

export async function wireScheduler(
  ctx: RuntimeContext,
  config: AegisConfig,
  logger: Logger,
  clock: Clock,
  audit: AuditSink | undefined,
): Promise<WiredScheduler | undefined> {
  const cfg = config.scheduler;
  if (!cfg.enabled) return undefined;
  const log = logger.child({ component: 'scheduler' });
  const byId = new Map<string, ModelEntry>();
  const upstreamOf = (id: string): { entry: ModelEntry; upstream: Upstream } => {
    const entry = byId.get(id);
    const upstream = entry && ctx.snapshot().upstreams.get(entry.upstream);
    if (!entry || !upstream) throw new GatewayError('model_not_found', `Model ${id} is no longer configured.`);
    return { entry, upstream };
  };
  /** Scheduler ids as metric labels: the public name and upstream of the entry behind the id. */
  const labelsOf: ModelLabels = (id) => {
    const entry = byId.get(id);
    if (entry) return { model: entry.name, upstream: entry.upstream };
    // A model a runtime held at start that the registry does not know.
    const slash = id.indexOf('/');
    return { model: slash < 0 ? id : id.slice(slash + 1), upstream: slash < 0 ? '' : id.slice(0, slash) };
  };
  let countEvent: ((event: SchedulerEvent) => void) | undefined;
  const scheduler = new Scheduler({
    budgets: resolveBudgets({ ram: cfg.ram, gpus: cfg.gpus }),
    preemption: cfg.preemption,
    maxQueuePerModel: cfg.maxQueuePerModel,
    maxQueueTotal: cfg.maxQueueTotal,
    maxConcurrentLoads: cfg.maxConcurrentLoads,
    loadTimeoutMs: cfg.loadTimeoutMs,
    clock,
    logger: log,
    onEvent: (event) => {
      const record = schedulerAuditRecord(event);
      if (record) audit?.(record);
      countEvent?.(event);
    },
    runtime: {
      async load(id, signal, onProgress) {
        const { entry, upstream } = upstreamOf(id);
        if (!upstream.control) return;
        log.info({ model: id }, 'loading model');
        const loaded = await upstream.control.load(entry, { signal, onProgress: (p) => p.fraction !== undefined && onProgress(p.fraction) });
        log.info({ model: id, ramBytes: loaded?.ramBytes, vramBytes: loaded?.vramBytes }, 'model loaded');
        return loaded?.ramBytes || loaded?.vramBytes
          ? { measured: footprintFromBytes({ ramBytes: loaded.ramBytes ?? 0, vramBytes: loaded.vramBytes ?? 0 }) }
          : undefined;
      },
      async unload(id) {
        const { entry, upstream } = upstreamOf(id);
        log.info({ model: id }, 'unloading model');
        await upstream.control?.unload(entry);
      },
    },
  });
  countEvent = schedulerMetrics(ctx.metrics, scheduler, labelsOf);
  // What each spec and pool was last built from: a spec is rebuilt (GGUF read) only when it changes.
  const specKeys = new Map<string, string>();
  const poolSizes = new Map<string, number>();
  const sync = async () => {
    // Here rather than once at start: a config reload replaces upstream objects.
    for (const u of ctx.snapshot().upstreams.values()) if (u.control) u.schedulerOwnsLifetimes = true;
    const seen = new Set<string>();
    for (const entry of ctx.snapshot().catalog.list()) {
      const id = physicalId(entry);
      if (seen.has(id)) continue;
      seen.add(id);
      byId.set(id, entry);
      const traits = upstreamTraits(entry, ctx.snapshot().upstreams.get(entry.upstream));
      const { pool } = traits;
      if (pool && poolSizes.get(pool.id) !== pool.size) {
        poolSizes.set(pool.id, pool.size);
        scheduler.setPool(pool.id, pool.size);
      }
      const key = JSON.stringify([entry.path, entry.footprint, entry.priority, entry.pinned, entry.ttlSeconds, entry.parallel, traits]);
      if (specKeys.get(id) === key) continue;
      specKeys.set(id, key);
      if (pool && entry.parallel !== undefined && entry.parallel > pool.size) {
        log.warn(
          { model: id, parallel: entry.parallel, connections: pool.size },
          'parallel exceeds the upstream connections: at most `connections` requests run at once',
        );
      }
      scheduler.setModel(await specFor(entry, cfg, log, traits));
    }
  };
  const gate: ModelGate = {
    tryAcquire(entry, priority, listener) {
      const id = physicalId(entry);
      return byId.has(id) ? scheduler.tryAcquire(id, priority, listener) : undefined;
    },
    async acquire(entry, options) {
      if (!byId.has(physicalId(entry))) await sync();
      return scheduler.acquire(physicalId(entry), options);
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
  const reconcile = async () => {
    await sync();
    const resident: ResidentModel[] = [];
    for (const u of ctx.snapshot().upstreams.values()) {
      if (!u.control) continue;
      const loaded = await u.control.loaded().catch(() => []);
      for (const m of loaded) {
        const id = `${u.name}/${m.upstreamModel}`;
        if (byId.has(id))
          resident.push({
            model: id,
            footprint: m.ramBytes || m.vramBytes ? footprintFromBytes({ ramBytes: m.ramBytes ?? 0, vramBytes: m.vramBytes ?? 0 }) : undefined,
          });
      }
    }
    if (resident.length > 0) log.info({ models: resident.map((r) => r.model) }, 'reconciled with models the runtimes already hold');
    scheduler.reconcile(resident);
    if (cfg.preloadPinned)
      for (const id of byId.keys())
        if (byId.get(id)!.pinned) void scheduler.load(id).catch((err: Error) => log.warn({ model: id, err: err.message }, 'preloading a pinned model failed'));
  };
  return { scheduler, gate, admin, sync, reconcile, close: () => scheduler.close() };
}

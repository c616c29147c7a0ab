// What /status.json answers: one typed document built from the ports the gateway has — the
// scheduler's snapshot (deps.admin.ps), upstream health (deps.health), the recording outbox
// (deps.recording), the catalog, and the metrics registry for per-model counts.
import type { ModelEntry } from '../../registry';
import { physicalId, type Footprint, type ModelState, type ResourceSnapshot } from '../../scheduler';
import type { GatewayDeps, RecordingState } from '../deps';
import type { RecentError } from './recent-errors';

export interface StatusModel {
  /** Public names served by this model (versions and entries that share one runtime model). */
  names: string[];
  /** The scheduler's id (`upstream/upstreamModel`). */
  id: string;
  upstream: string;
  /** `unmanaged` when no scheduler decides its lifetime (the runtime does). */
  state: ModelState | 'unmanaged';
  /** Fraction of the load in progress; null when not loading. */
  loadProgress: number | null;
  inFlight: number;
  queued: number;
  /** Requests it may serve at once (its parallel slots). */
  parallel: number | null;
  priority: string;
  pinned: boolean;
  /** Bytes counted per resource, and where they come from. */
  memory: Footprint;
  memorySource: 'estimate' | 'measured' | 'config' | null;
  ttlLeftMs: number | null;
  idleForMs: number | null;
  loads: number;
  /** Since the gateway started, from the metrics registry. */
  requests: number;
  errors: number;
}

export interface StatusDocument {
  at: number;
  startedAt: number;
  scheduler: { enabled: boolean; resources: ResourceSnapshot[]; unbudgeted: Footprint; inFlight: number; queued: number };
  models: StatusModel[];
  upstreams: { name: string; kind: string; up: boolean }[];
  recording: (RecordingState & { spoolOldestAgeSeconds: number | null }) | null;
  recentErrors: RecentError[];
}

interface Counts {
  requests: number;
  errors: number;
  inFlight: number;
}

/** Per public model name: requests and errors since start, and requests in flight now. */
function countsByModel(deps: GatewayDeps): Map<string, Counts> {
  const out = new Map<string, Counts>();
  const of = (model: string) => {
    let c = out.get(model);
    if (!c) out.set(model, (c = { requests: 0, errors: 0, inFlight: 0 }));
    return c;
  };
  for (const cell of deps.metrics.requests.all()) {
    const c = of(cell.labels.model ?? '');
    c.requests += cell.value;
    if (Number(cell.labels.status) >= 400) c.errors += cell.value;
  }
  for (const cell of deps.metrics.inFlight.all()) of(cell.labels.model ?? '').inFlight += cell.value;
  return out;
}

function sum(names: string[], counts: Map<string, Counts>, key: keyof Counts): number {
  return names.reduce((s, n) => s + (counts.get(n)?.[key] ?? 0), 0);
}

export async function statusDocument(deps: GatewayDeps, errors: RecentError[], startedAt: number): Promise<StatusDocument> {
  const snapshot = deps.snapshot();
  const counts = countsByModel(deps);
  const health: Record<string, boolean> = (await deps.health?.()) ?? {};
  const namesById = new Map<string, string[]>();
  const entries: ModelEntry[] = snapshot.catalog.current();
  for (const e of entries) {
    const id = physicalId(e);
    namesById.set(id, [...(namesById.get(id) ?? []), e.name]);
  }
  const ps = deps.admin?.ps();
  const models: StatusModel[] = ps
    ? ps.models.map((m) => {
        const names = namesById.get(m.id) ?? [m.id];
        return {
          names,
          id: m.id,
          upstream: m.id.slice(0, Math.max(0, m.id.indexOf('/'))),
          state: m.state,
          loadProgress: m.loadProgress,
          inFlight: m.inFlight,
          queued: m.queued,
          parallel: m.parallel,
          priority: m.priority,
          pinned: m.pinned,
          memory: m.footprint.counted,
          memorySource: m.footprint.source,
          ttlLeftMs: m.ttlLeftMs,
          idleForMs: m.idleForMs,
          loads: m.loads,
          requests: sum(names, counts, 'requests'),
          errors: sum(names, counts, 'errors'),
        };
      })
    : [...namesById].map(([id, names]) => {
        const entry = entries.find((e) => physicalId(e) === id)!;
        return {
          names,
          id,
          upstream: entry.upstream,
          state: 'unmanaged' as const,
          loadProgress: null,
          inFlight: sum(names, counts, 'inFlight'),
          queued: 0,
          parallel: entry.parallel ?? null,
          priority: entry.priority,
          pinned: entry.pinned,
          memory: {},
          memorySource: null,
          ttlLeftMs: null,
          idleForMs: null,
          loads: 0,
          requests: sum(names, counts, 'requests'),
          errors: sum(names, counts, 'errors'),
        };
      });
  const recording = deps.recording?.();
  const now = deps.clock.now();
  return {
    at: now,
    startedAt,
    scheduler: {
      enabled: ps !== undefined,
      resources: ps?.resources ?? [],
      unbudgeted: ps?.unbudgeted ?? {},
      inFlight: ps?.inFlight ?? models.reduce((s, m) => s + m.inFlight, 0),
      queued: ps?.queued ?? 0,
    },
    models,
    upstreams: [...snapshot.upstreams.values()].map((u) => ({ name: u.name, kind: u.kind, up: health[u.name] ?? false })),
    recording: recording
      ? {
          mode: recording.mode,
          storeUp: recording.storeUp,
          queueDepth: recording.queueDepth,
          spoolBytes: recording.spoolBytes,
          spoolSegments: recording.spoolSegments,
          spoolOldestAt: recording.spoolOldestAt,
          spoolOldestAgeSeconds: recording.spoolOldestAt === undefined ? null : Math.max(0, (now - recording.spoolOldestAt) / 1000),
        }
      : null,
    recentErrors: errors,
  };
}

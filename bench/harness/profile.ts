// Reads a V8 .cpuprofile (from `node --cpu-prof`) and names the hot spots: self time per function,
// and inclusive time per Aegis source file and per package, each counted once per sample.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  /** µs on the monotonic clock `process.hrtime` reads (the same in every process of the machine). */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  /** Where: a repo-relative path with line, a package, or a V8 pseudo-frame. */
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples that were idle (the event loop waiting): low means the process was saturated. */
  idlePercent: number;
  topSelf: HotSpot[];
  /** Inclusive time per src/ file (the time spent in or below its functions). */
  aegisFiles: HotSpot[];
  /** Self time grouped by package / area. */
  areas: HotSpot[];
}

/** Node's own modules, split by what they do (a single "node core" bucket says little). */
const NODE_AREAS: [RegExp, string][] = [
  [/^node:internal\/deps\/undici/, 'node: fetch Request/Response/Headers'],
  [/^node:internal\/webstreams/, 'node: web streams'],
  [/^node:(_http|http|internal\/http)/, 'node: http'],
  [/^node:(net|internal\/stream_base|internal\/net|internal\/tcp)/, 'node: sockets'],
  [/^node:(stream|internal\/streams)/, 'node: streams'],
  [/^node:internal\/(abort_controller|event_target)|^node:events/, 'node: AbortSignal / events'],
  [/^node:internal\/(worker|per_context\/domexception)/, 'node: structured clone / transfer'],
  [/^node:(crypto|internal\/crypto)/, 'node: crypto'],
  [/^node:internal\/(timers|process\/task_queues)|^node:timers/, 'node: timers / task queues'],
];

function locate(url: string, repoRoot: string): { area: string; file: string } {
  if (!url) return { area: 'V8 / native', file: '' };
  if (url.startsWith('wasm:')) return { area: 'OPA wasm (policy)', file: url.replace(/-[0-9a-f]+$/, '') };
  if (url.startsWith('node:')) return { area: NODE_AREAS.find(([re]) => re.test(url))?.[1] ?? 'node: other', file: url };
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (pkg) return { area: pkg[1]!, file: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length) };
  const rel = relative(repoRoot, path);
  if (!rel.startsWith('..')) return { area: rel.startsWith('src/') ? `aegis ${rel.split('/').slice(0, 2).join('/')}` : rel, file: rel };
  return { area: 'other', file: path };
}

function spots(map: Map<string, { name: string; where: string; ms: number }>, total: number, limit: number): HotSpot[] {
  return [...map.values()]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit)
    .map((s) => ({ ...s, percent: (100 * s.ms) / total }));
}

/** A stretch of the profile by `process.hrtime` µs (the profiler's clock), e.g. one saturation run. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Keeps the samples inside `w`. */
function cut(profile: CpuProfile, w: ProfileWindow): void {
  let t = profile.startTime;
  const samples: number[] = [];
  const deltas: number[] = [];
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= w.fromUs && t <= w.toUs) {
      samples.push(id);
      deltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  profile.samples = samples;
  profile.timeDeltas = deltas;
}

/**
 * `lastMs` keeps only the samples of the profile's final stretch (the saturation run), leaving out
 * startup (module loading, transpiling) and the warm-up; `window` keeps one stretch by time.
 */
export function summarizeProfile(
  file: string,
  repoRoot: string,
  { limit = 15, lastMs = Infinity, window }: { limit?: number; lastMs?: number; window?: ProfileWindow } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (window) cut(profile, window);
  else if (Number.isFinite(lastMs)) {
    const at: number[] = [];
    let t = 0;
    for (const dt of profile.timeDeltas) at.push((t += dt));
    const from = t - lastMs * 1_000;
    const keep = at.findIndex((x) => x >= from);
    profile.samples = profile.samples.slice(keep);
    profile.timeDeltas = profile.timeDeltas.slice(keep);
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    self.set(id, (self.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const total = totalUs / 1_000;

  const bySelf = new Map<string, { name: string; where: string; ms: number }>();
  const byArea = new Map<string, { name: string; where: string; ms: number }>();
  let idle = 0;
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id)!;
    const loc = locate(f.url, repoRoot);
    const name = f.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    const where = loc.file ? `${loc.file}:${f.lineNumber + 1}` : loc.area;
    const key = `${name}@${where}`;
    const e = bySelf.get(key) ?? { name, where, ms: 0 };
    e.ms += us / 1_000;
    bySelf.set(key, e);
    // V8's pseudo-frames ((garbage collector), (program), (idle)) have no URL; keep them apart.
    const areaName = !f.url && name.startsWith('(') ? name : loc.area;
    const a = byArea.get(areaName) ?? { name: areaName, where: '', ms: 0 };
    a.ms += us / 1_000;
    byArea.set(areaName, a);
  }

  // Inclusive time per Aegis file: walk each sample's stack once, counting each file once.
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  profile.samples.forEach((leaf, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0) / 1_000;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const loc = locate(byId.get(id)!.callFrame.url, repoRoot);
      if (loc.file.startsWith('src/')) seen.add(loc.file);
    }
    for (const f of seen) {
      const e = inclusive.get(f) ?? { name: f, where: f, ms: 0 };
      e.ms += dt;
      inclusive.set(f, e);
    }
  });

  return {
    totalMs: total,
    idlePercent: total ? (100 * idle) / 1_000 / total : 0,
    topSelf: spots(bySelf, total, limit).filter((s) => s.name !== '(idle)'),
    aegisFiles: spots(inclusive, total, limit),
    areas: spots(byArea, total, limit),
  };
}

/**
 * The pipeline's stages (src/gateway/pipeline.ts) as profile frames: a sample belongs to the stage of
 * the innermost frame on its stack that matches one (so the work `authMiddleware` starts through
 * `next()` is the later stages', not authentication's). Async functions resumed after an await
 * appear under their own name, so a stage's continuations count too; work a stage leaves to a later
 * tick (undici writing the socket, the recorder's per-turn flush) counts where it runs.
 */
export const STAGE_FRAMES: { stage: string; name: RegExp; file: RegExp }[] = [
  { stage: '0 request id (middleware)', name: /^requestIdMiddleware$/, file: /^src\/gateway\/middleware\/request-id\.ts$/ },
  { stage: '1 parse (body, schema)', name: /^(readJsonBody|readIncoming|readLimited|deeperThan)$/, file: /^src\/gateway\/body\.ts$/ },
  { stage: '2 authenticate', name: /^authMiddleware$/, file: /^src\/gateway\/middleware\/auth\.ts$/ },
  { stage: '3 resolve', name: /^(resolveTarget|resolveModel)$/, file: /^src\/gateway\/stages\/resolve\.ts$/ },
  { stage: '4 authorize (policy)', name: /^authorize$/, file: /^src\/gateway\/stages\/authorize\.ts$/ },
  { stage: '4a MCP tools', name: /^mcpTools$/, file: /^src\/gateway\/stages\/mcp-tools\.ts$/ },
  { stage: '5 fit context', name: /^fitContext$/, file: /^src\/gateway\/stages\/fit-context\.ts$/ },
  { stage: '5 fit context', name: /./, file: /^src\/gateway\/context\/fit-chat\.ts$/ },
  { stage: '5 fit context', name: /^(fitCounted|fitQuick|fitRequest)$/, file: /^src\/context\// },
  { stage: '6 prepare tools', name: /^prepareTools$/, file: /^src\/gateway\/stages\/prepare-tools\.ts$/ },
  { stage: '6b admit', name: /^admit$/, file: /^src\/gateway\/stages\/admit\.ts$/ },
  { stage: '7 acquire lease', name: /^(acquireLease|queue)$/, file: /^src\/gateway\/stages\/acquire\.ts$/ },
  { stage: '8 call model (and the upstream client)', name: /^callModel$/, file: /^src\/gateway\/stages\/call-model\.ts$/ },
  // The upstream client's own continuations (reading the answer) run after callModel's frame is gone.
  { stage: '8 call model (and the upstream client)', name: /./, file: /^src\/upstreams\// },
  { stage: '9 transform', name: /^(transform|render)$/, file: /^src\/gateway\/stages\/transform\.ts$/ },
  { stage: '10 tool loop', name: /^toolLoop$/, file: /^src\/gateway\/stages\/tool-loop\.ts$/ },
  { stage: '11 respond', name: /^(respond|jsonResponse)$/, file: /^src\/gateway\/respond\.ts$/ },
  { stage: '11 finish (lease, sinks)', name: /^finish$/, file: /^src\/gateway\/exchange\/exchange\.ts$/ },
  { stage: '12 record (per event-loop turn)', name: /./, file: /^src\/(cli\/wiring-rag\.ts|rag\/)/ },
];
export const GLUE_STAGE = 'other Aegis code (routes, exchange, middleware)';
export const OUTSIDE_STAGE = 'outside Aegis frames (HTTP server, Hono, undici, GC, …)';

export interface StageCost {
  /** The request shape profiled (chat = the common case). */
  shape: string;
  requests: number;
  /** Requests that failed in the window, and what one request answered after it (their costs are the error path's). */
  failed?: number;
  failure?: string;
  seconds: number;
  /** Busy (non-idle) µs of the profiled process per request. */
  busyUsPerRequest: number;
  stages: { stage: string; usPerRequest: number; percent: number }[];
}

export interface ProfileSegment extends ProfileWindow {
  shape: string;
  /** Requests answered 2xx in the window. */
  requests: number;
  failed?: number;
  failure?: string;
}

/** µs per request by stage in each segment of the profile (one saturation run of one request shape each). */
export function stageCosts(file: string, repoRoot: string, segments: ProfileSegment[]): StageCost[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const stageOf = (leaf: number): string => {
    const known = memo.get(leaf);
    if (known) return known;
    let stage = '';
    let aegis = false;
    for (let id: number | undefined = leaf; id !== undefined && !stage; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const loc = locate(f.url, repoRoot);
      if (!loc.file.startsWith('src/')) continue;
      aegis = true;
      stage = STAGE_FRAMES.find((s) => s.file.test(loc.file) && s.name.test(f.functionName))?.stage ?? '';
    }
    const name = byId.get(leaf)!.callFrame.functionName;
    const result = stage || (aegis ? GLUE_STAGE : name === '(idle)' ? '(idle)' : OUTSIDE_STAGE);
    memo.set(leaf, result);
    return result;
  };
  const times: number[] = [];
  let t = profile.startTime;
  for (const dt of profile.timeDeltas) times.push((t += dt));
  const order = [...new Set(STAGE_FRAMES.map((s) => s.stage)), GLUE_STAGE, OUTSIDE_STAGE];
  return segments.map((seg) => {
    const us = new Map<string, number>();
    let busy = 0;
    profile.samples.forEach((id, i) => {
      const at = times[i]!;
      if (at < seg.fromUs || at > seg.toUs) return;
      const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
      const stage = stageOf(id);
      if (stage === '(idle)') return;
      busy += dt;
      us.set(stage, (us.get(stage) ?? 0) + dt);
    });
    const per = (x: number) => (seg.requests > 0 ? x / seg.requests : Number.NaN);
    return {
      shape: seg.shape,
      requests: seg.requests,
      failed: seg.failed,
      failure: seg.failure,
      seconds: (seg.toUs - seg.fromUs) / 1e6,
      busyUsPerRequest: per(busy),
      stages: order.map((stage) => ({ stage, usPerRequest: per(us.get(stage) ?? 0), percent: busy ? (100 * (us.get(stage) ?? 0)) / busy : 0 })),
    };
  });
}

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

/**
 * `lastMs` keeps only the samples of the profile's final stretch (the saturation run), leaving out
 * startup (module loading, transpiling) and the warm-up.
 */
export function summarizeProfile(file: string, repoRoot: string, { limit = 15, lastMs = Infinity } = {}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (Number.isFinite(lastMs)) {
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

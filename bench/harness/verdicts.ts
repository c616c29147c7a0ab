// The issue-7 targets (and issue 22's, for the front doors) checked against one run: each with its measured value, the threshold, and by
// how much it was missed. Thresholds live here, next to where they are judged.
import { short } from './markdown';
import { addedPerRound, maxRps, measured, medianOf, skippedWhy, type FixedRatePoint, type RunResults } from './results';
import { isStageTarget, processOf, type TargetId } from './targets';

export interface Verdict {
  target: string;
  value: number;
  unit: string;
  threshold: string;
  pass: boolean | undefined;
  /** "missed by …" or why it could not be judged. */
  note: string;
}

/** Adds a remark after whatever the verdict already says. */
function addNote(v: Verdict, text: string): void {
  v.note = v.note ? `${v.note}; ${text}` : text;
}

const MB_IN_MIB = 1e6 / 2 ** 20;

function judge(target: string, value: number, unit: string, op: '≤' | '≥', limit: number, thresholdText: string, digits = 2): Verdict {
  if (!Number.isFinite(value)) return { target, value, unit, threshold: thresholdText, pass: undefined, note: 'not measured' };
  const pass = op === '≤' ? value <= limit : value >= limit;
  const by = op === '≤' ? value - limit : limit - value;
  const rel = limit !== 0 ? ` (${((100 * by) / Math.abs(limit)).toFixed(0)} %)` : '';
  return { target, value, unit, threshold: thresholdText, pass, note: pass ? '' : `missed by ${by.toFixed(digits)} ${unit}${rel}` };
}

export function verdicts(r: RunResults): Verdict[] {
  const out: Verdict[] = [];
  const full = maxRps(r, 'aegis-full').median;
  const thin = maxRps(r, 'thin').median;
  const portkey = maxRps(r, 'portkey').median;
  // Per CPU-second of the target: what a shared box's other processes cannot take away.
  const perCore = (id: TargetId) => medianOf(r.saturation[id], (x) => x.rps / x.targetCores);
  const withPerCore = (v: Verdict, other: TargetId) => {
    const q = perCore('aegis-full') / perCore(other);
    if (Number.isFinite(q)) addNote(v, `per CPU-second: ${q.toFixed(2)}×`);
    return v;
  };
  out.push(withPerCore(judge('Max RPS, Aegis full / thin pass-through', full / thin, '×', '≥', 0.5, '≥ 0.50×'), 'thin'));
  const pk = withPerCore(judge('Max RPS, Aegis full / Portkey', full / portkey, '×', '≥', 5, '≥ 5×', 1), 'portkey');
  if (!Number.isFinite(portkey)) pk.note = skippedWhy(r.saturation.portkey) ?? 'Portkey not measured';
  out.push(pk);

  const quarter = r.fixedRates.find((p) => p.spec === 0.25);
  const why = quarter ? skippedWhy(quarter.rounds['aegis-full']) : 'no 25 % rate point in --rates';
  const p50 = quarter ? addedPerRound(quarter.rounds['aegis-full'], quarter.rounds.direct, (x) => x.latency.p50) : Number.NaN;
  const p99 = quarter ? addedPerRound(quarter.rounds['aegis-full'], quarter.rounds.direct, (x) => x.latency.p99) : Number.NaN;
  // The closest figure that exists: the absolute-rate point (500 RPS by default).
  const low = r.fixedRates.find((p) => p.spec > 1);
  const lowAdded = (pct: 'p50' | 'p99') => (low ? addedPerRound(low.rounds['aegis-full'], low.rounds.direct, (x) => x.latency[pct]) : Number.NaN);
  const nearest =
    low && Number.isFinite(lowAdded('p50')) ? `; at ${low.rate} RPS it adds ${lowAdded('p50').toFixed(3)} ms p50 / ${lowAdded('p99').toFixed(3)} ms p99` : '';
  // The floor at that rate: what the thin pass-through adds there, and direct's own tail (the
  // load generator's core), so a reader can tell a gateway's miss from the machine's.
  const thinAdded = (pct: 'p50' | 'p99') => (quarter ? addedPerRound(quarter.rounds.thin, quarter.rounds.direct, (x) => x.latency[pct]) : Number.NaN);
  const directP99 = quarter ? medianOf(quarter.rounds.direct, (x) => x.latency.p99) : Number.NaN;
  const floor = Number.isFinite(thinAdded('p50'))
    ? `; the thin pass-through adds ${thinAdded('p50').toFixed(3)} ms p50 / ${thinAdded('p99').toFixed(3)} ms p99 at ${quarter!.rate} RPS (direct's own p99 there: ${directP99.toFixed(3)} ms)`
    : '';
  // A rate the gateway cannot carry at all is a miss, not a missing figure.
  const overCapacity = quarter !== undefined && why?.startsWith('above') === true;
  for (const v of [
    judge("Added latency p50 at 25 % of direct's max (superseded by issue 28)", p50, 'ms', '≤', 0.5, '≤ 0.5 ms', 3),
    judge("Added latency p99 at 25 % of direct's max (superseded by issue 28)", p99, 'ms', '≤', 2, '≤ 2 ms', 3),
  ]) {
    if (v.pass === undefined && why)
      v.note = overCapacity ? `25 % of direct's max is ${quarter!.rate} RPS, ${why}: Aegis full cannot carry that load${nearest}${floor}` : why;
    if (overCapacity) v.pass = false;
    out.push(v);
  }

  const ttft = addedPerRound(r.streaming['aegis-full'], r.streaming.direct, (x) => x.ttft.p50);
  const gap = addedPerRound(r.streaming['aegis-full'], r.streaming.direct, (x) => x.gap.p50);
  out.push(judge('Streaming: added TTFT p50', ttft, 'ms', '≤', 1, '≤ 1 ms', 3));
  out.push(judge('Streaming: added inter-token gap p50', gap, 'ms', '≤', 0.1, '≤ 0.1 ms', 3));

  const hold = r.hold['aegis-full'];
  if (!hold || 'skipped' in hold) {
    out.push({ target: '1,000 open streams', value: Number.NaN, unit: '', threshold: '', pass: undefined, note: hold ? hold.skipped : 'not measured' });
    return out;
  }
  out.push(judge(`${hold.streams} open streams: peak RSS`, hold.rssMaxMiB, 'MiB', '≤', 300 * MB_IN_MIB, '≤ 300 MB (286 MiB)', 1));
  out.push(judge(`${hold.streams} open streams: errors`, hold.load.errors, 'errors', '≤', 0, '0', 0));
  const growth = judge(
    `${hold.streams} open streams: RSS growth, last ${Math.round(hold.seconds / 120)} min of the ${Math.round(hold.seconds / 60)}-min hold`,
    hold.rssSlopeMiBPerMin,
    'MiB/min',
    '≤',
    1,
    '≤ 1 MiB/min (no growth)',
    2,
  );
  if (Number.isFinite(hold.rssSlopeWholeMiBPerMin))
    addNote(growth, `whole window ${hold.rssSlopeWholeMiBPerMin.toFixed(1)} MiB/min, ${hold.rssStartMiB.toFixed(0)} → ${hold.rssEndMiB.toFixed(0)} MiB`);
  if (hold.seconds < 120) {
    growth.pass = undefined;
    growth.note = `not judged: a ${hold.seconds} s hold is too short to tell growth from warm-up (default 10 min)`;
  } else if (hold.seconds < 600) addNote(growth, `hold ${hold.seconds} s (target: 10 min, the last 5 judged)`);
  out.push(growth);
  out.push(judge(`${hold.streams} open streams: all held open`, hold.minOpen, 'streams', '≥', hold.streams, `${hold.streams} open throughout`, 0));
  return out;
}

/** For missed targets: what the profile says (its top areas and functions), in one line. */
export function profileHint(r: RunResults): string {
  const p = r.profile;
  if (!p || p.error) return 'no profile';
  const busy = p.areas.filter((a) => a.name !== '(idle)');
  if (busy.length === 0) return 'the profile has no busy samples';
  const areas = busy.slice(0, 5).map((a) => `${a.name} ${a.percent.toFixed(1)} %`);
  const fns = p.topSelf.slice(0, 3).map((f) => `${short(f.name, 60)} (${f.where}) ${f.percent.toFixed(1)} %`);
  // Files that wrap the whole request (routes, pipeline, request-id) say nothing about where it goes.
  const wrappers = /^src\/gateway\/(routes\/|pipeline\.ts|app\.ts|middleware\/request-id\.ts)/;
  const stages = p.aegisFiles
    .filter((f) => !wrappers.test(f.name))
    .slice(0, 6)
    .map((f) => `${f.name} ${f.percent.toFixed(1)} %`);
  return `CPU by area: ${areas.join(', ')}. Aegis code, inclusive: ${stages.join(', ')}. Top functions: ${fns.join('; ')}.`;
}

/** Aegis full's door targets in this run beside chat (their baseline), in report order. */
export function doorTargets(r: RunResults): TargetId[] {
  return r.targets.map((t) => t.id).filter((id) => id !== 'aegis-full' && processOf(id) === 'aegis-full' && !isStageTarget(id));
}

/** Aegis full's wave-2 stage shapes in this run (issue 28). */
export function stageTargets(r: RunResults): TargetId[] {
  return r.targets.map((t) => t.id).filter(isStageTarget);
}

/**
 * The wave-1 figure the common case is held to (issue 28: within 5 %): the last full run of
 * 2026-12-04, the newest full run before the wave-2 stages (context, tools, MCP) landed.
 */
export const WAVE1 = { run: 'bench/results/2026-12-04-757f74d.md', rps: 5_671, perCpuSecond: 5_715, overThin: 0.55 } as const;

/** Issue 28's rows: latency over thin at Aegis full's own rates, TTFT over thin, the stage shapes' max RPS. */
export function issue28Verdicts(r: RunResults): Verdict[] {
  const out: Verdict[] = [];
  for (const p of r.ownRates ?? []) {
    const pct = `${Math.round(p.spec * 100)} %`;
    const over = (base: TargetId, q: 'p50' | 'p99') => addedPerRound(p.rounds['aegis-full'], p.rounds[base], (x) => x.latency[q]);
    for (const [q, limit] of [
      ['p50', 0.15],
      ['p99', 0.5],
    ] as const) {
      const v = judge(`Added ${q} over thin at ${pct} of Aegis full's max (${p.rate} RPS)`, over('thin', q), 'ms', '≤', limit, `≤ ${limit} ms`, 3);
      const thinOverDirect = addedPerRound(p.rounds.thin, p.rounds.direct, (x) => x.latency[q]);
      addNote(v, `over direct ${over('direct', q).toFixed(3)} ms (thin over direct ${thinOverDirect.toFixed(3)} ms)`);
      if (v.pass === undefined) v.note = skippedWhy(p.rounds['aegis-full']) ?? skippedWhy(p.rounds.thin) ?? 'thin or Aegis full not measured at this rate';
      out.push(v);
    }
  }
  if (!r.ownRates?.length)
    out.push({ target: "Added latency at Aegis full's own rates", value: Number.NaN, unit: 'ms', threshold: '', pass: undefined, note: 'not measured' });
  const stream = (id: TargetId, base: TargetId, f: (x: { ttft: { p50: number }; gap: { p50: number } }) => number) =>
    addedPerRound(r.streaming[id], r.streaming[base], f);
  const ttft = judge(
    'Streaming: TTFT p50 over thin',
    stream('aegis-full', 'thin', (x) => x.ttft.p50),
    'ms',
    '≤',
    0.3,
    '≤ 0.3 ms',
    3,
  );
  addNote(
    ttft,
    `over direct ${stream('aegis-full', 'direct', (x) => x.ttft.p50).toFixed(3)} ms (thin over direct ${stream('thin', 'direct', (x) => x.ttft.p50).toFixed(3)} ms)`,
  );
  out.push(ttft);
  const gap = judge(
    'Streaming: inter-token overhead p50 (over direct)',
    stream('aegis-full', 'direct', (x) => x.gap.p50),
    'ms',
    '≤',
    0.1,
    '≤ 0.1 ms',
    3,
  );
  addNote(gap, `over thin ${stream('aegis-full', 'thin', (x) => x.gap.p50).toFixed(3)} ms`);
  out.push(gap);

  const thin = maxRps(r, 'thin').median;
  const portkey = maxRps(r, 'portkey').median;
  const perCore = (id: TargetId) => medianOf(r.saturation[id], (x) => x.rps / x.targetCores);
  const full = maxRps(r, 'aegis-full').median;
  const common = judge('Max RPS, common case (no tools, short context) / wave 1', full / WAVE1.rps, '×', '≥', 0.95, '≥ 0.95× (within 5 %)');
  addNote(
    common,
    `${Number.isFinite(full) ? full.toFixed(0) : '–'} vs ${WAVE1.rps} RPS (${WAVE1.run}); per CPU-second ${(perCore('aegis-full') / WAVE1.perCpuSecond).toFixed(2)}× wave 1's ${WAVE1.perCpuSecond}; / thin ${(full / thin).toFixed(2)}× (wave 1: ${WAVE1.overThin}×)`,
  );
  out.push(common);
  const shapes: [TargetId, string][] = [
    ['aegis-full', 'common case'],
    ...stageTargets(r).map((id): [TargetId, string] => [id, id === 'aegis-fit' ? '30-turn conversation fitted' : 'tools request (emulated)']),
  ];
  for (const [id, name] of shapes) {
    const rps = maxRps(r, id).median;
    const why = skippedWhy(r.saturation[id]) ?? r.targets.find((t) => t.id === id)?.failure;
    const vThin = judge(`Max RPS, ${name} / thin`, rps / thin, '×', '≥', 0.5, '≥ 0.50×');
    const q = perCore(id) / perCore('thin');
    if (Number.isFinite(q)) addNote(vThin, `per CPU-second: ${q.toFixed(2)}×`);
    if (vThin.pass === undefined) vThin.note = why ?? (Number.isFinite(thin) ? 'not measured' : 'thin not measured');
    out.push(vThin);
    const vPk = judge(`Max RPS, ${name} / Portkey`, rps / portkey, '×', '≥', 6, '≥ 6×', 1);
    const qp = perCore(id) / perCore('portkey');
    if (Number.isFinite(qp)) addNote(vPk, `per CPU-second: ${qp.toFixed(1)}×`);
    if (vPk.pass === undefined) vPk.note = why ?? skippedWhy(r.saturation.portkey) ?? 'Portkey not measured';
    out.push(vPk);
  }
  const hold = r.hold['aegis-full'];
  if (hold && !('skipped' in hold)) {
    const growth = judge(`${hold.streams} open streams: RSS growth (issue 28)`, hold.rssSlopeMiBPerMin, 'MiB/min', '≤', 0.5, '≤ 0.5 MiB/min', 2);
    if (hold.seconds < 120) {
      growth.pass = undefined;
      growth.note = `not judged: a ${hold.seconds} s hold is too short`;
    }
    out.push(growth);
  }
  return out;
}

/** The fixed rate the doors are compared with chat at: the front-door phase's (a share of Aegis full's own max). */
export function doorRatePoint(r: RunResults): FixedRatePoint | undefined {
  const ids: TargetId[] = ['aegis-full', ...doorTargets(r)];
  const p = r.doorRate;
  return p && ids.every((id) => measured(p.rounds[id]).length > 0) ? p : undefined;
}

const DOOR_NAMES: Partial<Record<TargetId, string>> = {
  'aegis-responses': 'Responses',
  'aegis-messages': 'Messages',
  'aegis-responses-store': 'Responses (store: true)',
};

/** Issue 22's targets: each front door against chat through the same Aegis full, same run. */
export function doorVerdicts(r: RunResults): Verdict[] {
  const out: Verdict[] = [];
  const chat = maxRps(r, 'aegis-full').median;
  const perCore = (id: TargetId) => medianOf(r.saturation[id], (x) => x.rps / x.targetCores);
  const point = doorRatePoint(r);
  for (const id of doorTargets(r)) {
    const name = DOOR_NAMES[id] ?? id;
    const rps = judge(`${name}: max RPS / chat`, maxRps(r, id).median / chat, '×', '≥', 0.9, '≥ 0.90×');
    const q = perCore(id) / perCore('aegis-full');
    if (Number.isFinite(q)) addNote(rps, `per CPU-second: ${q.toFixed(2)}×`);
    if (rps.pass === undefined) rps.note = skippedWhy(r.saturation[id]) ?? r.targets.find((t) => t.id === id)?.failure ?? rps.note;
    out.push(rps);
    const added = point ? addedPerRound(point.rounds[id], point.rounds['aegis-full'], (x) => x.latency.p50) : Number.NaN;
    const p50 = judge(`${name}: p50 − chat p50 at ${point ? `${point.rate} RPS` : 'the same rate'}`, added, 'ms', '≤', 0.1, '≤ 0.1 ms', 3);
    if (p50.pass === undefined) p50.note = point ? (skippedWhy(point.rounds[id]) ?? p50.note) : 'the front-door rate phase did not measure chat and every door';
    out.push(p50);
  }
  return out;
}

// This run against the previous full run (issue 28): every row both have, and each regression over
// 5 % named. The previous run's rows are read when this run's files are written and kept in its
// JSON, so a re-render compares with the same run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addedPerRound, maxRps, measured, medianOf, type RunResults } from './results';
import { TARGET_LABELS } from './targets';

export interface ComparableRow {
  name: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
}

export interface PreviousRun {
  file: string;
  date: string;
  gitSha: string;
  loadAvgStart: number[];
  rows: ComparableRow[];
}

/** A latency row must also move by more than this to count as a regression: below it the box's loopback noise decides. */
export const LATENCY_FLOOR_MS = 0.05;
export const REGRESSION = 0.05;

const spec = (s: number) => (s <= 1 ? `${Math.round(s * 100)} % of direct's max` : `${s} RPS`);

/** The rows a later run can be compared on: max RPS, CPU per request, added latency, streaming, memory, stage costs. */
export function comparableRows(r: RunResults): ComparableRow[] {
  const rows: ComparableRow[] = [];
  const ids = r.targets.map((t) => t.id);
  for (const id of ids) {
    const rps = maxRps(r, id).median;
    if (Number.isFinite(rps)) rows.push({ name: `max RPS: ${TARGET_LABELS[id]}`, value: rps, unit: 'RPS', better: 'higher' });
    const perCore = medianOf(r.saturation[id], (x) => x.rps / x.targetCores);
    if (id !== 'direct' && Number.isFinite(perCore))
      rows.push({ name: `RPS per CPU-second: ${TARGET_LABELS[id]}`, value: perCore, unit: 'RPS', better: 'higher' });
  }
  for (const p of r.fixedRates)
    for (const id of ids) {
      if (id === 'direct' || !measured(p.rounds[id]).length) continue;
      for (const pct of ['p50', 'p99'] as const) {
        const v = addedPerRound(p.rounds[id], p.rounds.direct, (x) => x.latency[pct]);
        if (Number.isFinite(v)) rows.push({ name: `added ${pct} vs direct at ${spec(p.spec)}: ${TARGET_LABELS[id]}`, value: v, unit: 'ms', better: 'lower' });
      }
    }
  for (const p of r.ownRates ?? [])
    for (const pct of ['p50', 'p99'] as const) {
      const v = addedPerRound(p.rounds['aegis-full'], p.rounds.thin, (x) => x.latency[pct]);
      if (Number.isFinite(v))
        rows.push({ name: `Aegis full ${pct} over thin at ${Math.round(p.spec * 100)} % of its own max`, value: v, unit: 'ms', better: 'lower' });
    }
  for (const id of ids) {
    if (id === 'direct' || !measured(r.streaming[id]).length) continue;
    const ttft = addedPerRound(r.streaming[id], r.streaming.direct, (x) => x.ttft.p50);
    const gap = addedPerRound(r.streaming[id], r.streaming.direct, (x) => x.gap.p50);
    if (Number.isFinite(ttft)) rows.push({ name: `added TTFT p50 vs direct: ${TARGET_LABELS[id]}`, value: ttft, unit: 'ms', better: 'lower' });
    if (Number.isFinite(gap)) rows.push({ name: `added gap p50 vs direct: ${TARGET_LABELS[id]}`, value: gap, unit: 'ms', better: 'lower' });
  }
  const hold = r.hold['aegis-full'];
  if (hold && !('skipped' in hold))
    rows.push({ name: `${hold.streams} open streams: peak RSS, Aegis full`, value: hold.rssMaxMiB, unit: 'MiB', better: 'lower' });
  for (const s of r.profile?.stageCosts ?? [])
    if (Number.isFinite(s.busyUsPerRequest))
      rows.push({ name: `profiled CPU per request (${s.shape})`, value: s.busyUsPerRequest, unit: 'µs', better: 'lower' });
  return rows;
}

/** The newest full run's JSON in `dir` other than `stem` (quick runs and other benches' files are not compared with). */
export function previousFullRun(dir: string, stem: string): PreviousRun | undefined {
  let best: RunResults | undefined;
  let bestFile = '';
  for (const f of readdirSync(dir)) {
    if (!/^\d{4}-\d{2}-\d{2}-[0-9a-f]+\.json$/.test(f) || f === `${stem}.json`) continue;
    try {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunResults;
      if (r.options?.quick || !r.machine?.date) continue;
      if (!best || r.machine.date > best.machine.date) {
        best = r;
        bestFile = f;
      }
    } catch {}
  }
  if (!best) return undefined;
  return { file: bestFile, date: best.machine.date, gitSha: best.machine.gitSha, loadAvgStart: best.machine.loadAvgStart, rows: comparableRows(best) };
}

export interface Comparison {
  name: string;
  before: number;
  after: number;
  unit: string;
  /** Relative change in the worse direction (positive = worse). */
  worse: number;
  regression: boolean;
  cause?: string;
}

/** Rows both runs have; a regression is > 5 % worse (latency rows also by more than LATENCY_FLOOR_MS). */
export function compareRuns(r: RunResults, previous: PreviousRun): Comparison[] {
  const now = new Map(comparableRows(r).map((x) => [x.name, x]));
  const out: Comparison[] = [];
  for (const p of previous.rows) {
    const c = now.get(p.name);
    if (!c) continue;
    const delta = p.better === 'higher' ? p.value - c.value : c.value - p.value;
    const worse = p.value !== 0 ? delta / Math.abs(p.value) : 0;
    const regression = worse > REGRESSION && (p.unit !== 'ms' || delta > LATENCY_FLOOR_MS);
    out.push({ name: p.name, before: p.value, after: c.value, unit: p.unit, worse, regression });
  }
  // A max-RPS regression whose RPS per CPU-second held is the box (the target got less of a core), not more work per request.
  for (const x of out) {
    if (!x.regression) continue;
    const perCore = out.find((y) => y.name === x.name.replace(/^max RPS:/, 'RPS per CPU-second:'));
    if (x.name.startsWith('max RPS:') && perCore && perCore !== x)
      x.cause =
        perCore.worse <= REGRESSION
          ? `RPS per CPU-second ${perCore.worse > 0 ? `fell only ${(100 * perCore.worse).toFixed(0)} %` : `held (${(100 * -perCore.worse).toFixed(0)} % better)`}: the target got less CPU on a busier box, not more work per request`
          : `RPS per CPU-second fell ${(100 * perCore.worse).toFixed(0)} % too: more work per request (see the stage costs and the profile)`;
    else if (x.unit === 'ms') x.cause = 'latency: compare the send lag and "others on core 1" of both runs before blaming code';
  }
  return out;
}

// Aggregation and the markdown tables: per workload and policy, pooled over seeds.

import type { RunResult } from './env';

export interface Row {
  workload: string;
  policy: string;
  requests: number;
  coldLoads: number;
  p50: number;
  /** p99 of granted requests only. */
  p99Served: number;
  /** p99 over granted and timed-out requests (a timeout counts with the time it waited). */
  p99: number;
  p99ByClass: Record<string, number>;
  failed: number;
  failedByCode: Record<string, number>;
  budgetViolations: number;
  loadsByCause: Record<string, number>;
  budgetEvictions: number;
  evictionsAgainstFuture: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const ascending = (values: number[]) => values.sort((a, b) => a - b);

export function aggregate(results: readonly RunResult[]): Row[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = `${r.workload}\u0000${r.policy}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) => {
    const served = ascending(runs.flatMap((r) => r.waits));
    const all = ascending(runs.flatMap((r) => [...r.waits, ...r.timeoutWaits]));
    const failedByCode: Record<string, number> = {};
    for (const r of runs) for (const [code, n] of Object.entries(r.failed)) failedByCode[code] = (failedByCode[code] ?? 0) + n;
    const loadsByCause: Record<string, number> = {};
    for (const r of runs) for (const [cause, n] of Object.entries(r.loadsByCause)) loadsByCause[cause] = (loadsByCause[cause] ?? 0) + n;
    const classes = [...new Set(runs.flatMap((r) => Object.keys(r.waitsByClass)))].sort();
    const p99ByClass = Object.fromEntries(classes.map((c) => [c, percentile(ascending(runs.flatMap((r) => r.waitsByClass[c] ?? [])), 99)]));
    return {
      workload: runs[0]!.workload,
      policy: runs[0]!.policy,
      requests: runs.reduce((s, r) => s + r.requests, 0),
      coldLoads: runs.reduce((s, r) => s + r.coldLoads, 0),
      p50: percentile(all, 50),
      p99Served: percentile(served, 99),
      p99: percentile(all, 99),
      p99ByClass,
      failed: Object.values(failedByCode).reduce((s, n) => s + n, 0),
      failedByCode,
      budgetViolations: runs.reduce((s, r) => s + r.budgetViolations, 0),
      loadsByCause,
      budgetEvictions: runs.reduce((s, r) => s + r.budgetEvictions, 0),
      evictionsAgainstFuture: runs.reduce((s, r) => s + r.evictionsAgainstFuture, 0),
    };
  });
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

/** Loads normalised by the work done: a policy that drops requests also skips their loads. */
export function loadsPer100Served(r: Row): number {
  const served = r.requests - r.failed;
  return served === 0 ? 0 : (100 * r.coldLoads) / served;
}

export function markdownTable(rows: readonly Row[]): string {
  const head = [
    '| workload | policy | requests | cold loads | loads per 100 served | p50 wait (s) | p99 wait (s) | p99 served only (s) | failed | budget violations |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const body = rows.map((r) => {
    const codes = Object.entries(r.failedByCode)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    const failed = r.failed === 0 ? '0' : `${r.failed} (${codes})`;
    return `| ${r.workload} | ${r.policy} | ${r.requests} | ${r.coldLoads} | ${loadsPer100Served(r).toFixed(1)} | ${sec(r.p50)} | ${sec(r.p99)} | ${sec(r.p99Served)} | ${failed} | ${r.budgetViolations} |`;
  });
  return [...head, ...body].join('\n');
}

export function classTable(rows: readonly Row[]): string {
  const classes = [...new Set(rows.flatMap((r) => Object.keys(r.p99ByClass)))].sort();
  const head = [`| workload | policy | ${classes.map((c) => `p99 ${c} (s)`).join(' | ')} |`, `| --- | --- | ${classes.map(() => '---:').join(' | ')} |`];
  const body = rows.map((r) => `| ${r.workload} | ${r.policy} | ${classes.map((c) => (c in r.p99ByClass ? sec(r.p99ByClass[c]!) : '–')).join(' | ')} |`);
  return [...head, ...body].join('\n');
}

/** `mine` against the best baseline value, as a signed percentage. */
function margin(mine: number, others: readonly number[]): string {
  const best = Math.min(...others);
  if (best === 0) return mine === 0 ? 'equal to the best baseline' : `${mine} vs 0 for the best baseline`;
  return `${mine >= best ? '+' : '−'}${((Math.abs(mine - best) / best) * 100).toFixed(1)} % vs the best baseline`;
}

/** For each workload: does `hero` have fewer cold loads and a lower p99 than every baseline, and by how much? */
export function verdicts(rows: readonly Row[], hero: string, baselines: readonly string[]): string[] {
  const workloads = [...new Set(rows.map((r) => r.workload))];
  return workloads.map((w) => {
    const mine = rows.find((r) => r.workload === w && r.policy === hero)!;
    const others = rows.filter((r) => r.workload === w && baselines.includes(r.policy));
    const mark = (ok: boolean) => (ok ? 'yes' : '**no**');
    const loads = mark(others.every((o) => mine.coldLoads < o.coldLoads));
    const p99 = mark(others.every((o) => mine.p99 < o.p99));
    const served = mark(others.every((o) => mine.p99Served < o.p99Served));
    const failed = mark(others.every((o) => mine.failed <= o.failed));
    const by = (f: (r: Row) => number) => margin(f(mine), others.map(f));
    return `- ${w}: fewer cold loads ${loads} (${by((r) => r.coldLoads)}); lower p99 wait ${p99} (${by((r) => r.p99)}; served only: ${served}); no more failures ${failed} (${by((r) => r.failed)})`;
  });
}

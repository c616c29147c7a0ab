// Synthetic, seeded traces: Zipf popularity, bursty agent fan-out, priority mixes and LRU's worst case.
// Sizes are total footprints (weights + KV + overhead) of common 2–12 GB quantised models.

import { Rng, zipfWeights } from './rng';

export type ClassName = 'critical' | 'standard' | 'batch';

export interface SimModel {
  id: string;
  bytes: number;
  parallel: number;
  priority: ClassName;
}

export interface SimRequest {
  id: string;
  at: number;
  model: string;
  cls: ClassName;
  serviceMs: number;
}

export interface Trace {
  workload: string;
  seed: number;
  models: SimModel[];
  requests: SimRequest[];
  budgetBytes: number;
}

const GB = 1e9;
const MIN = 60_000;
const HORIZON_MS = 4 * 60 * MIN;

const CATALOG: ReadonlyArray<Omit<SimModel, 'priority'>> = [
  { id: 'qwen2.5-3b-q4', bytes: 2.0 * GB, parallel: 4 },
  { id: 'phi3.5-mini-q4', bytes: 2.6 * GB, parallel: 4 },
  { id: 'llama3.2-3b-q8', bytes: 3.8 * GB, parallel: 4 },
  { id: 'llama3.1-8b-q4', bytes: 5.2 * GB, parallel: 2 },
  { id: 'gemma2-9b-q6', bytes: 7.6 * GB, parallel: 2 },
  { id: 'qwen2.5-coder-7b-q8', bytes: 8.4 * GB, parallel: 2 },
  { id: 'mistral-nemo-12b-q6', bytes: 10.2 * GB, parallel: 2 },
  { id: 'qwen2.5-14b-q6', bytes: 12.0 * GB, parallel: 1 },
];

export const WORKLOADS = ['zipf', 'zipf-heavy', 'bursty', 'priority-mix', 'round-robin'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

function serviceMs(rng: Rng, cls: ClassName): number {
  const median = cls === 'batch' ? 25_000 : 6_000;
  return Math.min(180_000, Math.max(500, rng.logNormal(median, 0.8)));
}

function models(): SimModel[] {
  return CATALOG.map((m) => ({ ...m, priority: 'standard' }));
}

function poisson(rng: Rng, ratePerSec: number, emit: (at: number) => void): void {
  for (let t = rng.exponential(ratePerSec / 1000); t < HORIZON_MS; t += rng.exponential(ratePerSec / 1000)) emit(t);
}

export function generateTrace(workload: WorkloadName, seed: number): Trace {
  const rng = new Rng(seed * 7919 + WORKLOADS.indexOf(workload));
  const ms = models();
  const ranked = rng.shuffle(ms.map((m) => m.id)); // popularity independent of size
  const zipf = zipfWeights(ranked.length, 1.0);
  const reqs: Array<Omit<SimRequest, 'id'>> = [];
  const add = (at: number, model: string, cls: ClassName) => reqs.push({ at, model, cls, serviceMs: serviceMs(rng, cls) });
  const mixedClass = (): ClassName => rng.pick<ClassName>(['critical', 'standard', 'batch'], [0.15, 0.6, 0.25]);

  if (workload === 'zipf' || workload === 'zipf-heavy') {
    poisson(rng, workload === 'zipf' ? 0.12 : 0.4, (at) => add(at, rng.pick(ranked, zipf), mixedClass()));
  } else if (workload === 'bursty') {
    poisson(rng, 0.05, (at) => add(at, rng.pick(ranked, zipf), mixedClass()));
    // Agent fan-out (Prism's "bursty groups"): a group of two models gets 6–16 requests within 8 s.
    for (let t = rng.exponential(1 / (4 * MIN)); t < HORIZON_MS; t += rng.exponential(1 / (4 * MIN))) {
      const group = [rng.pick(ranked, zipf), rng.pick(ranked, zipf)];
      const n = 6 + rng.int(11);
      for (let i = 0; i < n; i++) add(t + rng.next() * 8_000, group[i % 2]!, i % 5 === 0 ? 'critical' : 'standard');
    }
  } else if (workload === 'priority-mix') {
    // Interactive traffic on small models, long batch jobs on the big ones.
    const small = ms.filter((m) => m.bytes <= 5.2 * GB).map((m) => m.id);
    const big = ms.filter((m) => m.bytes > 5.2 * GB).map((m) => m.id);
    poisson(rng, 0.1, (at) => add(at, rng.pick(small, zipfWeights(small.length, 1)), rng.next() < 0.3 ? 'critical' : 'standard'));
    poisson(rng, 0.03, (at) => add(at, rng.pick(big, zipfWeights(big.length, 0.6)), 'batch'));
  } else {
    // LRU's worst case: cycling over five models whose footprints do not fit together.
    const cycle = ['llama3.1-8b-q4', 'gemma2-9b-q6', 'qwen2.5-coder-7b-q8', 'mistral-nemo-12b-q6', 'qwen2.5-14b-q6'];
    let i = 0;
    poisson(rng, 0.05, (at) => add(at, cycle[i++ % cycle.length]!, 'standard'));
  }

  reqs.sort((a, b) => a.at - b.at);
  return {
    workload,
    seed,
    models: ms,
    requests: reqs.map((r, i) => ({ ...r, at: Math.round(r.at), id: `q${i}` })),
    budgetBytes: 32 * GB,
  };
}

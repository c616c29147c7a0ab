// Small statistics for the benchmark: exact percentiles over stored samples, medians of round
// medians with their IQR (the cuihuan method in benchmarking.md §6.1), a bounded reservoir for long
// runs, and a least-squares slope for the memory-growth check.

/** A growable list of float samples (milliseconds unless named otherwise). */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  add(value: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = value;
  }

  get count(): number {
    return this.n;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.n).sort();
  }
}

/** Keeps a uniform random sample of at most `capacity` values out of any number offered. */
export class Reservoir {
  private readonly data: Float64Array;
  private seen = 0;

  constructor(private readonly capacity = 200_000) {
    this.data = new Float64Array(capacity);
  }

  add(value: number): void {
    if (this.seen < this.capacity) this.data[this.seen] = value;
    else {
      const j = Math.floor(Math.random() * (this.seen + 1));
      if (j < this.capacity) this.data[j] = value;
    }
    this.seen++;
  }

  get offered(): number {
    return this.seen;
  }

  sorted(): Float64Array {
    return this.data.slice(0, Math.min(this.seen, this.capacity)).sort();
  }
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(sorted: Float64Array): Percentiles {
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Median of the finite values, NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Median with the interquartile range of the finite values (linear interpolation). */
export function medianIqr(values: readonly number[]): { median: number; q1: number; q3: number; n: number } {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => {
    if (v.length === 0) return Number.NaN;
    const pos = (v.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), n: v.length };
}

/** Least-squares slope of y over x (units of y per unit of x); NaN with fewer than 2 points. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

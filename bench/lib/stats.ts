// Latency statistics for one benchmark case: nearest-rank percentiles over every measured sample.

export interface Summary {
  count: number;
  errors: number;
  /** Wall time of the measured window, ms. */
  elapsedMs: number;
  /** Completed (successful) requests per second over the measured window. */
  throughput: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarise(samples: Float64Array, elapsedMs: number, errors = 0): Summary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    errors,
    elapsedMs,
    throughput: elapsedMs > 0 ? (sorted.length * 1000) / elapsedMs : 0,
    minMs: sorted[0] ?? Number.NaN,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** A growable sample buffer that never allocates per sample. */
export class Samples {
  private buf: Float64Array;
  private n = 0;
  constructor(capacity = 1 << 16) {
    this.buf = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
  pushAll(vs: Float64Array): void {
    for (const v of vs) this.push(v);
  }
  get length(): number {
    return this.n;
  }
  values(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}

export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return Math.round(v).toLocaleString('en-US');
}

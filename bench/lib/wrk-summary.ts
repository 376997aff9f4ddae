// Reads the JSON summary the wrk script writes (bench/lib/wrk-load.lua, done()) into the bench's
// Summary. wrk hands done() its latency histogram (1 µs buckets) after "correcting" it for
// coordinated omission: every answer slower than twice the mean interval per connection gets
// phantom samples at that interval below it, as if an open-loop client had sent requests on a
// schedule. The benchmark is a closed loop (each connection sends the next request once the last
// is answered), so the honest latencies are the ones measured; the correction is exactly invertible
// and is undone here. The corrected view is kept alongside, for reference.
import type { Summary } from './stats.js';

export interface WrkThreadSummary {
  issued: number;
  responses: number;
  non200: number;
  check_failed: number;
  parked: number;
  started_us?: number;
  last_us?: number;
  stop_us?: number;
  cpu_start_us?: number;
  cpu_end_us?: number;
  /** The thread parked all its connections and stopped itself (not stopped from outside). */
  finished?: boolean;
  first_error?: string;
}

export interface WrkRawSummary {
  format: 'wrk-load summary 1';
  connections: number;
  /** wrk's own run time (process start to the end of the threads), µs. */
  durationUs: number;
  /** Answers wrk completed (any status). */
  requests: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** The histogram's sample count (corrected). */
  histogramCount: number;
  /** wrk's own figures from its API over the corrected histogram, to check the histogram was read right. */
  api: { min: number; max: number; mean: number; p50: number; p90: number; p99: number };
  /** [value µs, count, value µs, count, …], ascending. */
  histogram: number[];
  threads: WrkThreadSummary[];
}

/** Ascending µs values with their counts. */
export interface Histogram {
  values: number[];
  counts: number[];
}

export function histogramOf(flat: number[]): Histogram {
  if (flat.length % 2 !== 0) throw new Error('wrk histogram: odd number of entries');
  const h: Histogram = { values: [], counts: [] };
  for (let i = 0; i < flat.length; i += 2) {
    if (i > 0 && flat[i]! <= flat[i - 2]!) throw new Error('wrk histogram: values not ascending');
    h.values.push(flat[i]!);
    h.counts.push(flat[i + 1]!);
  }
  return h;
}

const total = (h: Histogram): number => h.counts.reduce((a, b) => a + b, 0);

/** The interval wrk corrects with: runtime / (answers / connections), in integer µs as wrk computes it (wrk.c, main). */
export function correctionInterval(durationUs: number, requests: number, connections: number): number | undefined {
  const perConnection = Math.floor(requests / connections);
  return perConnection > 0 ? Math.floor(durationUs / perConnection) : undefined;
}

/**
 * wrk's stats_correct adds, for each sample n ≥ 2e, one sample at n−e, n−2e, … while above e. So for
 * n > e the corrected bucket holds the measured samples at n, n+e, n+2e, …, and measured[n] =
 * corrected[n] − corrected[n+e]; at or below e nothing was added.
 */
export function undoCorrection(h: Histogram, interval: number | undefined): Histogram {
  if (interval === undefined) return h;
  const at = new Map<number, number>();
  h.values.forEach((v, i) => at.set(v, h.counts[i]!));
  const out: Histogram = { values: [], counts: [] };
  h.values.forEach((v, i) => {
    const n = v > interval ? h.counts[i]! - (at.get(v + interval) ?? 0) : h.counts[i]!;
    if (n < 0) throw new Error(`wrk histogram: undoing the correction left ${n} samples at ${v} µs (interval ${interval} µs)`);
    if (n > 0) {
      out.values.push(v);
      out.counts.push(n);
    }
  });
  return out;
}

/** The value of the rank-th smallest sample (1-based). */
function valueAtRank(h: Histogram, rank: number): number {
  let seen = 0;
  for (let i = 0; i < h.values.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return h.values[i]!;
  }
  return h.values[h.values.length - 1]!;
}

/** Nearest-rank percentile (as stats.ts percentile over the sorted samples). */
export function histogramPercentile(h: Histogram, p: number): number {
  const n = total(h);
  return n === 0 ? Number.NaN : valueAtRank(h, Math.min(n, Math.max(1, Math.ceil((p / 100) * n))));
}

function mean(h: Histogram): number {
  const n = total(h);
  return n ? h.values.reduce((a, v, i) => a + v * h.counts[i]!, 0) / n : Number.NaN;
}

/** wrk's stats_percentile rank rule, round(p/100 × count + 0.5), computed in long double there: the neighbouring ranks are accepted. */
function wrkRankValues(h: Histogram, p: number): number[] {
  const rank = Math.round((p / 100) * total(h) + 0.5);
  return [rank - 1, rank, rank + 1].map((r) => valueAtRank(h, Math.max(1, r)));
}

/** Throws unless the histogram read through wrk's stats struct agrees with wrk's own API figures. */
export function checkAgainstApi(raw: WrkRawSummary, corrected: Histogram): void {
  const n = total(corrected);
  if (n !== raw.histogramCount) throw new Error(`wrk histogram: buckets sum to ${n}, wrk counted ${raw.histogramCount}`);
  if (n === 0) return;
  const bad: string[] = [];
  if (corrected.values[0] !== raw.api.min) bad.push(`min ${corrected.values[0]} vs ${raw.api.min}`);
  if (corrected.values[corrected.values.length - 1] !== raw.api.max) bad.push(`max vs ${raw.api.max}`);
  if (Math.abs(mean(corrected) - raw.api.mean) > 1e-6 * Math.max(1, raw.api.mean)) bad.push(`mean ${mean(corrected)} vs ${raw.api.mean}`);
  for (const p of [50, 90, 99] as const) {
    if (!wrkRankValues(corrected, p).includes(raw.api[`p${p}`])) bad.push(`p${p} vs ${raw.api[`p${p}`]}`);
  }
  if (bad.length) throw new Error(`wrk histogram read from its stats struct disagrees with wrk's API (${bad.join('; ')}): is this wrk 4.1.0?`);
}

export interface WrkWindow {
  summary: Summary & { firstError?: string };
  /** CPU of the whole wrk process from the first request to the last thread's stop, ms (undefined if a thread was stopped from outside). */
  clientCpuMs?: number;
  errorKinds: { status: number; check: number; late: number; unanswered: number; connect: number; read: number; write: number };
  /** wrk's coordinated-omission-corrected view of the same window, for reference only. */
  corrected: { count: number; p50Ms: number; p90Ms: number; p99Ms: number; meanMs: number };
  /** Answers in the latency figures (successful ones plus answers that failed their status or check). */
  answered: number;
  /** The measured histogram (µs buckets), for pooling windows. */
  measured: Histogram;
}

/** A histogram's samples as ms values, ascending (for pooling with other windows' samples). */
export function histogramSamplesMs(h: Histogram): Float64Array {
  const out = new Float64Array(total(h));
  let k = 0;
  h.values.forEach((v, i) => out.fill(v / 1000, k, (k += h.counts[i]!)));
  return out;
}

export function parseWrkSummary(text: string): WrkRawSummary {
  const raw = JSON.parse(text) as WrkRawSummary;
  if (raw.format !== 'wrk-load summary 1') throw new Error(`not a wrk-load summary: ${text.slice(0, 100)}`);
  return raw;
}

const ms = (us: number): number => us / 1000;

/** The measured (uncorrected) window, checked for consistency with wrk's own counts. */
export function wrkWindow(raw: WrkRawSummary): WrkWindow {
  const corrected = histogramOf(raw.histogram);
  checkAgainstApi(raw, corrected);
  const measured = undoCorrection(corrected, correctionInterval(raw.durationUs, raw.requests, raw.connections));
  const recorded = raw.requests - raw.errors.timeout;
  if (total(measured) !== recorded) throw new Error(`wrk histogram: ${total(measured)} measured samples after undoing the correction, but wrk recorded ${recorded} answers`);

  const sum = (f: (t: WrkThreadSummary) => number): number => raw.threads.reduce((a, t) => a + f(t), 0);
  const responses = sum((t) => t.responses);
  if (responses !== raw.requests) throw new Error(`wrk counted ${raw.requests} answers, the script ${responses}`);
  const errorKinds = {
    status: sum((t) => t.non200),
    check: sum((t) => t.check_failed),
    late: raw.errors.timeout,
    unanswered: sum((t) => t.issued - t.responses),
    connect: raw.errors.connect,
    read: raw.errors.read,
    write: raw.errors.write,
  };
  // read/write errors lose the request in flight, which `unanswered` already counts.
  const errors = errorKinds.status + errorKinds.check + errorKinds.late + errorKinds.unanswered + errorKinds.connect;
  const count = Math.max(0, responses - errorKinds.status - errorKinds.check - errorKinds.late);

  const started = raw.threads.map((t) => t.started_us).filter((v): v is number => v !== undefined);
  const ended = raw.threads.map((t) => t.last_us ?? t.started_us).filter((v): v is number => v !== undefined);
  const elapsedMs = started.length ? ms(Math.max(...ended) - Math.min(...started)) : 0;
  const allFinished = raw.threads.every((t) => t.finished && t.cpu_start_us !== undefined && t.cpu_end_us !== undefined);
  const clientCpuMs = allFinished ? ms(Math.max(...raw.threads.map((t) => t.cpu_end_us!)) - Math.min(...raw.threads.map((t) => t.cpu_start_us!))) : undefined;

  const firstError = raw.threads.map((t) => t.first_error).find((e) => e)
    ?? (errorKinds.unanswered ? `${errorKinds.unanswered} request(s) unanswered when the window was stopped` : undefined)
    ?? (errorKinds.late ? `${errorKinds.late} answer(s) after the timeout` : undefined)
    ?? (errorKinds.connect ? `${errorKinds.connect} connect error(s)` : undefined);
  const pct = (h: Histogram, p: number): number => ms(histogramPercentile(h, p));
  return {
    summary: {
      count, errors, elapsedMs, throughput: elapsedMs > 0 ? (count * 1000) / elapsedMs : 0,
      minMs: measured.values.length ? ms(measured.values[0]!) : Number.NaN,
      p50Ms: pct(measured, 50), p90Ms: pct(measured, 90), p99Ms: pct(measured, 99),
      maxMs: measured.values.length ? ms(measured.values[measured.values.length - 1]!) : Number.NaN,
      meanMs: ms(mean(measured)),
      ...(firstError ? { firstError } : {}),
    },
    ...(clientCpuMs !== undefined ? { clientCpuMs } : {}),
    errorKinds,
    corrected: { count: total(corrected), p50Ms: pct(corrected, 50), p90Ms: pct(corrected, 90), p99Ms: pct(corrected, 99), meanMs: ms(mean(corrected)) },
    answered: total(measured),
    measured,
  };
}

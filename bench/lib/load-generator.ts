// A load generator for the bench, whichever drives it (bench/lib/wrk-load.ts: wrk, the default;
// bench/lib/http-load.ts: the node:http client): what a window sends, how it is bounded, and what
// it reports. Every generator runs the same closed loop: `concurrency` keep-alive connections, each
// sending its next request when the last answer has been read in full.
import type { AnswerCheck } from './answer-checks.js';
import type { Summary } from './stats.js';

export type Bodies =
  | { kind: 'fixed'; body: string }
  /** Cycled through for as long as the window lasts (e.g. @id over 1000 patients). */
  | { kind: 'rotate'; bodies: readonly string[] }
  /** Distinct bodies, each sent at most once (e.g. free booking slots); `take` hands out the next n, fewer when it runs out. */
  | { kind: 'once'; take: (n: number) => string[] };

export interface LoadTarget {
  /** http://127.0.0.1:port/path (loopback only). */
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  bodies: Bodies;
  /** Applied to every 200 answer; a failure counts the request as an error. */
  check?: AnswerCheck;
  /** Applied to the first answer of a validating window; throws to abort the benchmark. */
  validate?: (status: number, body: Buffer) => void;
}

export interface LoadWindow {
  /** Stop sending new requests after this many ms… */
  durationMs: number;
  /** …or after this many requests, whichever comes first; answers in flight are awaited. */
  maxRequests: number;
}

export interface RunOptions {
  /** Validate the first answer (LoadTarget.validate). */
  validate?: boolean;
  /** Called as soon as the load has ended, before the generator's own bookkeeping (for CPU readings of other processes). */
  onEnd?: () => void;
}

export interface WindowResult {
  summary: Summary & { firstError?: string };
  /** CPU the generator used during the window, ms. */
  clientCpuMs: number;
  /** Errors by kind, where the generator tells them apart. */
  errorKinds?: Record<string, number>;
  /**
   * Every measured latency of the window, ms, for pooling windows (several targets, several rounds): the
   * node client's successful requests; wrk's answers as measured (failed ones included, as in its summary).
   */
  latenciesMs: Float64Array;
  /** wrk's coordinated-omission-corrected latencies of the same window, for reference. */
  corrected?: { count: number; p50Ms: number; p90Ms: number; p99Ms: number; meanMs: number };
}

export interface LoadSession {
  run(w: LoadWindow, o?: RunOptions): Promise<WindowResult>;
  close(): void;
}

export interface LoadGenerator {
  name: 'wrk' | 'node';
  /** For reports: what generated the load, and how. */
  description: string;
  /** Connections held for the session's windows (the node client keeps its sockets between windows; wrk opens them per window). */
  open(target: LoadTarget, concurrency: number): LoadSession;
}

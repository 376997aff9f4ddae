// When a failed request is sent again, and how long to wait first.
//
// Idempotency: a request is `safe` when sending it twice has the same effect as once (GETs, the status
// batch POST, cancelling a registered query). Everything else (immediate and async queries, creating a
// registered query, pairing) is `unsafe`: the first attempt may already have run a write at the
// practice, used a pairing code or created a query. Unsafe requests are retried only when the server
// said it refused them before doing anything:
//   - 429 (rate limited);
//   - 503 with `Retry-After`, or 503 whose message says the site could not be contacted / is
//     unreachable (Halo/Conduit answer this before the query is sent to the practice). A 503 "the site
//     disconnected while the query was in flight" is NOT retried: the statement may have run;
//   - a connection that was refused (`ECONNREFUSED`): the request never left.
// Safe requests are also retried on 408, 500, 502, 503, 504, timeouts and network errors.
// No other 4xx is ever retried.

export interface RetryOptions {
  /** Total attempts, first included. Default 4; 1 disables retries. */
  maxAttempts?: number;
  /** First backoff step. Default 250 ms. */
  baseDelayMs?: number;
  /** Largest backoff step. Default 10 s. */
  maxDelayMs?: number;
  /**
   * A `Retry-After` longer than this is not waited for: the error is thrown at once with its
   * `retryAfterMs` (e.g. the pairing limiter asks for minutes). Default 60 s.
   */
  maxRetryAfterMs?: number;
  /** Called before each wait, for logging. */
  onRetry?: (info: { attempt: number; delayMs: number; status: number; reason: string; method: string; path: string }) => void;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

export type ResolvedRetry = Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>;

export const DEFAULT_RETRY: ResolvedRetry = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000, random: Math.random };

export function resolveRetry(o: RetryOptions | false | undefined): ResolvedRetry {
  if (o === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  return { ...DEFAULT_RETRY, ...o, maxAttempts: Math.max(1, Math.floor(o?.maxAttempts ?? DEFAULT_RETRY.maxAttempts)) };
}

/**
 * Exponential backoff with "equal jitter": step n (1-based) waits between half and all of
 * min(maxDelay, base·2^(n-1)), so retries spread out but never collapse to zero.
 */
export function backoffDelay(attempt: number, o: Pick<ResolvedRetry, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + o.random() * (ceiling / 2));
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export const REFUSED_BEFORE_RUNNING_503 = /could not be contacted|unreachable/i;

/** Whether an HTTP answer may be retried for a request of this safety. */
export function retryableStatus(status: number, safe: boolean, message: string, hasRetryAfter: boolean): boolean {
  if (status === 429) return true;
  if (status === 503) return safe || hasRetryAfter || REFUSED_BEFORE_RUNNING_503.test(message);
  if (!safe) return false;
  return status === 408 || status === 500 || status === 502 || status === 504;
}

/** Whether a fetch failure (no HTTP answer) may be retried. */
export function retryableNetworkError(err: unknown, safe: boolean): boolean {
  if (safe) return true;
  return errorCode(err) === 'ECONNREFUSED';
}

export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errorCode(errors[0]);
      if (inner) return inner;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// One HTTP exchange with the API: key header, JSON in and out, per-attempt time limit, retries.
import { ConduitApiError, errorFromResponse } from './errors.js';
import { backoffDelay, parseRetryAfter, resolveRetry, retryableNetworkError, retryableStatus, sleep, type ResolvedRetry, type RetryOptions } from './retry.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** e.g. `https://conduit.example.com` or a Halo base URL; paths are appended (`/integrator/...`). */
  baseUrl: string;
  /** Sent as `Ocp-Apim-Subscription-Key`. */
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Retry policy for every call (per call overridable); `false` disables retries. */
  retry?: RetryOptions | false;
  /**
   * Time limit for one attempt, headers and body, in ms. Default 150 s: an immediate query may wait
   * 60 s in the queue and run 60 s. On expiry the attempt fails with kind `timeout`.
   */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. a User-Agent). */
  headers?: Record<string, string>;
}

export interface CallOptions {
  /** Aborts the call (and its retries and waits); the error has kind `aborted`. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt time limit. */
  timeoutMs?: number;
  /** Overrides the client's retry policy for this call. */
  retry?: RetryOptions | false;
}

export interface RequestSpec extends CallOptions {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Whether sending it twice is harmless (see retry.ts). */
  safe: boolean;
  /** Return the Response with its body unread (for streams); the time limit then covers only the headers. */
  raw?: boolean;
}

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export const DEFAULT_TIMEOUT_MS = 150_000;

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

export class Transport {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly retry: ResolvedRetry;
  private readonly timeoutMs: number;

  constructor(private readonly opts: TransportOptions) {
    if (!opts.baseUrl) throw new TypeError('baseUrl is required');
    if (!opts.apiKey) throw new TypeError('apiKey is required');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.retry = resolveRetry(opts.retry);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async json<T>(spec: RequestSpec): Promise<JsonResponse<T>> {
    return (await this.send(spec)) as JsonResponse<T>;
  }

  async raw(spec: RequestSpec): Promise<Response> {
    return (await this.send({ ...spec, raw: true })) as Response;
  }

  private url(spec: RequestSpec): string {
    const q = Object.entries(spec.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    const qs = q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return `${this.baseUrl}${spec.path}${qs ? `?${qs}` : ''}`;
  }

  private async send(spec: RequestSpec): Promise<JsonResponse<unknown> | Response> {
    const retry = spec.retry === undefined ? this.retry : resolveRetry(spec.retry === false ? false : { ...this.retry, ...spec.retry });
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers, 'ocp-apim-subscription-key': this.opts.apiKey };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    const url = this.url(spec);
    const where = { method: spec.method, path: spec.path };
    for (let attempt = 1; ; attempt++) {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new AttemptTimeout(timeoutMs)), timeoutMs);
      const onAbort = (): void => ctl.abort(spec.signal!.reason);
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      let failure: ConduitApiError;
      let retryAfterMs: number | undefined;
      let mayRetry: boolean;
      try {
        if (spec.signal?.aborted) throw spec.signal.reason;
        const res = await this.fetchFn(url, { method: spec.method, headers, body: payload, signal: ctl.signal, redirect: 'manual' });
        if (res.ok && spec.raw) {
          clearTimeout(timer);
          return res;
        }
        const text = await res.text();
        if (res.ok) {
          let body: unknown;
          if (text !== '') {
            try {
              body = JSON.parse(text);
            } catch (e) {
              throw new ConduitApiError({ kind: 'server', status: res.status, message: `${spec.method} ${spec.path}: the answer is not JSON`, ...where, attempts: attempt, cause: e });
            }
          }
          return { status: res.status, headers: res.headers, body };
        }
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        failure = errorFromResponse({ status: res.status, statusText: res.statusText, body, text, retryAfterMs, ...where, attempts: attempt });
        mayRetry = retryableStatus(res.status, spec.safe, failure.message, retryAfterMs !== undefined);
      } catch (e) {
        if (e instanceof ConduitApiError) throw e;
        if (spec.signal?.aborted) {
          throw new ConduitApiError({ kind: 'aborted', status: 0, message: `${spec.method} ${spec.path}: aborted by the caller`, ...where, attempts: attempt, cause: e });
        }
        const timedOut = ctl.signal.aborted && ctl.signal.reason instanceof AttemptTimeout;
        const cause = timedOut ? ctl.signal.reason : e;
        failure = new ConduitApiError({
          kind: timedOut ? 'timeout' : 'network', status: 0, ...where, attempts: attempt, cause,
          message: `${spec.method} ${spec.path}: ${timedOut ? (cause as Error).message : `no answer (${describe(e)})`}`,
        });
        // A timed-out unsafe request may be running at the practice: never sent again.
        mayRetry = timedOut ? spec.safe : retryableNetworkError(e, spec.safe);
      } finally {
        clearTimeout(timer);
        spec.signal?.removeEventListener('abort', onAbort);
      }
      if (!mayRetry || attempt >= retry.maxAttempts) throw failure;
      if (retryAfterMs !== undefined && retryAfterMs > retry.maxRetryAfterMs) throw failure;
      // Retry-After is the server's own instruction: wait that long (never less), else back off.
      const delayMs = retryAfterMs !== undefined ? retryAfterMs : backoffDelay(attempt, retry);
      retry.onRetry?.({ attempt, delayMs, status: failure.status, reason: failure.message, ...where });
      try {
        await sleep(delayMs, spec.signal);
      } catch (e) {
        throw new ConduitApiError({ kind: 'aborted', status: 0, message: `${spec.method} ${spec.path}: aborted by the caller`, ...where, attempts: attempt, cause: e });
      }
    }
  }
}

function describe(e: unknown): string {
  const parts: string[] = [];
  let x: unknown = e;
  for (let i = 0; i < 3 && x; i++) {
    if (x instanceof Error) parts.push((x as Error & { code?: string }).code ?? x.message);
    x = (x as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(e);
}

// Jittered exponential reconnect delays: first delay random in [min, max], then x1.5 up to a cap;
// the sequence starts again once a connection has stayed up long enough. A Cloud that is busy says so
// (HTTP 503 with Retry-After on the upgrade): then its pushback sets the next delay instead.
export interface BackoffOptions {
  initialMinMs: number;
  initialMaxMs: number;
  factor: number;
  capMs: number;
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMinMs: 1000, initialMaxMs: 5000, factor: 1.5, capMs: 60_000, resetAfterMs: 30_000 };

/** An attempt that opened but has no welcome after this has failed (LinkOptions.welcomeTimeoutMs). */
export const DEFAULT_WELCOME_TIMEOUT_MS = 30_000;

/** The shortest pushback honoured: a Retry-After of 0 (or a date in the past) must not make a hot loop. */
export const MIN_PUSHBACK_MS = 1000;

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds from now, or
 * undefined when the header is missing or not one of those forms.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date names its day and month and has a time of day (IMF-fixdate, or the obsolete forms).
  const at = /[a-z]{3}/i.test(v) && /\d{2}:\d{2}:\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class Backoff {
  private current = 0;
  constructor(private readonly opts: BackoffOptions, private readonly random: () => number = Math.random) {}

  next(): number {
    const { initialMinMs, initialMaxMs, factor, capMs } = this.opts;
    this.current = this.current === 0
      ? initialMinMs + this.random() * (initialMaxMs - initialMinMs)
      : Math.min(capMs, this.current * factor);
    return Math.round(this.current);
  }

  /**
   * The delay after the server refused the connection as busy (503 or 429). With a Retry-After it is
   * the server's pushback: what it asked (at least 1 s, at most the cap) plus up to as much again at
   * random, so Links refused together do not come back together; it leaves the exponential sequence
   * where it was, since the server, not a failure, paced this attempt (as gRPC's retry pushback does,
   * gRFC A6). Without a usable Retry-After it is the ordinary next backoff delay.
   */
  busy(retryAfterMs: number | undefined): number {
    if (retryAfterMs === undefined) return this.next();
    const asked = Math.min(this.opts.capMs, Math.max(MIN_PUSHBACK_MS, retryAfterMs));
    return Math.round(Math.min(this.opts.capMs, asked * (1 + this.random())));
  }

  /**
   * Call when a connection closes, with how long it was up and whether the Cloud handed it back (a
   * session it closed with 1001 as it stopped): that is no failure of the connection, so the next attempt
   * starts the sequence again, however short the session was (nodes restarted one after another in a
   * rolling upgrade would otherwise stretch the waits of the Links they pass along).
   */
  connectionLasted(ms: number, handedBack = false): void {
    if (ms >= this.opts.resetAfterMs || (handedBack && ms > 0)) this.current = 0;
  }
}

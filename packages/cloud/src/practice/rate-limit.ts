// Sliding-window counters of failed pairing attempts, per integrator and per practice, so codes
// cannot be guessed: after too many failures the caller gets 429 with Retry-After.
export interface Limit {
  max: number;
  windowMs: number;
}

export class FailureLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly limit: Limit) {}

  private recent(key: string, now: number): number[] {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.limit.windowMs);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.recent(key, now);
    if (list.length < this.limit.max) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.limit.max]! + this.limit.windowMs - now) / 1000));
  }

  fail(key: string, now = Date.now()): void {
    const list = this.recent(key, now);
    list.push(now);
    this.hits.set(key, list);
  }
}

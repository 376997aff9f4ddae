// Sliding-window counters of failed pairing attempts, per integrator and per practice, so codes
// cannot be guessed: after too many failures the caller gets 429 with Retry-After. In a cluster the
// failures are shared through the bus, so spreading guesses over nodes does not multiply the limit;
// each node keeps a local copy so the check itself stays synchronous and costs no round trip.
import type { SharedFailures } from '../bus/types.js';

export interface Limit {
  max: number;
  windowMs: number;
  /** Share this counter with the other nodes under this name. */
  shared?: { failures: SharedFailures; name: string };
}

export class FailureLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly limit: Limit) {
    limit.shared?.failures.subscribe(limit.shared.name, (key, at) => this.note(key, at));
  }

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
    this.note(key, now);
    this.limit.shared?.failures.add(this.limit.shared.name, key, now, this.limit.windowMs);
  }

  /** Adds a failure time, keeping the list in time order (failures from other nodes may arrive late). */
  private note(key: string, at: number): void {
    const list = this.recent(key, Date.now());
    let i = list.length;
    while (i > 0 && list[i - 1]! > at) i--;
    list.splice(i, 0, at);
    this.hits.set(key, list);
  }
}

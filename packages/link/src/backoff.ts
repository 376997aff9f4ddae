// Jittered exponential reconnect delays: first delay random in [min, max], then x1.5 up to a cap;
// the sequence starts again once a connection has stayed up long enough.
export interface BackoffOptions {
  initialMinMs: number;
  initialMaxMs: number;
  factor: number;
  capMs: number;
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMinMs: 1000, initialMaxMs: 5000, factor: 1.5, capMs: 60_000, resetAfterMs: 30_000 };

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

  /** Call when a connection closes, with how long it was up. */
  connectionLasted(ms: number): void {
    if (ms >= this.opts.resetAfterMs) this.current = 0;
  }
}

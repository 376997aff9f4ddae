// Decorrelated-jitter exponential backoff: delay = min(cap, random_between(base, previous * 3)).

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** The next retry delay; `previousMs` is the last delay used (0 or less than base for the first retry). */
export function nextDelay(previousMs: number, o: BackoffOptions, random: () => number = Math.random): number {
  const prev = Math.max(o.baseMs, previousMs);
  const high = prev * 3;
  return Math.min(o.capMs, Math.round(o.baseMs + random() * (high - o.baseMs)));
}

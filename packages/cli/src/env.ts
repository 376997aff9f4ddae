// Configuration from environment variables, each with the command-line flag that overrides it.

/** Allowed values of a whole-number setting; the default is any whole number from 0. */
export interface IntRange {
  min?: number;
  max?: number;
}
/** TCP ports (0: any free port). */
export const PORT: IntRange = { min: 0, max: 65_535 };
/** Counts and durations that must be at least one. */
export const POSITIVE: IntRange = { min: 1 };

function whole(value: string, what: string, range: IntRange): number {
  const n = Number(value);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isInteger(n) || n < min || n > max) {
    const span = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new Error(`${what} must be a whole number ${span}, got "${value}"`);
  }
  return n;
}

export function envInt(name: string, fallback: number, range: IntRange = {}): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  return whole(v, name, range);
}

export function envStr(name: string, fallback: string): string;
export function envStr(name: string): string | undefined;
export function envStr(name: string, fallback?: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function parseIntOption(value: string, what: string, range: IntRange = {}): number {
  return whole(value, what, range);
}

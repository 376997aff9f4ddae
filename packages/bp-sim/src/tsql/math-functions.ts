// T-SQL's mathematical functions, typed as SQL Server types them. Registered with safeIntegers, so an
// SQLite INTEGER (a T-SQL int / bigint value) arrives as a bigint and anything else numeric as a number.
//
// - POWER(x, y) returns the type of x (https://learn.microsoft.com/sql/t-sql/functions/power-transact-sql):
//   POWER(2, -1) is int 0, POWER(2.0, -1) is decimal 0.5, POWER(2.5, 2) is decimal(2,1) 6.3. SQLite's
//   pow() is always a float. A decimal literal's scale is known when the statement is translated.
// - ROUND(x, length [, function]) returns the type of x and truncates when function is not 0; a
//   negative length rounds left of the point, also for integers: ROUND(125, -1) = 130
//   (https://learn.microsoft.com/sql/t-sql/functions/round-transact-sql). SQLite's round() returns a
//   float, ignores a negative length and has no third argument.
// - A result outside the function's domain (SQRT(-1), LOG(0), LOG(-1), POWER(-8, 0.5), ASIN(2)) is
//   error 3623 "An invalid floating point operation occurred." where SQLite answers NULL. The functions
//   are float functions (https://learn.microsoft.com/sql/t-sql/functions/sqrt-transact-sql,
//   https://learn.microsoft.com/sql/t-sql/functions/log-transact-sql); SQL Server stops the statement
//   when the float operation is invalid rather than returning NULL.
import { SqlServerError } from '../errors.js';
import { convertValue } from '../conversions.js';

type V = number | bigint | string | Buffer | null;

export function invalidFloatingPoint(): SqlServerError {
  return new SqlServerError(3623, 'An invalid floating point operation occurred.');
}

/** An argument as a float; text converts as SQL Server converts it to float (8114 when it cannot). */
function float(v: Exclude<V, null>): number {
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : Number(convertValue(v, 'float', { context: 'expression' }));
}

/** A float result, or 3623 when it is not a number (NaN, ±Infinity). */
function checked(n: number): number {
  if (!Number.isFinite(n)) throw invalidFloatingPoint();
  return n;
}

/** n × 10^k computed on the decimal digits of n (1.005 × 10^2 is 100.5, not 100.49999999999999). */
function shift(n: number, k: number): number {
  const [mantissa, exp] = String(n).split('e');
  return Number(`${mantissa}e${Number(exp ?? 0) + k}`);
}

/** Rounds |n| half away from zero (or truncates) at `digits` decimal places, as decimal arithmetic does. */
function roundDecimal(n: number, digits: number, truncate: boolean): number {
  const abs = Math.abs(n);
  const scaled = shift(abs, digits);
  const r = shift(truncate ? Math.floor(scaled) : Math.round(scaled), -digits);
  return n < 0 ? -r : r;
}

/** Rounds an integer at 10^-length (length < 0), half away from zero, or truncates. */
function roundInteger(n: bigint, length: number, truncate: boolean): bigint {
  if (length >= 0) return n;
  const unit = 10n ** BigInt(-length);
  const abs = n < 0n ? -n : n;
  const rest = abs % unit;
  const r = abs - rest + (!truncate && rest * 2n >= unit ? unit : 0n);
  return n < 0n ? -r : r;
}

export function tsqlRound(x: V, length: V, fn: V = 0n): V {
  if (x === null || length === null) return null;
  const len = Math.trunc(Number(length));
  const truncate = fn !== null && Number(fn) !== 0;
  if (typeof x === 'bigint') return roundInteger(x, len, truncate);
  return roundDecimal(float(x), len, truncate);
}

/** POWER(x, y); `scale`: the number of decimals of x when x is a decimal literal, else NULL. */
export function tsqlPower(x: V, y: V, scale: V = null): V {
  if (x === null || y === null) return null;
  const r = checked(Math.pow(float(x), float(y)));
  if (typeof x === 'bigint') return BigInt(Math.trunc(r)); // float → int truncates
  return scale === null ? r : roundDecimal(r, Number(scale), false);
}

/** A float function of one argument: NULL for NULL, 3623 outside its domain. */
const unary = (f: (n: number) => number) => (x: V): number | null => (x === null ? null : checked(f(float(x))));

export const tsqlSqrt = unary(Math.sqrt);
export const tsqlExp = unary(Math.exp);
export const tsqlLog10 = unary((n) => (n <= 0 ? NaN : Math.log10(n)));
export const tsqlSquare = unary((n) => n * n);
export const tsqlSin = unary(Math.sin);
export const tsqlCos = unary(Math.cos);
export const tsqlTan = unary(Math.tan);
export const tsqlAsin = unary(Math.asin);
export const tsqlAcos = unary(Math.acos);
export const tsqlAtan = unary(Math.atan);
export const tsqlCot = unary((n) => (n === 0 ? NaN : 1 / Math.tan(n)));
export const tsqlAtn2 = (y: V, x: V): number | null => (y === null || x === null ? null : checked(Math.atan2(float(y), float(x))));

/**
 * LOG(x [, base]) (https://learn.microsoft.com/sql/t-sql/functions/log-transact-sql): natural, or in the
 * given base; NULL when an argument is NULL.
 */
export function tsqlLog(...args: V[]): number | null {
  const [x, base] = args;
  if (x === null || x === undefined || base === null) return null;
  const n = float(x);
  if (n <= 0) throw invalidFloatingPoint();
  if (base === undefined) return Math.log(n);
  const b = float(base);
  if (b <= 0 || b === 1) throw invalidFloatingPoint();
  return checked(Math.log(n) / Math.log(b));
}

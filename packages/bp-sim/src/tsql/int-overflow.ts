// int arithmetic overflows on SQL Server: "Arithmetic overflow error converting expression to data type
// int." (8115) when int + int, int - int, int * int or SUM of an int expression leaves -2^31 .. 2^31-1,
// since the result of two int operands is int and SUM of int is int
// (https://learn.microsoft.com/sql/t-sql/data-types/int-bigint-smallint-and-tinyint-transact-sql,
// https://learn.microsoft.com/sql/t-sql/functions/sum-transact-sql). SQLite's integers are 64-bit.
// Which operands are int is known here only for int literals (up to 2147483647; a larger one is
// decimal), the schema's int columns and results of such checked operations; anything else (a bigint
// CAST, a parameter, a variable, a decimal) is left unchecked, so nothing that is bigint on SQL Server
// is refused. The checked operations run in tsql_addi / tsql_subi / tsql_muli / tsql_int.
import { SqlServerError } from '../errors.js';
import { INT_COLUMN_NAMES } from '../views.js';
import { type Out, emitList, isPrimary, op } from './out.js';

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;

/** Is the operand of type int on SQL Server, as far as the translator can tell? */
export function isStaticInt(o: Out | undefined): boolean {
  if (!o) return false;
  if (o.int) return true;
  if (o.k === 'num') return /^\d{1,10}$/.test(o.sql) && BigInt(o.sql) <= INT_MAX;
  if (o.k === 'name') return INT_COLUMN_NAMES.has(o.last ?? '');
  return o.k === 'group' && o.items?.length === 1 && isStaticInt(o.items[0]);
}

export const intExpr = (sql: string): Out => ({ k: 'expr', sql, int: true });

/** `a + b` / `a - b` of two int operands: the checked call, else undefined (the caller's tsql_add / tsql_sub). */
export function checkedAdditive(sign: string, left: Out[], right: Out[]): Out | undefined {
  if (left.length !== 1 || right.length !== 1 || !isStaticInt(left[0]) || !isStaticInt(right[0])) return undefined;
  return intExpr(`${sign === '+' ? 'tsql_addi' : 'tsql_subi'}(${emitList(left)}, ${emitList(right)})`);
}

const MUL = ['*', '/', '%'];

/**
 * Chains of * / % (left to right) whose * has two int operands become checked calls: `a * b / c` →
 * `(tsql_muli(a, b) / c)`. A chain without such a * is left as it is.
 */
export function checkedMultiplication(out: Out[]): void {
  for (let i = 0; i < out.length; i++) {
    if (!isPrimary(out[i]) || (i > 0 && op(out[i - 1], ...MUL))) continue;
    let end = i;
    while (op(out[end + 1], ...MUL) && isPrimary(out[end + 2])) end += 2;
    if (end === i || !out.some((o, k) => k > i && k < end && op(o, '*') && isStaticInt(out[k - 1]) && isStaticInt(out[k + 1]))) continue;
    let cur = out[i] as Out;
    for (let k = i + 1; k < end; k += 2) {
      const sign = (out[k] as Out).sql;
      const next = out[k + 1] as Out;
      const ints = isStaticInt(cur) && isStaticInt(next);
      if (sign === '*' && ints) cur = intExpr(`tsql_muli(${emitList([cur])}, ${emitList([next])})`);
      else cur = { k: 'expr', sql: `(${emitList([cur])} ${sign} ${emitList([next])})`, ...(ints ? { int: true as const } : {}) };
    }
    out.splice(i, end - i + 1, cur);
  }
}

/** A value of an int expression: 8115 outside the int range. */
export function checkInt(v: number | bigint | string | Buffer | null): number | bigint | string | Buffer | null {
  if (typeof v === 'bigint' && (v > INT_MAX || v < INT_MIN)) {
    throw new SqlServerError(8115, 'Arithmetic overflow error converting expression to data type int.');
  }
  return v;
}

/** int * int; other values (NULL, a float that reached an int column) multiply as numbers. */
export function intMultiply(a: number | bigint | null, b: number | bigint | null): number | bigint | null {
  if (a === null || b === null) return null;
  if (typeof a === 'bigint' && typeof b === 'bigint') return checkInt(a * b) as bigint;
  return Number(a) * Number(b);
}

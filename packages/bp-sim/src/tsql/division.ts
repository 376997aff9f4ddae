// Division and modulo by zero. SQLite answers NULL for x / 0 and x % 0; SQL Server, with
// ANSI_WARNINGS ON as every driver sets it, fails the statement with 8134 "Divide by zero error
// encountered." (https://learn.microsoft.com/sql/t-sql/statements/set-ansi-warnings-transact-sql).
//
// The divisor d of `n / d` becomes coalesce(nullif(d, 0), tsql_div0(n, d)): SQLite evaluates
// coalesce's second argument only when the first is NULL, so a non-zero divisor keeps its value and
// its type (int / int still truncates, as in T-SQL) and only a zero or NULL divisor reaches
// tsql_div0, which answers NULL when either operand is NULL and raises 8134 otherwise. The error comes
// when a row is computed, as on SQL Server: `SELECT 1/0 ... WHERE 1 = 0` returns no rows and no
// error. A non-zero number literal is left alone.
import { type Out, emitList, expr, isPrimary, op } from './out.js';

const MUL = ['*', '/', '%'];
const SIGN = ['-', '+', '~'];

/** Index of the first output of the left operand of the operator at i (a chain of * / % binds left to right). */
function dividendStart(out: Out[], i: number): number {
  let l = i - 1;
  while (l >= 2 && op(out[l - 1], ...MUL) && isPrimary(out[l - 2])) l -= 2;
  if (l >= 1 && op(out[l - 1], ...SIGN) && !isPrimary(out[l - 2])) l -= 1; // unary sign
  return l;
}

export function guardDivisors(out: Out[]): void {
  for (let i = 1; i < out.length - 1; i++) {
    if (!op(out[i], '/', '%') || !isPrimary(out[i - 1])) continue;
    const end = op(out[i + 1], ...SIGN) ? i + 2 : i + 1; // a signed divisor: / -x
    if (!isPrimary(out[end])) continue; // not an operand: SQLite reports the syntax error
    const divisor = out.slice(i + 1, end + 1);
    const only = divisor[0] as Out;
    if (divisor.length === 1 && only.k === 'num' && Number(only.sql) !== 0) continue;
    const d = emitList(divisor);
    const n = emitList(out.slice(dividendStart(out, i), i));
    out.splice(i + 1, divisor.length, expr(`coalesce(nullif(${d}, 0), tsql_div0(${n}, ${d}))`));
  }
}

// Comparisons under Bp's case-insensitive collation (SQL_Latin1_General_CP1_CI_AS): 'male' = 'Male' on
// SQL Server. The tables' text columns are COLLATE NOCASE (schema.ts), so a comparison with a column
// already ignores case in SQLite; any other comparison falls back to SQLite's case-sensitive BINARY
// collation: a view column computed by an expression (BPS_Patients.Sex is a CASE), a function of a
// column (LTRIM(Surname) = 'smith'), two literals or variables. There the left operand gets an
// explicit COLLATE NOCASE, which SQLite uses for the comparison
// (https://sqlite.org/datatype3.html#collating_sequences); SQL Server compares character values under
// the collation of the expression, the database default for literals and variables
// (https://learn.microsoft.com/sql/t-sql/statements/collation-precedence-transact-sql: literals and
// variables are coercible-default). A comparison with a table column is
// left alone, so an index on an int or date column stays usable.
// NOCASE is Bp's collation on the simulator's connections (native/conduit_collation.c): trailing spaces
// do not count there ('a' = 'a ' as on SQL Server), and case is ignored for accented letters ('É' = 'é').
import { VIEW_EXPRESSION_COLUMNS } from '../views.js';
import { type Out, emitList, expr, kw, op } from './out.js';

const CMP = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

/** A table column (which carries its own collation), as opposed to a view column computed by an expression. */
const tableColumn = (o: Out | undefined): boolean => o?.k === 'name' && !VIEW_EXPRESSION_COLUMNS.has(o.last ?? '');

/** An operand whose comparison would be case-sensitive in SQLite: a computed view column, a literal, variable or expression. */
const binaryCollated = (o: Out | undefined): boolean =>
  !!o && (o.k === 'name' ? VIEW_EXPRESSION_COLUMNS.has(o.last ?? '') : ['str', 'var', 'expr', 'group'].includes(o.k));

/** [start, end) of an UPDATE's SET list, where `col = value` assigns rather than compares; [0, 0] for other statements. */
function setList(out: Out[]): [number, number] {
  if (!kw(out[0], 'UPDATE')) return [0, 0];
  const start = out.findIndex((o) => kw(o, 'SET'));
  if (start < 0) return [0, 0];
  const end = out.findIndex((o, k) => k > start && kw(o, 'WHERE', 'FROM', 'OPTION'));
  return [start, end < 0 ? out.length : end];
}

/** Gives the left operand of =, <>, <, >, <=, >=, IN and BETWEEN an explicit COLLATE NOCASE where SQLite would compare case-sensitively. */
export function caseInsensitiveComparisons(out: Out[]): void {
  const assignments = setList(out);
  for (let i = 1; i < out.length; i++) {
    const o = out[i] as Out;
    const comparison = o.k === 'op' && CMP.has(o.sql);
    if (!comparison && !kw(o, 'IN', 'BETWEEN')) continue;
    if (o.sql === '=' && i > assignments[0] && i < assignments[1] && (kw(out[i - 2], 'SET') || op(out[i - 2], ','))) continue; // SET col = …
    const l = !comparison && kw(out[i - 1], 'NOT') ? i - 2 : i - 1; // x NOT IN (...), x NOT BETWEEN ...
    const left = out[l];
    if (!left || !binaryCollated(left) || (comparison && tableColumn(out[i + 1]))) continue;
    out[l] = expr(`${emitList([left])} COLLATE NOCASE`);
  }
}

// GROUP BY and DISTINCT under Bp's collation: SQL Server groups character values as it compares them
// (case-insensitively, the shorter padded with spaces: 'a', 'A' and 'a  ' are one group). A table's text
// column carries NOCASE (schema.ts), which is Bp's collation on the simulator's connections
// (native/conduit_collation.c); anything else SQLite groups with BINARY: a computed view column, an
// expression (LTRIM(SURNAME)), a derived table's column. Those GROUP BY terms and DISTINCT select items
// get an explicit COLLATE NOCASE (https://sqlite.org/datatype3.html#collating_sequences: the collation
// of the expression is used for grouping and DISTINCT). int and date columns and int expressions are
// left alone, so an index keeps serving their grouping; a collation has no effect on numbers anyway.
import { DATE_COLUMN_NAMES, INT_COLUMN_NAMES, TEXT_COLUMN_NAMES } from '../views.js';
import { type Out, emitList, expr, kw, op } from './out.js';

const GROUP_END = ['HAVING', 'ORDER', 'UNION', 'EXCEPT', 'INTERSECT', 'LIMIT', 'OPTION', 'WINDOW'];
const SELECT_END = ['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'UNION', 'EXCEPT', 'INTERSECT', 'INTO', 'OPTION', 'FOR', 'LIMIT'];

/** Would SQLite group this value with BINARY where SQL Server uses the collation? */
function binaryGrouped(o: Out | undefined): boolean {
  if (!o || o.int || o.k === 'num' || o.k === 'kw' || o.k === 'op') return false;
  if (o.k !== 'name') return true;
  const n = o.last ?? '';
  return o.lastRaw !== '*' && !INT_COLUMN_NAMES.has(n) && !DATE_COLUMN_NAMES.has(n) && !TEXT_COLUMN_NAMES.has(n);
}

const collated = (o: Out): Out => expr(`${emitList([o])} COLLATE NOCASE`);

/** Applies `fix` to each comma-separated item of out[start, end). */
function eachItem(out: Out[], start: number, end: number, fix: (from: number, to: number) => void): void {
  let from = start;
  for (let j = start; j <= end; j++) {
    if (j === end || op(out[j], ',')) { fix(from, j); from = j + 1; }
  }
}

function clauseEnd(out: Out[], start: number, words: string[]): number {
  let j = start;
  while (j < out.length && !kw(out[j], ...words)) j++;
  return j;
}

export function collatedGrouping(out: Out[]): void {
  for (let i = 0; i < out.length; i++) {
    if (kw(out[i], 'GROUP') && kw(out[i + 1], 'BY')) {
      eachItem(out, i + 2, clauseEnd(out, i + 2, GROUP_END), (from, to) => {
        if (to - from === 1 && binaryGrouped(out[from])) out[from] = collated(out[from] as Out);
      });
    } else if (kw(out[i], 'SELECT') && kw(out[i + 1], 'DISTINCT')) {
      eachItem(out, i + 2, clauseEnd(out, i + 2, SELECT_END), (from, to) => {
        // after select-names.ts: `value AS name`, or a bare column reference
        const value = kw(out[to - 2], 'AS') ? to - 2 : to;
        if (value - from === 1 && binaryGrouped(out[from])) out[from] = collated(out[from] as Out);
      });
    }
  }
}

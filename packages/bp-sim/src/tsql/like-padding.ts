// LIKE next to a collation in which trailing spaces do not count (native/conduit_collation.c). SQL Server
// does not pad a LIKE pattern: `'Van' LIKE 'Van %'` is false, every character of the pattern counts
// (https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql). SQLite's LIKE optimisation
// turns `col LIKE 'Van %'` into the index range `col >= 'Van ' AND col < 'Van!'` under the column's
// NOCASE collation, and when the pattern is a prefix followed by a single final % it trusts the range
// and skips the LIKE itself; under Bp's collation 'Van' = 'Van ', so that range also holds 'Van'.
// Such a LIKE on a table column gets a second copy on `+col`, which no index can serve, so SQLite runs
// that LIKE on every row the range yields. The first copy keeps the index range. A parameter's value
// is not known here: a LIKE with a parameter pattern always gets the check.
import { VIEW_EXPRESSION_COLUMNS } from '../views.js';
import { type Out, emitList, expr, kw } from './out.js';

/** A literal pattern SQLite would answer from the index range alone although 'x' and 'x ' compare equal: a prefix ending in a space, then one final %. */
const rangeOnlyLiteral = (o: Out): boolean => o.k === 'str' && /^'[^%_]* %'$/.test(o.sql);

/** `col LIKE p` → `(col LIKE p AND +col LIKE p)` where the index range alone would be trusted. */
export function checkedLikeRanges(out: Out[]): void {
  for (let i = 1; i < out.length; i++) {
    if (!kw(out[i], 'LIKE') || kw(out[i - 1], 'NOT')) continue;
    const col = out[i - 1] as Out;
    const pattern = out[i + 1];
    if (col.k !== 'name' || VIEW_EXPRESSION_COLUMNS.has(col.last ?? '') || !pattern) continue;
    const escape = kw(out[i + 2], 'ESCAPE') && out[i + 3] ? [out[i + 2] as Out, out[i + 3] as Out] : [];
    if (!(pattern.k === 'var' || (escape.length > 0 && pattern.k === 'str') || rangeOnlyLiteral(pattern))) continue;
    const tail = emitList([pattern, ...escape]);
    out.splice(i - 1, 3 + escape.length, expr(`(${col.sql} LIKE ${tail} AND +${col.sql} LIKE ${tail})`));
    i -= 1;
  }
}

// LIKE as SQL Server runs it under Bp's collation, SQL_Latin1_General_CP1_CI_AS
// (https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql): letters match without
// regard to case, accented ones too ('Côté' LIKE 'CÔ%'); the pattern is not padded ('Van' LIKE 'Van %'
// is false); when every operand is non-Unicode, the tested value's trailing spaces need not be matched
// ('abc  ' LIKE 'abc' is true for a varchar pattern literal). SQLite's LIKE folds ASCII only and counts
// trailing spaces, so `x LIKE p [ESCAPE e]` becomes conduit_like(x, p, e, blanks), from the collation
// extension (native/conduit_collation.c). A parameter is taken as nvarchar, as drivers send strings, so
// its trailing spaces rule stays SQLite's.
// conduit_like cannot use an index, which SQLite's LIKE on a NOCASE column can (its LIKE
// optimisation). On a text column with a literal or parameter pattern the call is preceded by the
// index range of the pattern's fixed prefix, `x COLLATE NOCASE >= conduit_like_low(p, e) AND
// x COLLATE NOCASE < conduit_like_high(p, e)`: every match lies in it under the collation, and
// SQLite computes the bounds once per statement and searches the index with them. When the pattern is
// just a prefix and a final % (`'Smi%'`), every value in the range matches: conduit_like_exact, also
// computed once, spares the call on each row.
// Without the extension (no C compiler) LIKE stays SQLite's.
import { collationSupported } from '../collation-extension.js';
import { TEXT_COLUMN_NAMES } from '../views.js';
import { type Out, emitList, expr, isPrimary, kw } from './out.js';

/** Does the pattern come from a parameter (nvarchar: trailing spaces count) rather than literals? */
const unicodePattern = (o: Out): boolean => o.k === 'var' || (o.k !== 'str' && emitList([o]).includes('@'));

/** Rewrites every LIKE / NOT LIKE of the list. */
export function collatedLike(out: Out[]): void {
  if (!collationSupported()) return;
  for (let i = 1; i < out.length; i++) {
    if (!kw(out[i], 'LIKE')) continue;
    const not = kw(out[i - 1], 'NOT');
    const l = not ? i - 2 : i - 1;
    const value = out[l];
    const pattern = out[i + 1];
    if (!isPrimary(value) || !isPrimary(pattern)) continue;
    const hasEscape = kw(out[i + 2], 'ESCAPE') && isPrimary(out[i + 3]);
    const esc = hasEscape ? emitList([out[i + 3] as Out]) : 'NULL';
    const x = emitList([value as Out]);
    const p = emitList([pattern as Out]);
    const call = `conduit_like(${x}, ${p}, ${esc}, ${unicodePattern(pattern as Out) ? 0 : 1})`;
    const ranged = !not && value?.k === 'name' && TEXT_COLUMN_NAMES.has(value.last ?? '') && ['str', 'var'].includes(pattern?.k ?? '');
    const sql = not ? `(NOT ${call})`
      : ranged ? `(${x} COLLATE NOCASE >= conduit_like_low(${p}, ${esc}) AND ${x} COLLATE NOCASE < conduit_like_high(${p}, ${esc}) AND (conduit_like_exact(${p}, ${esc}) OR ${call}))`
        : call;
    out.splice(l, i + 2 + (hasEscape ? 2 : 0) - l, expr(sql));
    i = l;
  }
}

/** SQL for `x LIKE p ESCAPE esc` (SQL text of each) in the procedures' own SQL: SQL Server's LIKE where the extension is built. */
export function likeCondition(x: string, p: string, esc: string): string {
  return collationSupported() ? `conduit_like(${x}, ${p}, ${esc}, 1)` : `${x} LIKE ${p} ESCAPE ${esc}`;
}

// The names of a select list's result columns, as SQL Server gives them
// (https://learn.microsoft.com/en-us/previous-versions/sql/sql-server-2008-r2/ms179300(v=sql.105)):
// a simple column reference is named after the column as the caller typed it, `expr AS alias`,
// `expr alias` and `alias = expr` after the alias, and any other ("derived") column has no name:
// SQL Server sends an empty name for `SELECT 1`, `SELECT COUNT(*) FROM …` or `SELECT @x`, where
// SQLite would name the column after its SQL text ("count(*)", "tsql_getdate()").
import { unsupported } from '../errors.js';
import { quoteIdent } from './names.js';
import { type Out, isPrimary, kw, op } from './out.js';

const AS: Out = { k: 'kw', sql: 'AS', u: 'AS' };

/** A simple column reference, also in parentheses: `c`, `t.c`, `(c)` (not `t.*`). */
function columnReference(item: Out[]): boolean {
  const [a] = item;
  if (item.length !== 1 || !a) return false;
  if (a.k === 'group') return columnReference(a.items ?? []);
  return a.k === 'name' && !!a.lastRaw && a.lastRaw !== '*';
}

/** Does the item end in an alias: `expr AS alias` or `expr alias`? */
function aliased(item: Out[]): boolean {
  const last = item[item.length - 1];
  if (item.length < 2 || (last?.k !== 'name' && last?.k !== 'str')) return false;
  const before = item[item.length - 2];
  return kw(before, 'AS') || isPrimary(before);
}

/** `*` or `t.*`. */
const star = (item: Out[]): boolean => item.length === 1 && (op(item[0], '*') || (item[0]?.k === 'name' && item[0].lastRaw === '*'));

/** One select-list item with its result column name made explicit for SQLite. */
export function nameSelectItem(item: Out[]): Out[] {
  const [a, b] = item;
  if (item.length >= 3 && op(b, '=')) {
    if (a?.k === 'var') throw unsupported('SELECT @variable = … (variable assignment)');
    if ((a?.k === 'name' && !a.sql.includes('.')) || a?.k === 'str') {
      const alias = a.k === 'str' ? a.sql.slice(1, -1).replace(/''/g, "'") : (a.lastRaw ?? a.sql);
      return [...item.slice(2), AS, { k: 'name', sql: quoteIdent(alias) }];
    }
  }
  // A bare column keeps the spelling the caller typed, as SQL Server names it (SQLite would use the declared name).
  if (item.length === 1 && a?.k === 'name' && a.lastRaw && a.lastRaw !== '*') return [a, AS, { k: 'name', sql: quoteIdent(a.lastRaw) }];
  // An item that ends in an operator is incomplete: SQLite must fail at the caller's next token, not at an added AS.
  if (item.length === 0 || item[item.length - 1]?.k === 'op' || star(item) || columnReference(item) || aliased(item)) return item;
  return [...item, AS, { k: 'name', sql: '""' }];
}

// Values meeting typed columns: a string literal or a variable compared with (=, <>, <, BETWEEN, IN)
// or stored into (INSERT … VALUES, UPDATE … SET) a date or integer column is converted the way SQL
// Server converts it implicitly (conversions.ts, expression rules): '' is 1900-01-01 or 0, '12' is 12,
// '1.5' compared with an int column is error 245, a non-date compared with a date column 241
// (242 with a datetime column when the day is out of range).
// Columns are known by name (views.ts); INSERT/UPDATE use the target table's own column types.
import { DATE_COLUMN_NAMES, DATE_ONLY_COLUMN_NAMES, INT_COLUMN_NAMES, TEXT_COLUMN_NAMES, tableColumnKind } from '../views.js';
import { type Out, expr, kw, op } from './out.js';

type Kind = 'int' | 'date' | 'datetime';

const CMP = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '!<', '!>']);

function kindOf(o: Out | undefined): Kind | undefined {
  if (o?.k !== 'name') return undefined;
  const n = o.last ?? '';
  if (DATE_COLUMN_NAMES.has(n)) return DATE_ONLY_COLUMN_NAMES.has(n) ? 'date' : 'datetime';
  return INT_COLUMN_NAMES.has(n) ? 'int' : undefined;
}

/** Numbers and column references are left alone: only text literals and variables need converting. */
function wrap(o: Out | undefined, kind: Kind | undefined): Out | undefined {
  if (!kind || !o || (o.k !== 'str' && o.k !== 'var')) return o;
  // A date column refuses an impossible day with 241, a datetime column with 242 (conversions.ts).
  if (kind === 'int') return expr(`tsql_conv(${o.sql}, 'int')`);
  return expr(`tsql_dt(${o.sql}, '${kind}')`);
}

/** Is items[k] a whole list element (between commas or the ends)? */
const single = (all: Out[], k: number): boolean => (k === 0 || op(all[k - 1], ',')) && (k === all.length - 1 || op(all[k + 1], ','));

function comparisons(out: Out[]): void {
  for (let i = 0; i < out.length; i++) {
    const o = out[i] as Out;
    const left = kindOf(out[i - 1]) ?? (kw(out[i - 1], 'NOT') ? kindOf(out[i - 2]) : undefined);
    if (o.k === 'op' && CMP.has(o.sql)) {
      out[i + 1] = wrap(out[i + 1], kindOf(out[i - 1])) as Out;
      out[i - 1] = wrap(out[i - 1], kindOf(out[i + 1])) as Out;
    } else if (kw(o, 'BETWEEN') && left) {
      out[i + 1] = wrap(out[i + 1], left) as Out;
      if (kw(out[i + 2], 'AND')) out[i + 3] = wrap(out[i + 3], left) as Out;
    } else if (kw(o, 'IN') && out[i + 1]?.k === 'group' && left) {
      const g = out[i + 1] as Out;
      g.items = (g.items ?? []).map((x, k, all) => (single(all, k) ? (wrap(x, left) as Out) : x));
    }
  }
}

const columnKind = (table: string | undefined, column: string): Kind | undefined =>
  (table ? tableColumnKind(table, column) : undefined) ?? kindOf({ k: 'name', sql: column, last: column });

/** INSERT [INTO] T (cols) VALUES (...), (...): each value is converted to its column's type. */
function inserts(out: Out[]): void {
  if (!kw(out[0], 'INSERT')) return;
  const tableAt = kw(out[1], 'INTO') ? 2 : 1;
  const table = out[tableAt]?.k === 'name' ? out[tableAt]?.last : undefined;
  const colsAt = out.findIndex((o) => o.k === 'group');
  const valuesAt = out.findIndex((o) => kw(o, 'VALUES'));
  if (colsAt < 0 || valuesAt < colsAt) return;
  const cols = (out[colsAt]?.items ?? []).filter((o) => o.k === 'name').map((o) => o.last ?? '');
  for (let j = valuesAt + 1; j < out.length; j++) {
    const g = out[j] as Out;
    if (g.k !== 'group') continue;
    let col = 0;
    g.items = (g.items ?? []).map((x, k, all) => {
      if (op(x, ',')) { col++; return x; }
      return single(all, k) ? (wrap(x, columnKind(table, cols[col] ?? '')) as Out) : x;
    });
  }
}

/** UPDATE T SET col = value, …: a single literal or variable is converted to the column's type. */
function updates(out: Out[]): void {
  if (!kw(out[0], 'UPDATE')) return;
  const table = out[1]?.k === 'name' ? out[1].last : undefined;
  const setAt = out.findIndex((o) => kw(o, 'SET'));
  if (setAt < 0) return;
  for (let j = setAt + 1; j + 2 < out.length + 1 && !kw(out[j], 'WHERE', 'FROM', 'OPTION'); j++) {
    const target = out[j];
    if (target?.k !== 'name' || !op(out[j + 1], '=')) continue;
    const end = out[j + 3];
    if (end === undefined || op(end, ',') || kw(end, 'WHERE', 'FROM', 'OPTION')) {
      out[j + 2] = wrap(out[j + 2], columnKind(table, target.last ?? '')) as Out;
    }
    j += 2;
  }
}

/**
 * ISNULL(col, '') and COALESCE(col, '') convert the replacement to the column's type: ISNULL returns the
 * type of its first argument (https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql),
 * COALESCE the type of highest precedence among its arguments, where date and int rank above varchar
 * (https://learn.microsoft.com/sql/t-sql/language-elements/coalesce-transact-sql). So for a NULL int
 * column the answer is 0 and for a NULL date column 1900-01-01, not ''. `typedFrom`: the arguments
 * whose column type counts (ISNULL: the first; COALESCE: all). Each argument is a translated list.
 */
export function typedFallbacks(args: Out[][], typedFrom: Out[][]): void {
  const kinds = typedFrom.map((a) => (a.length === 1 ? kindOf(a[0]) ?? literalKind(a[0]) : undefined));
  const kind = kinds.find((k) => k === 'datetime') ?? kinds.find((k) => k === 'date') ?? kinds.find((k) => k === 'int');
  if (!kind) return;
  args.forEach((a, i) => {
    if (a.length !== 1) return;
    // A text column next to an int: each of its values is converted, 245 for one that is no number.
    const textColumn = kind === 'int' && a[0]?.k === 'name' && TEXT_COLUMN_NAMES.has(a[0].last ?? '');
    args[i] = [textColumn ? expr(`tsql_conv(${a[0]?.sql}, 'int')`) : wrap(a[0], kind) as Out];
  });
}

/**
 * An integer literal is int (https://learn.microsoft.com/sql/t-sql/data-types/constants-transact-sql),
 * which ranks above varchar (https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql):
 * COALESCE('abc', 1) converts 'abc' to int, error 245 (ISNULL looks at its first argument only: ISNULL('abc', 1) is 'abc').
 */
const literalKind = (o: Out | undefined): Kind | undefined => (o?.k === 'num' && /^\d{1,9}$/.test(o.sql) ? 'int' : undefined);

export function typedValues(out: Out[]): void {
  updates(out);
  comparisons(out);
  inserts(out);
}

// ISNULL(check, replacement) returns check's type: the replacement "is returned after it is implicitly
// converted to the type of check_expression" and "can be truncated if replacement_value is longer than
// check_expression" (https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql). So
// ISNULL(POSTCODE, '123456') is '1234' for a varchar(4) column, and ISNULL(CAST(NULL AS varchar(3)),
// 'abcdef') is 'abc'. The declared length is known for a table or view column (schema.ts) and for a
// CAST / CONVERT to varchar; a literal replacement is cut here, anything else by tsql_cast at run time.
import { TABLES } from '../schema.js';
import { VIEWS } from '../views.js';
import { type Out, emitList, expr } from './out.js';
import { type Node, isKw, isTok } from './tokenize.js';

/** Upper-cased view column names given to another column (`u.PHONE AS HomePhone`) or to an expression: their length is not the table column's. */
const RENAMED: ReadonlySet<string> = new Set(Object.values(VIEWS).flatMap((sql) => [...sql.matchAll(/(\S+)\s+AS\s+(\w+)/g)]
  .filter((m) => (m[1] ?? '').replace(/^\w+\./, '').toUpperCase() !== (m[2] ?? '').toUpperCase()).map((m) => (m[2] ?? '').toUpperCase())));

/** varchar(n) of a column name, where every table that has the name declares the same n. */
const LENGTHS: ReadonlyMap<string, number> = (() => {
  const lengths = new Map<string, number | null>();
  for (const c of Object.values(TABLES).flat()) {
    const n = c.kind === 'varchar' ? c.length ?? null : null;
    lengths.set(c.name, lengths.has(c.name) && lengths.get(c.name) !== n ? null : n);
  }
  return new Map([...lengths].filter((e): e is [string, number] => e[1] !== null && !RENAMED.has(e[0])));
})();

/** The length of varchar(n) / nvarchar(n) (30 when CAST gives none), from a type name and its optional (n) group. */
function typeLength(type: Node | undefined, len: Node | undefined): number | undefined {
  if (!isTok(type, 'ident') || !['VARCHAR', 'NVARCHAR'].includes(type.u)) return undefined;
  if (len?.t !== 'group') return 30;
  const n = len.items[0];
  return len.items.length === 1 && isTok(n, 'number') && /^\d+$/.test(n.v) ? Number(n.v) : undefined;
}

/** The declared length of ISNULL's first argument (its source nodes and translation), when it is a varchar. */
export function declaredLength(nodes: Node[], translated: Out[]): number | undefined {
  const only = translated[0];
  if (translated.length === 1 && only?.k === 'name') return LENGTHS.get(only.last ?? '');
  const [fn, args] = nodes;
  if (nodes.length !== 2 || !isTok(fn, 'ident') || args?.t !== 'group') return undefined;
  const items = args.items;
  if (fn.u === 'CONVERT') return typeLength(items[0], items[1]?.t === 'group' ? items[1] : undefined);
  if (fn.u !== 'CAST') return undefined;
  const as = items.findIndex((n) => isKw(n, 'AS'));
  return as < 0 || items.length > as + 3 ? undefined : typeLength(items[as + 1], items[as + 2]);
}

/** The replacement converted to varchar(n): a literal cut now, anything else by tsql_cast; NULL as it is. */
export function truncated(replacement: Out[], n: number): Out[] {
  const only = replacement[0];
  if (replacement.length === 1 && only?.k === 'kw') return replacement;
  if (replacement.length === 1 && only?.k === 'str') {
    const text = only.sql.slice(1, -1).replace(/''/g, "'");
    const cut = Array.from(text).slice(0, n).join('');
    return [{ k: 'str', sql: `'${cut.replace(/'/g, "''")}'` }];
  }
  return [expr(`tsql_cast(${emitList(replacement)}, 'VARCHAR(${n})')`)];
}

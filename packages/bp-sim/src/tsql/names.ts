// Names in a statement: reading a dotted chain, deciding whether it names a table (or view) or
// something else, and what SQL Server says when it names nothing it has.
import { SqlServerError, invalidObject, syntaxError, unsupported } from '../errors.js';
import { type Out, kw, op } from './out.js';
import { KNOWN_UNSUPPORTED } from './builtins.js';
import { ROWID_NAMES, isSqliteInternalObject, sqliteNamePart } from './sqlite-names.js';
import { type Node, type Tok, isKw, isOp, isTok } from './tokenize.js';

export interface Part { text: string; quoted: boolean }

export const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

export function readChain(nodes: Node[], i: number): { parts: Part[]; next: number } {
  const first = nodes[i] as Tok;
  const parts: Part[] = [{ text: first.v, quoted: first.t === 'qident' }];
  let j = i + 1;
  while (isOp(nodes[j], '.')) {
    const n = nodes[j + 1];
    if (isTok(n, 'ident') || isTok(n, 'qident')) { parts.push({ text: n.v, quoted: n.t === 'qident' }); j += 2; }
    else if (isOp(n, '.')) { parts.push({ text: '', quoted: false }); j += 1; }
    else if (isOp(n, '*')) { parts.push({ text: '*', quoted: false }); j += 2; break; }
    else throw syntaxError('.');
  }
  return { parts, next: j };
}

const fullName = (parts: Part[]): string => parts.map((p) => p.text).join('.');

/** Clause keywords that end a FROM clause, seen walking back from a comma. */
const NOT_FROM = new Set(['SELECT', 'WHERE', 'GROUP', 'BY', 'ORDER', 'HAVING', 'SET', 'VALUES', 'UNION', 'EXCEPT', 'INTERSECT', 'OPTION', 'INTO']);

/**
 * Is the name about to be added to `out` a table source: right after FROM, JOIN, INTO, UPDATE,
 * DELETE or INSERT, or after a comma of a FROM clause?
 */
export function isTableSource(out: Out[]): boolean {
  const prev = out[out.length - 1];
  if (kw(prev, 'FROM', 'JOIN', 'INTO', 'UPDATE', 'DELETE', 'INSERT')) return true;
  if (!op(prev, ',')) return false;
  for (let j = out.length - 2; j >= 0; j--) {
    const o = out[j] as Out;
    if (o.k !== 'kw') continue;
    if (o.u === 'FROM' || o.u === 'JOIN') return true;
    if (NOT_FROM.has(o.u ?? '')) return false;
  }
  return false;
}

/**
 * A name followed by a parenthesised list that is neither a known built-in nor table hints. Allowed:
 * the column list of INSERT [INTO] T (...) and of a CTE, WITH c (...) AS (...). Otherwise SQL Server
 * refuses it: in FROM it is a table-valued function it does not have (208, as for SQLite's
 * pragma_table_info('T') or json_each(...)); elsewhere an unknown function, 195 for a one-part name
 * (SQLite-only sqlite_version(), typeof(), ... included) and 4121 for a schema-qualified one, whose
 * wording names the qualifier as a column ("Cannot find either column "dbo" or the user-defined
 * function or aggregate "dbo.fnParseString", ..." as SQL Server Agent logs show it).
 */
export function checkNameCall(parts: Part[], first: Tok, out: Out[], table: boolean, nodes: Node[], after: number): void {
  const prev = out[out.length - 1];
  if (table) {
    if (kw(prev, 'INTO', 'INSERT')) return;
    throw invalidObject(fullName(parts));
  }
  if ((kw(prev, 'WITH') || op(prev, ',')) && isKw(nodes[after + 1], 'AS') && nodes[after + 2]?.t === 'group') return;
  if (kw(prev, 'AS')) throw unsupported('column names after a derived table alias, AS t (a, b)');
  if (parts.length > 1) {
    const qualifier = parts.slice(0, -1).map((p) => p.text).join('.');
    throw new SqlServerError(4121, `Cannot find either column "${qualifier}" or the user-defined function or aggregate "${fullName(parts)}", or the name is ambiguous.`);
  }
  if (first.t === 'ident' && KNOWN_UNSUPPORTED.has(first.u)) throw unsupported(`${first.u}()`);
  throw new SqlServerError(195, `'${first.v}' is not a recognized built-in function name.`, 15);
}

/**
 * The SQLite spelling of a name. The database prefix BPSPatients and the schema dbo are dropped;
 * another database is 208, as are sys / INFORMATION_SCHEMA (not simulated). A table source must then
 * be a one-part name that is not one of SQLite's own objects (main.PATIENTS, sqlite_master,
 * pragma_table_list: 208 on SQL Server).
 */
export function resolveName(parts: Part[], table: boolean): Out {
  const full = fullName(parts);
  let ps = parts.slice();
  const up = (i: number): string => (ps[i]?.text ?? '').toUpperCase();
  if (ps.length >= 4) throw unsupported(`four-part (linked server) name ${full}`);
  if (ps.length === 3 && !['DBO', ''].includes(up(0)) && ['DBO', ''].includes(up(1))) {
    if (up(0) !== 'BPSPATIENTS') throw invalidObject(full);
    ps = ps.slice(1);
  }
  if (ps.length >= 2 && (up(0) === 'DBO' || up(0) === '')) ps = ps.slice(1);
  if (ps.length >= 2 && ['SYS', 'INFORMATION_SCHEMA'].includes(up(0))) throw invalidObject(full);
  const last = ps[ps.length - 1] as Part;
  const lastUpper = last.text.toUpperCase();
  if (table && (ps.length >= 2 || isSqliteInternalObject(lastUpper))) throw invalidObject(full);
  return {
    k: 'name',
    sql: ps.map((p) => (p.quoted ? quoteIdent(p.text) : sqliteNamePart(p.text, p.text.toUpperCase()))).join('.'),
    last: lastUpper,
    lastRaw: last.text,
  };
}

/** Does the statement give some column or table the alias `upper` (… AS oid, … t oid)? */
function definesAlias(nodes: Node[], upper: string, keywords: ReadonlySet<string>): boolean {
  return nodes.some((n, j) => {
    if (n.t === 'group') return definesAlias(n.items, upper, keywords);
    if (!(isTok(n, 'ident') || isTok(n, 'qident')) || n.u !== upper || j === 0) return false;
    const before = nodes[j - 1] as Node;
    return isKw(before, 'AS') || before.t === 'group' || isTok(before, 'qident') || isTok(before, 'string') ||
      isTok(before, 'number') || (isTok(before, 'ident') && !keywords.has(before.u));
  });
}

/**
 * SQLite's rowid, oid and _rowid_ resolve to a table's row number; SQL Server has no such column
 * (207 Invalid column name) unless the statement itself defines an alias of that name.
 */
export function checkRowidName(name: Out, out: Out[], root: Node[], keywords: ReadonlySet<string>): void {
  if (!ROWID_NAMES.has(name.last ?? '')) return;
  const prev = out[out.length - 1];
  if (kw(prev, 'AS') || (prev && prev.k !== 'op' && prev.k !== 'kw')) return; // this is the alias being defined
  if (definesAlias(root, name.last ?? '', keywords)) return;
  throw new SqlServerError(207, `Invalid column name '${name.lastRaw ?? ''}'.`);
}

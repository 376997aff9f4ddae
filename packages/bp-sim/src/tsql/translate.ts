// Rewrites one T-SQL statement (as a paren tree from tokenize.ts) into SQLite SQL.
//
// Why a token-tree rewrite instead of node-sql-parser: its TransactSQL grammar rejects some valid
// T-SQL integrators send and its SQLite generator would not keep T-SQL semantics ('+' on strings,
// GETDATE() local time, date literals), so we would still have to walk and rewrite its AST. Here
// every construct we know is rewritten explicitly, every construct we know we cannot honour is
// rejected by name ("Unsupported T-SQL construct: X"), and whatever is left is checked by SQLite
// itself (its errors are mapped to SQL Server numbers in errors.ts). Anything in doubt fails loudly.
import { SqlServerError, keywordSyntaxError, syntaxError, unsupported } from '../errors.js';
import { type Out, emitList, expr, isPrimary, kw, op } from './out.js';
import { typedFallbacks, typedValues } from './typed-values.js';
import { caseInsensitiveComparisons } from './compare-collation.js';
import { collatedLike } from './like.js';
import { collatedGrouping } from './grouping-collation.js';
import { nameSelectItem } from './select-names.js';
import { RESERVED, reservedAsName } from './reserved.js';
import { castType, datePart } from './functions.js';
import { FUNCTION_NAMES, PASSTHROUGH, REGISTERED } from './builtins.js';
import { guardDivisors } from './division.js';
import { refuseBitOperand } from './aggregate-types.js';
import { declaredLength, truncated } from './isnull-length.js';
import { checkedAdditive, checkedMultiplication, intExpr, isStaticInt } from './int-overflow.js';
import { checkNameCall, checkRowidName, isTableSource, readChain, resolveName } from './names.js';
import { type Node, type Tok, isKw, isOp, isTok, nodeText, splitCommas } from './tokenize.js';


export type { Out } from './out.js';

/** `root`: the whole statement (set by translateStatement), for checks that look beyond one parenthesised list. */
export interface TranslateContext { vars: Set<string>; root?: Node[] }

const KEYWORDS = new Set(('SELECT FROM WHERE AND OR NOT NULL IS IN LIKE BETWEEN EXISTS CASE WHEN THEN ELSE END AS ON JOIN INNER LEFT RIGHT ' +
  'FULL OUTER CROSS GROUP BY ORDER HAVING UNION ALL DISTINCT TOP INSERT INTO VALUES UPDATE SET DELETE WITH ASC DESC OFFSET ' +
  'FETCH NEXT ROWS ROW ONLY FIRST PERCENT TIES OVER PARTITION EXCEPT INTERSECT ESCAPE ANY SOME OPTION FOR DEFAULT ' +
  'CURRENT_TIMESTAMP RANGE PRECEDING FOLLOWING UNBOUNDED CURRENT').split(' '));

const HINTS = new Set(('NOLOCK READUNCOMMITTED UPDLOCK HOLDLOCK ROWLOCK PAGLOCK TABLOCK TABLOCKX NOWAIT READPAST ' +
  'READCOMMITTED READCOMMITTEDLOCK REPEATABLEREAD SERIALIZABLE XLOCK FORCESEEK FORCESCAN NOEXPAND').split(' '));

/** Constructs we recognise but cannot honour on SQLite: rejected by name. */
const REJECT: Record<string, string> = {
  MERGE: 'MERGE', PIVOT: 'PIVOT', UNPIVOT: 'UNPIVOT', APPLY: 'CROSS/OUTER APPLY', OPENQUERY: 'OPENQUERY', OPENROWSET: 'OPENROWSET',
  OPENDATASOURCE: 'OPENDATASOURCE', OPENJSON: 'OPENJSON', OPENXML: 'OPENXML', COLLATE: 'COLLATE', ROLLUP: 'ROLLUP', CUBE: 'CUBE',
  GROUPING: 'GROUPING SETS', WITHIN: 'WITHIN GROUP', TABLESAMPLE: 'TABLESAMPLE', OUTPUT: 'OUTPUT clause', CONTAINS: 'CONTAINS (full-text)',
  FREETEXT: 'FREETEXT (full-text)', CONTAINSTABLE: 'CONTAINSTABLE', FREETEXTTABLE: 'FREETEXTTABLE', EXEC: 'EXEC inside a statement',
  EXECUTE: 'EXEC inside a statement', IDENTITY: 'IDENTITY()',
};

const CLAUSE_END = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'UNION', 'EXCEPT', 'INTERSECT', 'INTO', 'OPTION', 'FOR']);
const MUL = new Set(['*', '/', '%']);

/** The SQLite parameter name used for a T-SQL variable (T-SQL names are case-insensitive). */
export function sqliteParamName(tsqlVar: string): string {
  return 'v_' + tsqlVar.replace(/^@/, '').toLowerCase().replace(/[^a-z0-9_]/g, (c) => `_${c.charCodeAt(0)}_`);
}

export const quoteString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function translateStatement(nodes: Node[], ctx: TranslateContext): string {
  return emitList(xlist(nodes, { ...ctx, root: ctx.root ?? nodes }));
}

/**
 * Is a keyword the translator knows, but T-SQL does not reserve (ROWS, FIRST, NEXT, ...), used as a name
 * here: after AS, or where an operand starts (after SELECT, a comma, an operator, WHERE, BY, ...)?
 * UNBOUNDED PRECEDING / FOLLOWING stays a window frame bound.
 */
function contextWordAsName(upper: string, out: Out[], next: Node | undefined): boolean {
  if (RESERVED.has(upper) || (upper === 'UNBOUNDED' && isKw(next, 'PRECEDING', 'FOLLOWING'))) return false;
  const prev = out[out.length - 1];
  return (prev?.k === 'op') || kw(prev, 'AS', 'SELECT', 'DISTINCT', 'WHERE', 'AND', 'OR', 'NOT', 'ON', 'BY', 'WHEN', 'THEN', 'ELSE', 'HAVING', 'SET');
}

function isHintGroup(n: Node | undefined): boolean {
  if (!n || n.t !== 'group' || n.items.length === 0) return false;
  return n.items.every((x) => isOp(x, ',') || (isTok(x, 'ident') && HINTS.has(x.u)) || (isKw(x, 'INDEX')) || x.t === 'group');
}

function checkRejects(nodes: Node[]): void {
  nodes.forEach((n, i) => {
    if (!isTok(n, 'ident')) return;
    const r = REJECT[n.u];
    if (r) throw unsupported(r);
    if (n.u === 'FOR') {
      const next = nodes[i + 1];
      if (isKw(next, 'XML', 'JSON', 'BROWSE', 'UPDATE', 'SYSTEM_TIME')) throw unsupported(`FOR ${(next as Tok).u}`);
    }
  });
}

function sysvar(t: Tok): Out {
  switch (t.u) {
    case '@@ROWCOUNT': return expr('changes()');
    case '@@IDENTITY': return expr('last_insert_rowid()');
    case '@@VERSION': return expr(quoteString('Microsoft SQL Server (simulated by Conduit bp-sim on SQLite)'));
    case '@@SERVERNAME': return expr(quoteString('BPSINSTANCE'));
    case '@@ERROR': return expr('0');
    default: throw unsupported(t.v);
  }
}

/** Is the last output an operand (x LIKE …, x NOT LIKE …)? */
function followsOperand(out: Out[]): boolean {
  const prev = out[out.length - 1];
  return isPrimary(prev) || (kw(prev, 'NOT') && isPrimary(out[out.length - 2]));
}

function matchEnd(nodes: Node[], start: number): number {
  let depth = 0;
  for (let j = start; j < nodes.length; j++) {
    if (isKw(nodes[j], 'CASE')) depth++;
    else if (isKw(nodes[j], 'END') && --depth === 0) return j;
  }
  throw syntaxError('CASE');
}

function arity(name: string, args: Node[][], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw new SqlServerError(174, `The ${name.toLowerCase()} function requires ${min === max ? min : `${min} to ${max}`} argument(s).`);
  }
}

/**
 * A known T-SQL built-in as SQLite SQL, or null for any other name. `windowed`: an OVER clause follows
 * (AVG keeps SQLite's avg there).
 */
function translateFunction(name: Tok, argNodes: Node[], ctx: TranslateContext, windowed: boolean): Out | null {
  const U = name.u;
  if (!FUNCTION_NAMES.has(U)) return null;
  refuseBitOperand(U, argNodes);
  const args = argNodes.length === 0 ? [] : splitCommas(argNodes);
  const x = (nodes: Node[]): string => emitList(xlist(nodes, ctx));
  const call = (fn: string, min: number, max = min): Out => { arity(U, args, min, max); return expr(`${fn}(${args.map(x).join(', ')})`); };
  const partArg = (n: Node[] | undefined): string => {
    const t = n?.[0];
    if (!n || n.length !== 1 || !(isTok(t, 'ident') || isTok(t, 'string'))) throw syntaxError(nodeText(t));
    return quoteString(datePart(t.v));
  };
  switch (U) {
    case 'GETDATE': case 'SYSDATETIME': arity(U, args, 0); return expr('tsql_getdate()');
    case 'GETUTCDATE': case 'SYSUTCDATETIME': arity(U, args, 0); return expr('tsql_getutcdate()');
    case 'ISNULL': case 'COALESCE': {
      if (U === 'ISNULL') arity(U, args, 2); // COALESCE with fewer than 2 arguments: SQLite refuses it (174)
      const outs = args.map((a) => xlist(a, ctx));
      typedFallbacks(outs, U === 'ISNULL' ? outs.slice(0, 1) : outs);
      const length = U === 'ISNULL' ? declaredLength(args[0] as Node[], outs[0] as Out[]) : undefined;
      if (length !== undefined) outs[1] = truncated(outs[1] as Out[], length);
      return expr(`${U === 'ISNULL' ? 'ifnull' : 'coalesce'}(${outs.map(emitList).join(', ')})`);
    }
    case 'LEFT': arity(U, args, 2); return expr(`substr(${x(args[0] as Node[])}, 1, ${x(args[1] as Node[])})`);
    case 'SUBSTRING': return call('substr', 3);
    case 'AVG': return avg(args, argNodes, x, windowed);
    case 'SUM': return sum(args, argNodes, ctx, windowed);
    case 'TRIM': return trim(argNodes, args, x);
    case 'SCOPE_IDENTITY': arity(U, args, 0); return expr('last_insert_rowid()');
    case 'COUNT_BIG': return expr(`count(${x(argNodes)})`);
    case 'YEAR': case 'MONTH': case 'DAY': arity(U, args, 1); return expr(`tsql_datepart('${U.toLowerCase()}', ${x(args[0] as Node[])})`);
    case 'DATEADD': case 'DATEDIFF': {
      arity(U, args, 3);
      return expr(`tsql_${U.toLowerCase()}(${partArg(args[0])}, ${x(args[1] as Node[])}, ${x(args[2] as Node[])})`);
    }
    case 'DATEPART': case 'DATENAME': {
      arity(U, args, 2);
      return expr(`tsql_${U.toLowerCase()}(${partArg(args[0])}, ${x(args[1] as Node[])})`);
    }
    case 'CAST': {
      let as = -1;
      argNodes.forEach((n, i) => { if (isKw(n, 'AS')) as = i; });
      if (as < 0) throw syntaxError('CAST');
      return expr(`tsql_cast(${x(argNodes.slice(0, as))}, ${quoteString(typeText(argNodes.slice(as + 1)))})`);
    }
    case 'CONVERT': {
      arity(U, args, 2, 3);
      const style = args[2] ? `, ${x(args[2])}` : '';
      return expr(`tsql_cast(${x(args[1] as Node[])}, ${quoteString(typeText(args[0] as Node[]))}${style})`);
    }
    case 'POWER': arity(U, args, 2); return expr(`tsql_power(${x(args[0] as Node[])}, ${x(args[1] as Node[])}, ${decimalScale(args[0] as Node[])})`);
    default: {
      const registered = REGISTERED.get(U);
      if (registered) return call(registered[0], registered[1], registered[2]);
      const [min, max] = PASSTHROUGH.get(U) ?? [0, 0];
      arity(U, args, min, max);
      return expr(`${U.toLowerCase()}(${x(argNodes)})`);
    }
  }
}

/** The number of decimals of a decimal literal (2.50, -1.5), else NULL: POWER returns its first argument's type (math-functions.ts). */
function decimalScale(nodes: Node[]): string {
  const n = nodes.length === 2 && (isOp(nodes[0], '-') || isOp(nodes[0], '+')) ? nodes[1] : nodes.length === 1 ? nodes[0] : undefined;
  if (!isTok(n, 'number') || /e/i.test(n.v) || !n.v.includes('.')) return 'NULL';
  return String(n.v.length - n.v.indexOf('.') - 1);
}

/**
 * AVG of integers is an integer in T-SQL (the sum divided by the count, truncated), where SQLite's
 * avg() is always a float (https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql: the
 * result type of an int expression is int). When no value is a float, SQLite's average is truncated.
 */
function avg(args: Node[][], argNodes: Node[], x: (nodes: Node[]) => string, windowed: boolean): Out {
  arity('AVG', args, 1);
  const all = x(argNodes);
  if (windowed) return expr(`avg(${all})`);
  const value = isKw(argNodes[0], 'DISTINCT', 'ALL') ? x(argNodes.slice(1)) : all;
  return expr(`CASE WHEN max(typeof(${value}) = 'real') THEN avg(${all}) ELSE CAST(avg(${all}) AS INTEGER) END`);
}

/** SUM of an int expression is int: its total is checked (int-overflow.ts); a windowed SUM is left as it is. */
function sum(args: Node[][], argNodes: Node[], ctx: TranslateContext, windowed: boolean): Out {
  arity('SUM', args, 1);
  const outs = xlist(argNodes, ctx);
  const operand = kw(outs[0], 'DISTINCT', 'ALL') ? outs.slice(1) : outs;
  const sql = `sum(${emitList(outs)})`;
  return !windowed && operand.length === 1 && isStaticInt(operand[0]) ? intExpr(`tsql_int(${sql})`) : expr(sql);
}

/**
 * TRIM(s), and since SQL Server 2017 TRIM(characters FROM s), 2022 also with LEADING / TRAILING / BOTH
 * (https://learn.microsoft.com/sql/t-sql/functions/trim-transact-sql). SQLite's trim(s, characters) is
 * not T-SQL (174).
 */
function trim(argNodes: Node[], args: Node[][], x: (nodes: Node[]) => string): Out {
  const from = argNodes.findIndex((n) => isKw(n, 'FROM'));
  if (from < 0) { arity('TRIM', args, 1); return expr(`trim(${x(argNodes)})`); }
  let chars = argNodes.slice(0, from);
  let fn = 'trim';
  if (isKw(chars[0], 'LEADING', 'TRAILING', 'BOTH')) {
    fn = isKw(chars[0], 'LEADING') ? 'ltrim' : isKw(chars[0], 'TRAILING') ? 'rtrim' : 'trim';
    chars = chars.slice(1);
  }
  const value = argNodes.slice(from + 1);
  if (value.length === 0) throw syntaxError(')');
  return expr(`${fn}(${x(value)}, ${chars.length === 0 ? "' '" : x(chars)})`);
}

function typeText(nodes: Node[]): string {
  const [t, g] = nodes;
  if (!isTok(t, 'ident') || nodes.length > 2 || (g && g.t !== 'group')) throw syntaxError(nodeText(t));
  const len = g && g.t === 'group' ? `(${g.items.map((n) => (n.t === 'group' ? '' : n.v)).join('')})` : '';
  return castType(t.v + len);
}

export function xlist(nodes: Node[], ctx: TranslateContext): Out[] {
  checkRejects(nodes);
  const out: Out[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as Node;
    if (n.t === 'group') { out.push({ k: 'group', sql: '(', items: xlist(n.items, ctx) }); continue; }
    switch (n.t) {
      case 'string': out.push({ k: 'str', sql: quoteString(n.v) }); break;
      case 'number': out.push({ k: 'num', sql: n.v }); break;
      case 'hex': throw unsupported(`binary literal ${n.v}`);
      case 'temp': throw unsupported(`temporary table ${n.v}`);
      case 'var': ctx.vars.add(n.v.toLowerCase()); out.push({ k: 'var', sql: `@${sqliteParamName(n.v)}` }); break;
      case 'sysvar': out.push(sysvar(n)); break;
      case 'op': {
        if (['::', '+=', '-=', '*=', '/=', '||'].includes(n.v)) throw unsupported(`operator ${n.v}`);
        const v = n.v === '!<' ? '>=' : n.v === '!>' ? '<=' : n.v;
        out.push({ k: 'op', sql: v });
        break;
      }
      default: {
        const next = nodes[i + 1];
        if (n.t === 'ident' && next?.t === 'group') {
          const fn = translateFunction(n, next.items, ctx, isKw(nodes[i + 2], 'OVER'));
          if (fn) { out.push(fn); i++; break; }
        }
        if (n.t === 'ident' && KEYWORDS.has(n.u) && !contextWordAsName(n.u, out, next)) {
          if (kw(out[out.length - 1], 'AS') && RESERVED.has(n.u)) throw keywordSyntaxError(n.v); // SELECT 1 AS end
          // SQLite reads like(x, y) as a function; to SQL Server LIKE is only the infix operator.
          if (n.u === 'LIKE' && !followsOperand(out)) throw keywordSyntaxError(n.v);
          if (n.u === 'WITH' && isHintGroup(next)) { i++; break; }
          if (n.u === 'OPTION' && next?.t === 'group') { i++; break; }
          if (n.u === 'CASE') {
            const end = matchEnd(nodes, i);
            out.push(expr(`CASE ${emitList(xlist(nodes.slice(i + 1, end), ctx))} END`));
            i = end;
            break;
          }
          if (n.u === 'CURRENT_TIMESTAMP') { out.push(expr('tsql_getdate()')); break; }
          out.push({ k: 'kw', sql: n.v, u: n.u }); // as typed: SQLite's syntax errors quote it (errors.ts)
          break;
        }
        const prev = out[out.length - 1];
        if (n.t === 'ident' && next?.t !== 'group' && reservedAsName(n.u, kw(prev, 'AS') || prev?.k === 'name')) throw keywordSyntaxError(n.v);
        const { parts, next: after } = readChain(nodes, i);
        const groupAfter = nodes[after];
        const table = isTableSource(out);
        if (groupAfter?.t === 'group' && !isHintGroup(groupAfter)) checkNameCall(parts, n, out, table, nodes, after);
        const name = resolveName(parts, table);
        if (!table) checkRowidName(name, out, ctx.root ?? nodes, KEYWORDS);
        out.push(name);
        i = after - 1;
        if (isHintGroup(groupAfter)) i++;
      }
    }
  }
  clausePass(out);
  return out;
}

function clausePass(out: Out[]): void {
  if (kw(out[0], 'UPDATE', 'DELETE', 'INSERT') && kw(out[1], 'TOP')) throw unsupported(`TOP in ${out[0]?.u}`);
  if (kw(out[0], 'INSERT') && kw(out[1], 'OR')) throw keywordSyntaxError('OR'); // SQLite's INSERT OR REPLACE / IGNORE
  // T-SQL's INTO and FROM are optional in INSERT [INTO] T and DELETE [FROM] T; SQLite needs them.
  if (kw(out[0], 'INSERT') && out[1]?.k === 'name') out.splice(1, 0, { k: 'kw', sql: 'INTO', u: 'INTO' });
  if (kw(out[0], 'DELETE') && out[1]?.k === 'name') out.splice(1, 0, { k: 'kw', sql: 'FROM', u: 'FROM' });
  out.forEach((o, i) => {
    if (kw(o, 'INTO') && i > 0 && !kw(out[i - 1], 'INSERT')) throw unsupported('SELECT … INTO');
    if (kw(o, 'LIKE') && out[i + 1]?.k === 'str' && /\[/.test(out[i + 1]?.sql ?? '')) throw unsupported('LIKE pattern with [ ] character class');
    if (kw(o, 'IS')) isOperand(out, i);
  });
  let limit: string | null = null;
  for (let s = 0; s < out.length; s++) {
    if (!kw(out[s], 'SELECT')) continue;
    const top = selectClause(out, s);
    if (top !== null) {
      if (limit !== null || out.some((o) => kw(o, 'UNION', 'EXCEPT', 'INTERSECT'))) throw unsupported('TOP in a UNION/EXCEPT/INTERSECT query');
      limit = top;
    }
  }
  offsetFetch(out, limit);
  if (limit !== null) out.push({ k: 'kw', sql: 'LIMIT', u: 'LIMIT' }, expr(limit));
  guardDivisors(out);
  checkedMultiplication(out);
  arithmetic(out);
  typedValues(out);
  caseInsensitiveComparisons(out);
  collatedLike(out);
  collatedGrouping(out);
}

/**
 * T-SQL's IS takes only NULL (IS [NOT] NULL; 2022 adds IS [NOT] DISTINCT FROM); SQLite's `x IS 1`
 * and `x IS NOT y` are a syntax error on SQL Server
 * (https://learn.microsoft.com/sql/t-sql/queries/is-null-transact-sql).
 */
function isOperand(out: Out[], at: number): void {
  const j = kw(out[at + 1], 'NOT') ? at + 2 : at + 1;
  const o = out[j];
  if (kw(o, 'NULL', 'DISTINCT')) return;
  throw syntaxError(o?.k === 'name' ? (o.lastRaw ?? o.sql) : o?.k === 'str' ? o.sql.slice(1, -1) : (o?.sql ?? ''));
}

/** Handles TOP and the select list of the SELECT at index s; returns the TOP count if any. */
function selectClause(out: Out[], s: number): string | null {
  let j = s + 1;
  if (kw(out[j], 'DISTINCT', 'ALL')) j++;
  let top: string | null = null;
  if (kw(out[j], 'TOP')) {
    const cnt = out[j + 1];
    if (!cnt || !['num', 'var', 'group'].includes(cnt.k)) throw syntaxError('TOP');
    top = emitList([cnt]);
    out.splice(j, 2);
    if (kw(out[j], 'PERCENT')) throw unsupported('TOP … PERCENT');
    if (kw(out[j], 'WITH') && kw(out[j + 1], 'TIES')) throw unsupported('TOP … WITH TIES');
  }
  let end = j;
  while (end < out.length && !(out[end]?.k === 'kw' && CLAUSE_END.has(out[end]?.u ?? ''))) end++;
  const items: Out[][] = [[]];
  for (const o of out.slice(j, end)) {
    if (op(o, ',')) items.push([]);
    else (items[items.length - 1] as Out[]).push(o);
  }
  const rewritten: Out[] = [];
  items.forEach((item, idx) => {
    if (idx > 0) rewritten.push({ k: 'op', sql: ',' });
    rewritten.push(...nameSelectItem(item));
  });
  out.splice(j, end - j, ...rewritten);
  return top;
}

/**
 * ORDER BY … OFFSET n ROWS [FETCH NEXT m ROWS ONLY] → LIMIT m OFFSET n. OFFSET is part of ORDER BY in
 * T-SQL (https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql) and not a
 * reserved word: without ORDER BY before it, or without ROWS after its count, it is an identifier to
 * SQL Server's parser (`FROM T OFFSET 0 ROWS`: OFFSET is T's alias, error 102 near '0'). It is then
 * sent to SQLite as a quoted identifier, so SQLite fails at the same token.
 */
function offsetFetch(out: Out[], limit: string | null): void {
  const o = out.findIndex((x) => kw(x, 'OFFSET'));
  if (o < 0) return;
  let j = o + 1;
  const off: Out[] = [];
  while (j < out.length && !kw(out[j], 'ROWS', 'ROW')) off.push(out[j++] as Out);
  if (j >= out.length || !out.slice(0, o).some((x) => kw(x, 'ORDER'))) {
    out[o] = { k: 'name', sql: '"OFFSET"', last: 'OFFSET', lastRaw: 'OFFSET' };
    return;
  }
  if (limit !== null) throw unsupported('TOP together with OFFSET/FETCH');
  j++;
  let fetch = '-1';
  if (kw(out[j], 'FETCH')) {
    if (!kw(out[j + 1], 'NEXT', 'FIRST')) throw syntaxError('FETCH');
    j += 2;
    const f: Out[] = [];
    while (j < out.length && !kw(out[j], 'ROWS', 'ROW')) f.push(out[j++] as Out);
    if (!kw(out[j + 1], 'ONLY')) throw syntaxError('FETCH');
    j += 2;
    fetch = emitList(f);
  }
  out.splice(o, j - o, { k: 'kw', sql: 'LIMIT', u: 'LIMIT' }, expr(fetch), { k: 'kw', sql: 'OFFSET', u: 'OFFSET' }, expr(emitList(off)));
}

/** Binary + and - become tsql_add/tsql_sub so strings concatenate and dates shift by days, as in T-SQL. */
function arithmetic(out: Out[]): void {
  for (let i = 1; i < out.length; i++) {
    const o = out[i] as Out;
    if (!op(o, '+', '-') || !isPrimary(out[i - 1])) continue;
    let l = i - 1;
    while (l >= 2 && MUL.has(out[l - 1]?.sql ?? '') && out[l - 1]?.k === 'op' && isPrimary(out[l - 2])) l -= 2;
    if (l >= 1 && op(out[l - 1], '-', '+', '~') && !isPrimary(out[l - 2])) l -= 1;
    let r = i + 1;
    if (op(out[r], '-', '+', '~')) r++;
    if (!isPrimary(out[r])) continue;
    while (op(out[r + 1], '*', '/', '%')) {
      const step = op(out[r + 2], '-', '+', '~') ? 3 : 2;
      if (!isPrimary(out[r + step])) break;
      r += step;
    }
    const left = out.slice(l, i);
    const right = out.slice(i + 1, r + 1);
    const checked = checkedAdditive(o.sql, left, right);
    if (!checked && left.length === 1 && right.length === 1 && left[0]?.k === 'num' && right[0]?.k === 'num') continue;
    const fn = o.sql === '+' ? 'tsql_add' : 'tsql_sub';
    out.splice(l, r - l + 1, checked ?? expr(`${fn}(${emitList(left)}, ${emitList(right)})`));
    i = l;
  }
}

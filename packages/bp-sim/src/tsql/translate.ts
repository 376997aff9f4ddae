// Rewrites one T-SQL statement (as a paren tree from tokenize.ts) into SQLite SQL.
//
// Why a token-tree rewrite instead of node-sql-parser: its TransactSQL grammar rejects some valid
// T-SQL integrators send and its SQLite generator would not keep T-SQL semantics ('+' on strings,
// GETDATE() local time, date literals), so we would still have to walk and rewrite its AST. Here
// every construct we know is rewritten explicitly, every construct we know we cannot honour is
// rejected by name ("Unsupported T-SQL construct: X"), and whatever is left is checked by SQLite
// itself (its errors are mapped to SQL Server numbers in errors.ts). Anything in doubt fails loudly.
import { SqlServerError, syntaxError, unsupported } from '../errors.js';
import { type Out, expr, kw, op } from './out.js';
import { typedValues } from './typed-values.js';
import { castType, datePart } from './functions.js';
import { type Node, type Tok, isKw, isOp, isTok, nodeText, splitCommas } from './tokenize.js';


export type { Out } from './out.js';

export interface TranslateContext { vars: Set<string> }

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

/** T-SQL functions that exist in SQL Server but are not translated. */
const KNOWN_UNSUPPORTED = new Set(('FORMAT STUFF REPLICATE PATINDEX SOUNDEX DIFFERENCE EOMONTH DATEFROMPARTS DATETIMEFROMPARTS TRY_CAST ' +
  'TRY_CONVERT TRY_PARSE PARSE OBJECT_ID OBJECT_NAME DB_NAME DB_ID HASHBYTES STR ISDATE ISNUMERIC CHOOSE TRANSLATE JSON_VALUE ' +
  'JSON_QUERY ISJSON STRING_SPLIT SPACE QUOTENAME CHECKSUM BINARY_CHECKSUM SWITCHOFFSET TODATETIMEOFFSET DATETRUNC ' +
  'SYSDATETIMEOFFSET USER_NAME SUSER_SNAME HOST_NAME APP_NAME ERROR_MESSAGE ERROR_NUMBER NCHAR UNICODE LOG LOG10 SQUARE ' +
  'STRING_ESCAPE COMPRESS DECOMPRESS DATEDIFF_BIG CUME_DIST PERCENT_RANK PERCENTILE_CONT PERCENTILE_DISC').split(' '));

/** Functions whose SQLite meaning is the same as in T-SQL: emitted unchanged. */
const PASSTHROUGH = new Set(('COUNT SUM AVG MIN MAX ABS COALESCE NULLIF UPPER LOWER LTRIM RTRIM TRIM REPLACE IIF ROW_NUMBER RANK ' +
  'DENSE_RANK NTILE LAG LEAD FIRST_VALUE LAST_VALUE REVERSE CHAR ASCII POWER SQRT SIGN STRING_AGG').split(' '));

const FUNCTION_NAMES = new Set([...PASSTHROUGH, ...('GETDATE SYSDATETIME GETUTCDATE SYSUTCDATETIME ISNULL LEN LEFT RIGHT SUBSTRING ' +
  'CHARINDEX CONCAT NEWID FLOOR CEILING YEAR MONTH DAY DATEADD DATEDIFF DATEPART DATENAME CAST CONVERT SCOPE_IDENTITY COUNT_BIG ROUND').split(' ')]);

const CLAUSE_END = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'UNION', 'EXCEPT', 'INTERSECT', 'INTO', 'OPTION', 'FOR']);
const MUL = new Set(['*', '/', '%']);

/** The SQLite parameter name used for a T-SQL variable (T-SQL names are case-insensitive). */
export function sqliteParamName(tsqlVar: string): string {
  return 'v_' + tsqlVar.replace(/^@/, '').toLowerCase().replace(/[^a-z0-9_]/g, (c) => `_${c.charCodeAt(0)}_`);
}

export const quoteString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const isPrimary = (o: Out | undefined): boolean => !!o && (['name', 'str', 'num', 'var', 'expr', 'group'].includes(o.k) || kw(o, 'NULL'));

export function emitList(list: Out[]): string {
  let s = '';
  for (const o of list) {
    const text = o.k === 'group' ? `(${emitList(o.items ?? [])})` : o.sql;
    s += s === '' || o.sql === ',' ? text : ` ${text}`;
  }
  return s;
}

export function translateStatement(nodes: Node[], ctx: TranslateContext): string {
  return emitList(xlist(nodes, ctx));
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

function matchEnd(nodes: Node[], start: number): number {
  let depth = 0;
  for (let j = start; j < nodes.length; j++) {
    if (isKw(nodes[j], 'CASE')) depth++;
    else if (isKw(nodes[j], 'END') && --depth === 0) return j;
  }
  throw syntaxError('CASE');
}

interface Part { text: string; quoted: boolean }

function resolveName(parts: Part[]): Out {
  const full = parts.map((p) => p.text).join('.');
  let ps = parts.slice();
  const up = (i: number): string => (ps[i]?.text ?? '').toUpperCase();
  if (ps.length >= 4) throw unsupported(`four-part (linked server) name ${full}`);
  if (ps.length === 3 && !['DBO', ''].includes(up(0)) && ['DBO', ''].includes(up(1))) {
    if (up(0) !== 'BPSPATIENTS') throw new SqlServerError(208, `Invalid object name '${full}'.`);
    ps = ps.slice(1);
  }
  if (ps.length >= 2 && (up(0) === 'DBO' || up(0) === '')) ps = ps.slice(1);
  if (ps.length >= 2 && ['SYS', 'INFORMATION_SCHEMA'].includes(up(0))) throw new SqlServerError(208, `Invalid object name '${full}'.`);
  const last = ps[ps.length - 1] as Part;
  return {
    k: 'name',
    sql: ps.map((p) => (p.quoted ? quoteIdent(p.text) : p.text)).join('.'),
    last: last.text.toUpperCase(),
    lastRaw: last.text,
  };
}

function readChain(nodes: Node[], i: number): { parts: Part[]; next: number } {
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

function arity(name: string, args: Node[][], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw new SqlServerError(174, `The ${name.toLowerCase()} function requires ${min === max ? min : `${min} to ${max}`} argument(s).`);
  }
}

function translateFunction(name: Tok, argNodes: Node[], ctx: TranslateContext): Out | null {
  const U = name.u;
  if (!FUNCTION_NAMES.has(U)) return null;
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
    case 'ISNULL': return call('ifnull', 2);
    case 'LEN': return call('tsql_len', 1);
    case 'LEFT': arity(U, args, 2); return expr(`substr(${x(args[0] as Node[])}, 1, ${x(args[1] as Node[])})`);
    case 'RIGHT': return call('tsql_right', 2);
    case 'SUBSTRING': return call('substr', 3);
    case 'CHARINDEX': return call('tsql_charindex', 2, 3);
    case 'CONCAT': return call('tsql_concat', 2, 254);
    case 'NEWID': return call('tsql_newid', 0);
    case 'FLOOR': return call('tsql_floor', 1);
    case 'CEILING': return call('tsql_ceiling', 1);
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
    case 'ROUND': if (args.length === 3) throw unsupported('ROUND with a truncation argument'); return call('round', 1, 2);
    default: return expr(`${U.toLowerCase()}(${x(argNodes)})`); // PASSTHROUGH
  }
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
          const fn = translateFunction(n, next.items, ctx);
          if (fn) { out.push(fn); i++; break; }
        }
        if (n.t === 'ident' && KEYWORDS.has(n.u)) {
          if (n.u === 'WITH' && isHintGroup(next)) { i++; break; }
          if (n.u === 'OPTION' && next?.t === 'group') { i++; break; }
          if (n.u === 'CASE') {
            const end = matchEnd(nodes, i);
            out.push(expr(`CASE ${emitList(xlist(nodes.slice(i + 1, end), ctx))} END`));
            i = end;
            break;
          }
          if (n.u === 'CURRENT_TIMESTAMP') { out.push(expr('tsql_getdate()')); break; }
          out.push({ k: 'kw', sql: n.u, u: n.u });
          break;
        }
        const { parts, next: after } = readChain(nodes, i);
        const groupAfter = nodes[after];
        if (parts.length === 1 && n.t === 'ident' && groupAfter?.t === 'group' && !isHintGroup(groupAfter)) {
          // name(...) that is not a known function: a table column list (INSERT INTO T (...)), a CTE
          // column list (WITH c (...) AS), or an unknown function (error 195 as in SQL Server).
          const prev = out[out.length - 1];
          const tableContext = kw(prev, 'INTO') || kw(prev, 'WITH') || isKw(nodes[after + 1], 'AS') || op(prev, ',');
          if (!tableContext) {
            if (KNOWN_UNSUPPORTED.has(n.u)) throw unsupported(`${n.u}()`);
            throw new SqlServerError(195, `'${n.v}' is not a recognized built-in function name.`, 15);
          }
        }
        out.push(resolveName(parts));
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
  out.forEach((o, i) => {
    if (kw(o, 'INTO') && i > 0 && !kw(out[i - 1], 'INSERT')) throw unsupported('SELECT … INTO');
    if (kw(o, 'LIKE') && out[i + 1]?.k === 'str' && /\[/.test(out[i + 1]?.sql ?? '')) throw unsupported('LIKE pattern with [ ] character class');
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
  arithmetic(out);
  typedValues(out);
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
    const [a, b] = item;
    if (item.length >= 3 && op(b, '=')) {
      if (a?.k === 'var') throw unsupported('SELECT @variable = … (variable assignment)');
      if ((a?.k === 'name' && !a.sql.includes('.')) || a?.k === 'str') {
        const alias = a.k === 'str' ? a.sql.slice(1, -1).replace(/''/g, "'") : (a.lastRaw ?? a.sql);
        rewritten.push(...item.slice(2), { k: 'kw', sql: 'AS', u: 'AS' }, { k: 'name', sql: quoteIdent(alias) });
        return;
      }
    }
    // A bare column keeps the spelling the caller typed, as SQL Server names it (SQLite would use the declared name).
    if (item.length === 1 && a?.k === 'name' && a.lastRaw && a.lastRaw !== '*') {
      rewritten.push(a, { k: 'kw', sql: 'AS', u: 'AS' }, { k: 'name', sql: quoteIdent(a.lastRaw) });
      return;
    }
    rewritten.push(...item);
  });
  out.splice(j, end - j, ...rewritten);
  return top;
}

/** ORDER BY … OFFSET n ROWS [FETCH NEXT m ROWS ONLY] → LIMIT m OFFSET n. */
function offsetFetch(out: Out[], limit: string | null): void {
  const o = out.findIndex((x) => kw(x, 'OFFSET'));
  if (o < 0) return;
  if (limit !== null) throw unsupported('TOP together with OFFSET/FETCH');
  let j = o + 1;
  const off: Out[] = [];
  while (j < out.length && !kw(out[j], 'ROWS', 'ROW')) off.push(out[j++] as Out);
  if (j >= out.length) throw syntaxError('OFFSET');
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
    if (left.length === 1 && right.length === 1 && left[0]?.k === 'num' && right[0]?.k === 'num') continue;
    const fn = o.sql === '+' ? 'tsql_add' : 'tsql_sub';
    out.splice(l, r - l + 1, expr(`${fn}(${emitList(left)}, ${emitList(right)})`));
    i = l;
  }
}

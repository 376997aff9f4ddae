// The practice's allow-list for an integration: which tables/views it may touch and which stored
// procedures it may run. Checked on the Link before anything reaches the practice database.
//
// How a `text` command is checked (every layer must pass; any doubt refuses):
//  1. Our own T-SQL lexer (tsql-lexer.ts) decides where strings, quoted identifiers and comments are,
//     the way SQL Server does. Comments become whitespace and string contents become 's' before the
//     SQL parser sees the text, so the parser cannot be fooled into reading code as a string/comment
//     (node-sql-parser's TransactSQL grammar takes `\'` as an escape, for one).
//  2. The batch is split into statements at top-level `;`. EXEC, DECLARE and SET are checked here
//     token by token (their grammar is small); SELECT/WITH/INSERT/UPDATE/DELETE go to the parser.
//  3. For parsed statements, the objects named are the union of node-sql-parser's tableList, a walk of
//     its AST, and a token scan of every FROM/JOIN/APPLY/INTO/UPDATE/DELETE/INSERT target and every
//     schema-qualified function call. The token scan catches what the parser's table list leaves out
//     (SELECT … INTO, table-valued functions, `UPDATE TOP (n) T`).
//  4. Dynamic SQL (EXEC of a string or variable, sp_executesql, OPENROWSET/OPENQUERY/OPENDATASOURCE/
//     OPENXML), linked-server names, statement keywords in the middle of a statement (two statements
//     without a `;`), and statement types other than the above are refused.
import type { Command, Integration } from '@conduit/protocol';
import tsqlParser from 'node-sql-parser/build/transactsql.js';
import { LexError, type Tok, lexTsql } from './tsql-lexer.js';

export type AllowList = NonNullable<Integration['allowList']>;
export type AllowVerdict = { ok: true } | { ok: false; reason: string };

/** Thrown inside the check to stop at the first refusal; its message is the integrator-facing reason. */
class Refusal extends Error {}

const cannotCheck = (why: string): Refusal =>
  new Refusal(`the SQL could not be checked against the allow-list (${why}), so it was refused`);
const dynamicSql = (what: string): Refusal =>
  new Refusal(`dynamic SQL (${what}) cannot be checked against the allow-list, so it was refused`);
const tableRefused = (name: string): Refusal => new Refusal(`table ${name} is not on the allow-list for this integration`);
const procRefused = (name: string): Refusal => new Refusal(`procedure ${name} is not on the allow-list for this integration`);
const functionRefused = (name: string): Refusal => new Refusal(`function ${name} is not on the allow-list for this integration`);

/** Built-ins that reach outside the database's own objects. */
const DYNAMIC_FUNCTIONS = new Set(['OPENROWSET', 'OPENQUERY', 'OPENDATASOURCE', 'OPENXML']);
/** Procedures that run SQL handed to them as a string: refused even if listed. */
const DYNAMIC_PROCEDURES = new Set(['sp_executesql', 'sp_prepexec', 'sp_prepare', 'sp_execute', 'sp_cursoropen', 'sp_cursorprepexec']);
/**
 * Words that begin a statement (all T-SQL reserved words, or close to it). Met anywhere but the start
 * of a statement they mean a second statement without a `;`, or a construct we do not check: refused.
 */
const STATEMENT_WORDS = new Set(('INSERT UPDATE DELETE MERGE DROP CREATE ALTER TRUNCATE GRANT DENY REVOKE BACKUP RESTORE ' +
  'DBCC USE KILL SHUTDOWN RECONFIGURE BULK WAITFOR DECLARE BEGIN COMMIT ROLLBACK SAVE GOTO RETURN WHILE IF PRINT ' +
  'RAISERROR THROW OPEN CLOSE DEALLOCATE GO EXEC EXECUTE CHECKPOINT READTEXT WRITETEXT UPDATETEXT SETUSER REVERT ' +
  'ENABLE DISABLE RECEIVE SEND GET MOVE').split(' '));
const QUERY_TYPES = new Set(['select', 'insert', 'update', 'delete']);
const SET_OPTIONS_ON_OFF = new Set(['NOCOUNT', 'XACT_ABORT', 'ARITHABORT', 'ANSI_WARNINGS', 'CONCAT_NULL_YIELDS_NULL']);
const ISOLATION_LEVELS = ['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SNAPSHOT', 'SERIALIZABLE'];
const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=']);
const PLACEHOLDER = '__conduit_qi_';
const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A significant token (no whitespace/comments), knowing whether whitespace preceded it. */
interface SigTok extends Tok { spaced: boolean }

let parser: InstanceType<typeof tsqlParser.Parser> | undefined;
function getParser(): InstanceType<typeof tsqlParser.Parser> {
  parser ??= new tsqlParser.Parser();
  return parser;
}

export function checkAllowList(command: Command, allowList: AllowList): AllowVerdict {
  const check = new Checker(allowList);
  try {
    if (command.type === 'storedProcedure') check.storedProcedure(command.text);
    else check.batch(command.text);
    return { ok: true };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    if (err instanceof LexError) return { ok: false, reason: cannotCheck(err.message).message };
    return { ok: false, reason: cannotCheck(`internal error: ${err instanceof Error ? err.message : String(err)}`).message };
  }
}

const upper = (t: SigTok | undefined): string => (t && t.kind === 'name' ? t.value.toUpperCase() : '');
const isPunct = (t: SigTok | undefined, p: string): boolean => !!t && t.kind === 'punct' && t.text === p;
const isName = (t: SigTok | undefined): boolean => !!t && (t.kind === 'name' || t.kind === 'qname');

interface MultiName { parts: string[]; end: number; incomplete: boolean }

/**
 * Reads `a`, `a.b`, `a.b.c`, `a..c`, `[a].[b]` starting at i; null if no name starts there.
 * `incomplete` when a dot is followed by something else (`p.*`); `end` is then that dot.
 */
function readName(toks: SigTok[], i: number): MultiName | null {
  if (!isName(toks[i])) return null;
  const parts = [toks[i]!.value];
  let j = i + 1;
  while (isPunct(toks[j], '.')) {
    if (isName(toks[j + 1])) { parts.push(toks[j + 1]!.value); j += 2; } else if (isPunct(toks[j + 1], '.')) { parts.push(''); j++; } else {
      return { parts, end: j, incomplete: true };
    }
  }
  return { parts, end: j, incomplete: false };
}

/** readName for a place where an object must be named. */
function readObjectName(toks: SigTok[], i: number, after: string): MultiName {
  const name = readName(toks, i);
  if (!name) throw cannotCheck(`unexpected "${toks[i]?.text ?? 'end of input'}" after ${after}`);
  if (name.incomplete) throw cannotCheck(`incomplete name "${name.parts.join('.')}." after ${after}`);
  return name;
}

/** Skips a matched parenthesised group starting at toks[i] === '('; returns the index after it. */
function skipGroup(toks: SigTok[], i: number): number {
  let depth = 0;
  for (let j = i; j < toks.length; j++) {
    if (isPunct(toks[j], '(')) depth++;
    else if (isPunct(toks[j], ')') && --depth === 0) return j + 1;
  }
  throw cannotCheck('unbalanced parentheses');
}

/** Skips `TOP (n) [PERCENT]` / `TOP n [PERCENT]` at i, if present. */
function skipTop(toks: SigTok[], i: number): number {
  if (upper(toks[i]) !== 'TOP') return i;
  let j = i + 1;
  if (isPunct(toks[j], '(')) j = skipGroup(toks, j);
  else if (toks[j]?.kind === 'number' || toks[j]?.kind === 'var') j++;
  else throw cannotCheck('TOP without a row count');
  if (upper(toks[j]) === 'PERCENT') j++;
  return j;
}

class Checker {
  private readonly tables: Set<string>;
  private readonly procedures: Set<string>;

  constructor(allowList: AllowList) {
    this.tables = new Set(allowList.tables.map((t) => t.toLowerCase()));
    this.procedures = new Set(allowList.procedures.map((p) => p.toLowerCase()));
  }

  // ---- object checks ----

  /** The object name with server/database/schema prefixes stripped; linked-server names refused. */
  private bare(parts: string[], what: string): string {
    const name = parts[parts.length - 1] ?? '';
    if (!name) throw cannotCheck(`incomplete ${what} name "${parts.join('.')}"`);
    if (parts.length > 3) throw cannotCheck(`the ${what} name "${parts.join('.')}" goes through a linked server`);
    return name;
  }

  private table(parts: string[]): void {
    const name = this.bare(parts, 'table');
    if (!this.tables.has(name.toLowerCase())) throw tableRefused(name);
  }

  private procedure(parts: string[]): void {
    const name = this.bare(parts, 'procedure');
    if (DYNAMIC_PROCEDURES.has(name.toLowerCase())) throw dynamicSql(name);
    if (!this.procedures.has(name.toLowerCase())) throw procRefused(name);
  }

  /** A user-defined function may read anything, so it must be listed (as a table/view or a procedure). */
  private func(parts: string[]): void {
    const name = this.bare(parts, 'function');
    if (DYNAMIC_FUNCTIONS.has(name.toUpperCase())) throw dynamicSql(name.toUpperCase());
    if (DYNAMIC_PROCEDURES.has(name.toLowerCase())) throw dynamicSql(name);
    if (!this.tables.has(name.toLowerCase()) && !this.procedures.has(name.toLowerCase())) throw functionRefused(name);
  }

  // ---- entry points ----

  storedProcedure(text: string): void {
    const toks = significant(lexTsql(text));
    const name = readName(toks, 0);
    if (!name || name.incomplete || name.end !== toks.length) throw cannotCheck(`"${text.slice(0, 60)}" is not a procedure name`);
    this.procedure(name.parts);
  }

  batch(text: string): void {
    const toks = significant(lexTsql(text));
    let depth = 0;
    let stmt: SigTok[] = [];
    const statements: SigTok[][] = [];
    for (const t of toks) {
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) depth--;
      if (depth < 0) throw cannotCheck(`unbalanced parentheses near "${t.text}"`);
      if (isPunct(t, ';')) {
        if (depth !== 0) throw cannotCheck('";" inside parentheses');
        if (stmt.length) statements.push(stmt);
        stmt = [];
      } else {
        stmt.push(t);
      }
    }
    if (depth !== 0) throw cannotCheck('unbalanced parentheses');
    if (stmt.length) statements.push(stmt);
    if (!statements.length) throw cannotCheck('there is no statement');
    for (const s of statements) this.statement(s);
  }

  private statement(toks: SigTok[]): void {
    const first = upper(toks[0]);
    switch (first) {
      case 'EXEC': case 'EXECUTE': return this.exec(toks);
      case 'DECLARE': return this.declare(toks);
      case 'SET': return this.set(toks);
      case 'SELECT': case 'WITH': case 'INSERT': case 'UPDATE': case 'DELETE': return this.query(toks);
      default:
        if (isPunct(toks[0], '(')) return this.query(toks);
        this.unsupported(toks);
    }
  }

  /** Refuses a statement we do not check, naming an unlisted table in it where the parser can find one. */
  private unsupported(toks: SigTok[]): never {
    const norm = normalize(toks);
    let parsed: { tableList: string[]; ast: unknown };
    try {
      parsed = getParser().parse(norm.sql, { database: 'TransactSQL' });
    } catch (err) {
      throw cannotCheck(`parse error near "${norm.near(errorOffset(err))}"`);
    }
    for (const entry of parsed.tableList) {
      const name = norm.unmap(entry.split('::').pop() ?? '');
      if (name && !this.tables.has(name.toLowerCase())) throw tableRefused(name);
    }
    const words = toks.slice(0, 2).map((t) => t.text.toUpperCase()).join(' ');
    throw cannotCheck(`${words} statements are not supported with an allow-list`);
  }

  // ---- EXEC ----

  private exec(toks: SigTok[]): void {
    let i = 1;
    if (isPunct(toks[i], '(')) throw dynamicSql('EXEC of a string');
    if (toks[i]?.kind === 'var') {
      if (!(toks[i + 1]?.kind === 'op' && toks[i + 1]!.text === '=')) throw dynamicSql('EXEC of a procedure named by a variable');
      i += 2; // EXEC @ret = proc
    }
    if (isPunct(toks[i], '(')) throw dynamicSql('EXEC of a string');
    if (toks[i]?.kind === 'var') throw dynamicSql('EXEC of a procedure named by a variable');
    if (toks[i]?.kind === 'string') throw dynamicSql('EXEC of a string');
    if (upper(toks[i]) === 'AS') throw cannotCheck('EXECUTE AS (impersonation) is not supported with an allow-list');
    const name = readObjectName(toks, i, 'EXEC');
    this.procedure(name.parts);
    i = name.end;
    // Arguments: [@param =] value [OUTPUT|OUT], comma separated. Values are literals, variables,
    // DEFAULT/NULL or bare words (which T-SQL reads as strings); nothing else may follow.
    if (i >= toks.length) return;
    while (true) {
      if (toks[i]?.kind === 'var' && toks[i + 1]?.kind === 'op' && toks[i + 1]!.text === '=') i += 2;
      const v = toks[i];
      if (v?.kind === 'op' && (v.text === '-' || v.text === '+') && toks[i + 1]?.kind === 'number') i += 2;
      else if (v && (v.kind === 'string' || v.kind === 'number' || v.kind === 'var')) i++;
      else if (v?.kind === 'name' && !toks[i + 1]?.text.startsWith('.') && !isPunct(toks[i + 1], '(')) i++;
      else throw cannotCheck(`unexpected "${v?.text ?? 'end of input'}" in the EXEC arguments`);
      if (['OUTPUT', 'OUT'].includes(upper(toks[i]))) i++;
      if (i >= toks.length) return;
      if (!isPunct(toks[i], ',')) throw cannotCheck(`unexpected "${toks[i]!.text}" after an EXEC argument (one statement per ";")`);
      i++;
    }
  }

  // ---- DECLARE / SET ----

  private declare(toks: SigTok[]): void {
    let i = 1;
    while (true) {
      if (toks[i]?.kind !== 'var') throw cannotCheck(`DECLARE expects a variable near "${toks[i]?.text ?? 'end of input'}"`);
      i++;
      if (upper(toks[i]) === 'AS') i++;
      const type = upper(toks[i]);
      if (!type || type === 'TABLE' || type === 'CURSOR') throw cannotCheck(`DECLARE of a ${type ? type.toLowerCase() : 'missing'} type is not supported`);
      i++;
      if (isPunct(toks[i], '(')) {
        const end = skipGroup(toks, i);
        for (const t of toks.slice(i + 1, end - 1)) {
          if (!(t.kind === 'number' || isPunct(t, ',') || upper(t) === 'MAX')) throw cannotCheck(`unexpected "${t.text}" in a DECLARE type`);
        }
        i = end;
      }
      if (toks[i]?.kind === 'op' && toks[i]!.text === '=') {
        const start = i + 1;
        let depth = 0;
        for (i = start; i < toks.length; i++) {
          if (isPunct(toks[i], '(')) depth++;
          else if (isPunct(toks[i], ')')) depth--;
          else if (depth === 0 && isPunct(toks[i], ',')) break;
        }
        this.expression(toks.slice(start, i));
      }
      if (i >= toks.length) return;
      if (!isPunct(toks[i], ',')) throw cannotCheck(`unexpected "${toks[i]!.text}" in DECLARE (one statement per ";")`);
      i++;
    }
  }

  private set(toks: SigTok[]): void {
    const target = toks[1];
    if (target?.kind === 'var') {
      const op = toks[2];
      if (!(op?.kind === 'op' && ASSIGN_OPS.has(op.text))) throw cannotCheck(`unexpected "${op?.text ?? 'end of input'}" in SET ${target.text}`);
      return this.expression(toks.slice(3));
    }
    const words = toks.slice(1).map((t) => upper(t)).join(' ');
    if (toks.length === 3 && SET_OPTIONS_ON_OFF.has(upper(toks[1])) && ['ON', 'OFF'].includes(upper(toks[2]))) return;
    if (ISOLATION_LEVELS.some((level) => words === `TRANSACTION ISOLATION LEVEL ${level}`)) return;
    throw cannotCheck(`SET ${toks[1]?.text ?? ''} is not supported with an allow-list`);
  }

  /** An expression from DECLARE/SET is checked as `SELECT <expression>`. */
  private expression(expr: SigTok[]): void {
    if (!expr.length) throw cannotCheck('an assignment has no value');
    const select: SigTok = { kind: 'name', text: 'SELECT', value: 'SELECT', start: expr[0]!.start, spaced: false };
    this.query([select, { ...expr[0]!, spaced: true }, ...expr.slice(1)]);
  }

  // ---- SELECT / WITH / INSERT / UPDATE / DELETE ----

  private query(toks: SigTok[]): void {
    // (a) words that mean dynamic SQL or a second statement, before anything else.
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.kind === 'name' && DYNAMIC_FUNCTIONS.has(t.value.toUpperCase())) throw dynamicSql(t.value.toUpperCase());
      if ((t.kind === 'name' || t.kind === 'qname') && DYNAMIC_PROCEDURES.has(t.value.toLowerCase())) throw dynamicSql(t.value);
      if (i > 0 && t.kind === 'name' && STATEMENT_WORDS.has(t.value.toUpperCase())) {
        const w = t.value.toUpperCase();
        if (upper(toks[0]) === 'WITH') throw cannotCheck(`${w} after WITH is not supported with an allow-list; only WITH … SELECT is`);
        throw cannotCheck(`unexpected ${w} inside a statement; put each statement after a ";"`);
      }
    }
    // (b) parse. A parse failure is a refusal.
    const norm = normalize(toks);
    let parsed: { tableList: string[]; ast: unknown };
    try {
      parsed = getParser().parse(norm.sql, { database: 'TransactSQL' });
    } catch (err) {
      throw cannotCheck(`parse error near "${norm.near(errorOffset(err))}"`);
    }
    const asts = (Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast]) as Record<string, unknown>[];
    const ctes = new Set<string>();
    const targetAliases = new Set<string>();
    for (const ast of asts) {
      const type = typeof ast?.type === 'string' ? ast.type : '';
      if (!QUERY_TYPES.has(type)) throw cannotCheck(`a ${type || 'unrecognised'} statement is not supported with an allow-list`);
      if (Array.isArray(ast.with)) {
        const withs = ast.with as { name?: { value?: unknown }; stmt?: unknown }[];
        const names = withs.map((w) => {
          if (typeof w?.name?.value !== 'string') throw cannotCheck('a WITH clause without a name');
          return norm.unmap(w.name.value).toLowerCase();
        });
        // A CTE is visible only after its definition (and inside its own, recursively). A name used
        // in an earlier CTE body is a real table, so exempting it there would let it through.
        withs.forEach((w, k) => {
          for (const used of unqualifiedTables(w.stmt)) {
            const later = names.indexOf(norm.unmap(used).toLowerCase(), k + 1);
            if (later > k) throw cannotCheck(`"${used}" is used in a WITH clause before it is defined`);
          }
        });
        for (const n of names) ctes.add(n);
      }
      // `UPDATE p SET … FROM Patients p` / `DELETE p FROM Patients p`: the target is an alias from the
      // statement's own FROM (whose table is checked there). Only the top-level FROM counts.
      if ((type === 'update' || type === 'delete') && Array.isArray(ast.from)) {
        for (const f of ast.from as { as?: unknown }[]) if (typeof f?.as === 'string') targetAliases.add(norm.unmap(f.as).toLowerCase());
      }
    }
    const exempt = (parts: string[], target: boolean): boolean => {
      if (parts.length !== 1) return false;
      const n = parts[0]!.toLowerCase();
      return ctes.has(n) || (target && targetAliases.has(n));
    };
    const checkTable = (parts: string[], target: boolean): void => {
      if (!exempt(parts, target)) this.table(parts);
    };

    // (c) token scan of every place a table (or table-valued function) is named.
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      const w = upper(t);
      let at = -1;
      let target = false;
      if (w === 'FROM' || w === 'JOIN' || w === 'APPLY' || w === 'INTO') {
        at = i + 1;
        // `DELETE [TOP (n)] FROM x`: x is the target (and may be an alias from a second FROM).
        target = w === 'FROM' && upper(toks[0]) === 'DELETE' && i === skipTop(toks, 1);
      } else if (i === 0 && (w === 'UPDATE' || w === 'DELETE' || w === 'INSERT')) {
        const j = skipTop(toks, 1);
        if (upper(toks[j]) === 'FROM' || upper(toks[j]) === 'INTO') continue; // handled at that keyword
        at = j;
        target = w !== 'INSERT';
      }
      if (at < 0) {
        // A schema-qualified name followed by "(" is a user-defined function call.
        if (isName(t) && !isPunct(toks[i - 1], '.')) {
          const name = readName(toks, i);
          if (name && !name.incomplete && name.parts.length > 1 && isPunct(toks[name.end], '(')) this.func(name.parts);
        }
        continue;
      }
      const next = toks[at];
      if (!next) throw cannotCheck(`${w} without a table`);
      if (isPunct(next, '(') || next.kind === 'var') continue; // derived table / table variable
      const name = readObjectName(toks, at, w);
      if (isPunct(toks[name.end], '(')) this.func(name.parts);
      else checkTable(name.parts, target);
    }

    // (d) every table the parser saw: its table list and its AST.
    for (const entry of parsed.tableList) {
      const bits = entry.split('::');
      if (bits.length !== 3) throw cannotCheck(`unexpected table reference "${entry}"`);
      const [action, prefix, name] = bits as [string, string, string];
      const parts = [...(prefix === 'null' ? [] : prefix.split('.')), name].map((p) => norm.unmap(p));
      checkTable(parts, action === 'update' || action === 'delete');
    }
    for (const ast of asts) {
      walk(ast, (node, role) => {
        if (node.type === 'column_ref') return false;
        if (typeof node.table === 'string' && !('column' in node)) {
          const parts = [node.server, node.db, node.schema, node.table]
            .filter((p): p is string => typeof p === 'string' && p.length > 0)
            .map((p) => norm.unmap(p));
          checkTable(parts, role === 'target');
        }
        if (node.type === 'function' && isRecord(node.name) && node.name.schema) {
          const nameParts = Array.isArray(node.name.name) ? node.name.name as { value?: unknown }[] : [];
          const last = nameParts[nameParts.length - 1]?.value;
          if (typeof last !== 'string') throw cannotCheck('a function call without a name');
          this.func(['schema', norm.unmap(last)]);
        }
        if (isRecord(node.into) && node.into.expr !== undefined && node.into.expr !== null) {
          if (typeof node.into.expr !== 'string') throw cannotCheck('SELECT … INTO a computed target');
          checkTable([norm.unmap(node.into.expr)], true);
        }
        return true;
      });
    }
  }
}

/** Unqualified table names referenced anywhere under an AST node (table-list strings included). */
function unqualifiedTables(node: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const go = (v: unknown): void => {
    if (seen.has(v)) return;
    if (typeof v === 'string') {
      const bits = v.split('::');
      if (bits.length === 3 && bits[1] === 'null') out.push(bits[2]!);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    seen.add(v);
    if (Array.isArray(v)) { for (const x of v) go(x); return; }
    const r = v as Record<string, unknown>;
    if (typeof r.table === 'string' && !('column' in r) && !r.db && !r.schema && !r.server) out.push(r.table);
    for (const child of Object.values(r)) go(child);
  };
  go(node);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Visits every object in the AST. `role` is 'target' for the target tables of a top-level UPDATE or
 * DELETE (which may be aliases from that statement's FROM). The visitor returns false to skip children.
 */
function walk(ast: Record<string, unknown>, visit: (node: Record<string, unknown>, role: 'target' | 'other') => boolean): void {
  const seen = new Set<unknown>();
  const go = (v: unknown, role: 'target' | 'other'): void => {
    if (seen.has(v)) return;
    if (Array.isArray(v)) { seen.add(v); for (const x of v) go(x, role); return; }
    if (!isRecord(v)) return;
    seen.add(v);
    if (!visit(v, role)) return;
    for (const child of Object.values(v)) go(child, 'other');
  };
  if ((ast.type === 'update' || ast.type === 'delete') && Array.isArray(ast.table)) {
    seen.add(ast.table);
    for (const t of ast.table) if (isRecord(t)) { seen.add(t); visit(t, 'target'); for (const child of Object.values(t)) go(child, 'other'); }
  }
  go(ast, 'other');
}

function significant(toks: Tok[]): SigTok[] {
  const out: SigTok[] = [];
  let spaced = false;
  for (const t of toks) {
    if (t.kind === 'ws' || t.kind === 'comment') { spaced = true; continue; }
    out.push({ ...t, spaced });
    spaced = false;
  }
  return out;
}

interface Normalized {
  sql: string;
  /** Maps a placeholder identifier back to the name as written. */
  unmap(name: string): string;
  /** The original text around an offset of `sql`, for error messages. */
  near(offset: number | undefined): string;
}

/**
 * The statement as the parser sees it: comments are gone (whitespace), every string literal is 's',
 * quoted identifiers are [bracketed] (odd ones replaced by placeholders) and `a..b` is `a.[dbo].b`.
 */
function normalize(toks: SigTok[]): Normalized {
  let sql = '';
  const offsets: number[] = [];
  const placeholders = new Map<string, string>();
  toks.forEach((t, i) => {
    if (t.spaced && sql) sql += ' ';
    offsets.push(sql.length);
    if (t.kind === 'string') sql += "'s'";
    else if (t.kind === 'qname') {
      if (SIMPLE_NAME.test(t.value) && !t.value.startsWith(PLACEHOLDER)) sql += `[${t.value}]`;
      else {
        const p = `${PLACEHOLDER}${placeholders.size}`;
        placeholders.set(p.toLowerCase(), t.value);
        sql += `[${p}]`;
      }
    } else sql += t.text;
    if (isPunct(t, '.') && isPunct(toks[i + 1], '.') && !toks[i + 1]!.spaced) sql += '[dbo]';
  });
  return {
    sql,
    unmap: (name) => placeholders.get(name.toLowerCase()) ?? name,
    near: (offset) => {
      if (offset === undefined) return sql.slice(0, 40);
      let k = 0;
      while (k + 1 < offsets.length && offsets[k + 1]! <= offset) k++;
      const text = toks.slice(k, k + 6).map((t) => t.text).join(' ');
      return text.length > 50 ? `${text.slice(0, 50)}…` : text || 'end of input';
    },
  };
}

function errorOffset(err: unknown): number | undefined {
  if (isRecord(err) && isRecord(err.location) && isRecord(err.location.start) && typeof err.location.start.offset === 'number') {
    return err.location.start.offset;
  }
  return undefined;
}

// Runs a T-SQL text batch: DECLARE / SET / EXEC / transaction control are interpreted here,
// SELECT / INSERT / UPDATE / DELETE are translated (translate.ts) and run on SQLite.
import type Database from 'better-sqlite3';
import { type StatementCache, columnsOf, statementCache } from '../cache.js';
import { SqlServerError, notNullError, syntaxError, toSqlServerError, unsupported } from '../errors.js';
import { canonical, parseDateish } from '../dates.js';
import { callProcedure, type ProcArg } from '../procedures/registry.js';
import { currentDateFormat, languageDateFormat, setDateFormat } from '../conversions.js';
import type { SimOutcome, SimParam } from '../types.js';
import { castType, castValue } from './functions.js';
import { type Node, type Tok, isKw, isOp, isTok, nodeText, splitCommas } from './tokenize.js';
import { type CompiledBatch, type Translation, compileBatch, varKey } from './compiled.js';
import { keyedRow, readAsArrays } from './repeated-columns.js';

/**
 * A batch variable: `type` is its DECLAREd type (values are cast to it); `sqlType` the Halo type of a
 * parameter; `integer` whether a whole number in it is bound as an SQLite INTEGER (see boundValue).
 */
interface Variable { value: unknown; type: string | null; sqlType?: string; integer: boolean }
type Vars = Map<string, Variable>;

const INTEGER_TYPE = /^(int|bigint|smallint|tinyint|bit)\b/i;
/** Is a DECLAREd type or a parameter's type one of T-SQL's integer types? An untyped parameter counts (the driver sends a whole number as int). */
const integerTyped = (type: string | null | undefined): boolean => !type || INTEGER_TYPE.test(type);

/**
 * The value bound for a variable. better-sqlite3 binds a JS number as REAL, so `@a / @b` with int
 * variables would divide as floats; T-SQL divides two integers as integers and truncates
 * (https://learn.microsoft.com/sql/t-sql/language-elements/divide-transact-sql), as SQLite does for INTEGERs.
 */
function boundValue(v: Variable): unknown {
  const b = bindable(v.value);
  return v.integer && typeof b === 'number' && Number.isSafeInteger(b) ? BigInt(b) : b;
}

const IGNORED_SET_OPTIONS = new Set(['NOCOUNT', 'ANSI_NULLS', 'ANSI_PADDING', 'ANSI_WARNINGS', 'ANSI_NULL_DFLT_ON', 'ARITHABORT',
  'CONCAT_NULL_YIELDS_NULL', 'QUOTED_IDENTIFIER', 'NUMERIC_ROUNDABORT', 'XACT_ABORT', 'LOCK_TIMEOUT', 'DEADLOCK_PRIORITY', 'TEXTSIZE',
  'IMPLICIT_TRANSACTIONS', 'CURSOR_CLOSE_ON_COMMIT', 'TRANSACTION', 'STATISTICS', 'FMTONLY', 'NOEXEC', 'SHOWPLAN_TEXT']);
const DATE_SQL_TYPES = new Set(['date', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset']);

/** JS value → something better-sqlite3 can bind (booleans and Dates are not bindable). */
export function bindable(value: unknown, sqlType?: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date || (typeof value === 'string' && sqlType && DATE_SQL_TYPES.has(sqlType.toLowerCase()))) {
    const p = parseDateish(value);
    if (!p) throw new SqlServerError(8114, `Error converting data type nvarchar to ${sqlType ?? 'datetime'}.`);
    return canonical(p);
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string' || Buffer.isBuffer(value)) return value;
  throw new SqlServerError(8114, `Error converting parameter value of type ${typeof value}.`);
}

/**
 * A statement's row iterator whose errors surface as SqlServerErrors. A plain object rather than a
 * generator: `yield*` costs about a third of a microsecond per row. return() always reaches the
 * statement's iterator, so the statement is released even if no row was read.
 */
class MappedRows<T> implements IterableIterator<T> {
  constructor(private readonly it: IterableIterator<T>, private readonly map?: (row: T) => T) {}
  [Symbol.iterator](): this { return this; }
  next(): IteratorResult<T> {
    let r: IteratorResult<T>;
    try { r = this.it.next(); } catch (e) { throw toSqlServerError(e); }
    return this.map && !r.done ? { done: false, value: this.map(r.value) } : r;
  }
  return(value?: unknown): IteratorResult<T> {
    try { this.it.return?.(); } catch (e) { throw toSqlServerError(e); }
    return { done: true, value: value as T };
  }
}

class BatchRunner {
  readonly vars: Vars = new Map();
  columns: string[] | null = null;
  rows: Iterable<Record<string, unknown>> = [];
  rowsAffected = -1;
  returnValue: number | null = null;
  private openedTransaction = false;
  private readonly startFormat = currentDateFormat();

  private readonly statements: StatementCache;
  private batch: CompiledBatch | null = null;

  constructor(private readonly db: Database.Database, private readonly readonly: boolean) {
    this.statements = statementCache(db);
  }

  private affected(n: number): void { this.rowsAffected = Math.max(this.rowsAffected, 0) + n; }

  private bindings(t: Translation): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { key, name, param } of t.vars) {
      const v = this.vars.get(key);
      if (!v) throw new SqlServerError(137, `Must declare the scalar variable "${name}".`, 15);
      out[param] = boundValue(v);
    }
    return out;
  }

  /** Evaluates a T-SQL expression by selecting it through the translator. */
  private evaluate(exprNodes: Node[]): unknown {
    const t = (this.batch as CompiledBatch).expression(exprNodes);
    return this.statements.prepare(t.sql, true).get(this.bindings(t));
  }

  private assign(name: string, value: unknown): void {
    const v = this.vars.get(varKey(name));
    if (!v) throw new SqlServerError(137, `Must declare the scalar variable "${name}".`, 15);
    v.value = v.type ? castValue(bindable(value) as never, v.type) : value;
  }

  run(text: string): void {
    const batch = compileBatch(text);
    this.batch = batch;
    const { statements } = batch;
    try {
      for (let i = 0; i < statements.length; i++) {
        if (this.statement(statements[i] as Node[], i, i === statements.length - 1) === 'return') break;
      }
      if (this.openedTransaction && this.db.inTransaction) {
        this.db.exec('ROLLBACK');
        throw new SqlServerError(266, 'Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT statements. The transaction was rolled back.');
      }
    } catch (e) {
      if (this.openedTransaction && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private statement(st: Node[], index: number, last: boolean): 'return' | void {
    const head = st[0] as Node;
    if (!isTok(head, 'ident')) throw syntaxError(nodeText(head));
    switch (head.u) {
      case 'SELECT': case 'WITH': case 'INSERT': case 'UPDATE': case 'DELETE': return this.sql(index, last);
      case 'DECLARE': return this.declare(st.slice(1));
      case 'SET': return this.set(st.slice(1));
      case 'EXEC': case 'EXECUTE': return this.exec(st.slice(1));
      case 'BEGIN': {
        if (!isKw(st[1], 'TRAN', 'TRANSACTION')) throw unsupported(isKw(st[1], 'TRY') ? 'BEGIN TRY … END TRY' : 'BEGIN … END block');
        if (this.db.inTransaction) throw unsupported('nested BEGIN TRANSACTION');
        this.db.exec(this.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');
        this.openedTransaction = true;
        return;
      }
      case 'COMMIT': case 'ROLLBACK': {
        if (!this.db.inTransaction) {
          throw new SqlServerError(3902, `The ${head.u} TRANSACTION request has no corresponding BEGIN TRANSACTION.`);
        }
        this.db.exec(head.u);
        return;
      }
      case 'PRINT': return;
      case 'RETURN': return 'return';
      case 'USE': {
        const db = st[1];
        if (isTok(db) && db.u === 'BPSPATIENTS') return;
        throw new SqlServerError(911, `Database '${nodeText(db)}' does not exist. Make sure that the name is entered correctly.`);
      }
      case 'RAISERROR': {
        const g = st[1];
        const args = g && g.t === 'group' ? splitCommas(g.items) : [];
        const msg = args[0] ? this.evaluate(args[0]) : '';
        const severity = args[1] ? Number(this.evaluate(args[1])) : 16;
        throw new SqlServerError(50000, String(msg), severity);
      }
      case 'THROW': {
        const args = splitCommas(st.slice(1));
        if (args.length !== 3) throw unsupported('THROW without arguments');
        throw new SqlServerError(Number(this.evaluate(args[0] as Node[])), String(this.evaluate(args[1] as Node[])));
      }
      case 'IF': case 'WHILE': case 'CREATE': case 'ALTER': case 'DROP': case 'TRUNCATE': case 'MERGE': case 'GRANT': case 'REVOKE':
      case 'DENY': case 'WAITFOR': case 'BULK': case 'OPEN': case 'CLOSE': case 'DEALLOCATE': case 'SAVE': case 'FETCH':
        throw unsupported(head.u);
      case 'GO': throw unsupported('GO (batch separator)');
      default: throw syntaxError(head.v);
    }
  }

  private sql(index: number, last: boolean): void {
    const t = (this.batch as CompiledBatch).statement(index);
    const stmt = this.statements.prepare(t.sql);
    const bind = this.bindings(t);
    if (stmt.reader) {
      if (this.columns !== null) { stmt.all(bind); return; } // later result sets run but are not returned
      const columns = columnsOf(stmt);
      this.columns = columns;
      type Row = Record<string, unknown>;
      const map = readAsArrays(stmt, columns) ? (r: Row): Row => keyedRow(r as unknown as unknown[], columns) : undefined;
      // The last statement of the batch streams; an earlier one must finish before the next runs. A
      // batch that changed DATEFORMAT reads its rows now: the setting ends with the batch.
      if (last && currentDateFormat() === this.startFormat) this.rows = new MappedRows(stmt.iterate(bind) as IterableIterator<Row>, map);
      else this.rows = map ? (stmt.all(bind) as Row[]).map(map) : (stmt.all(bind) as Row[]);
      return;
    }
    try {
      this.affected(stmt.run(bind).changes);
    } catch (e) {
      const err = toSqlServerError(e);
      const m = err.number === 515 && /^UPDATE\b/i.test(t.sql) ? /column '(\w+)', table 'BPSPatients\.dbo\.(\w+)'/.exec(err.message) : null;
      throw m ? notNullError(m[2] ?? '', m[1] ?? '', 'UPDATE') : err;
    }
  }

  private declare(rest: Node[]): void {
    for (const part of splitCommas(rest)) {
      const [v, ...tail] = part;
      if (!isTok(v, 'var')) throw syntaxError(nodeText(v));
      let k = 0;
      if (isKw(tail[0], 'AS')) k++;
      const typeTok = tail[k];
      if (!isTok(typeTok, 'ident')) throw syntaxError(nodeText(typeTok));
      if (typeTok.u === 'TABLE') throw unsupported('table variables (DECLARE @t TABLE)');
      if (typeTok.u === 'CURSOR') throw unsupported('CURSOR');
      k++;
      let typeText = typeTok.v;
      const g = tail[k];
      if (g && g.t === 'group') { typeText += `(${g.items.map((n) => (n.t === 'group' ? '' : n.v)).join('')})`; k++; }
      const type = castType(typeText);
      if (this.vars.has(varKey(v.v))) {
        throw new SqlServerError(134, `The variable name '${v.v}' has already been declared. Variable names must be unique within a query batch or stored procedure.`, 15);
      }
      this.vars.set(varKey(v.v), { value: null, type, integer: integerTyped(type) });
      if (k < tail.length) {
        if (!isOp(tail[k], '=')) throw syntaxError(nodeText(tail[k]));
        this.assign(v.v, this.evaluate(tail.slice(k + 1)));
      }
    }
  }

  private set(rest: Node[]): void {
    const [target, opTok, ...value] = rest;
    if (isTok(target, 'var')) {
      if (!isTok(opTok, 'op') || !['=', '+=', '-='].includes(opTok.v)) throw syntaxError(nodeText(opTok));
      const v = this.evaluate(value);
      const current = this.vars.get(varKey(target.v))?.value;
      if (opTok.v === '=') this.assign(target.v, v);
      else this.assign(target.v, this.statements.prepare(`SELECT ${opTok.v === '+=' ? 'tsql_add' : 'tsql_sub'}(?, ?)`, true).get(bindable(current), bindable(v)));
      return;
    }
    if (isTok(target, 'ident') && IGNORED_SET_OPTIONS.has(target.u)) return; // session options with no effect on results here
    if (isTok(target, 'ident') && (target.u === 'DATEFORMAT' || target.u === 'LANGUAGE')) return this.setDateOption(target.u, opTok);
    throw unsupported(`SET ${nodeText(target)}`);
  }

  /** SET DATEFORMAT dmy|mdy|ymd and SET LANGUAGE british|us_english: how date strings are read for the rest of the batch. */
  private setDateOption(option: string, arg: Node | undefined): void {
    const word = isTok(arg, 'ident') || isTok(arg, 'string') || isTok(arg, 'qident') ? arg.v : nodeText(arg);
    if (option === 'DATEFORMAT') {
      const f = word.toLowerCase();
      if (f === 'mdy' || f === 'dmy' || f === 'ymd') { setDateFormat(f); return; }
      if (f === 'dym' || f === 'myd' || f === 'ydm') throw unsupported(`SET DATEFORMAT ${word}`);
      throw new SqlServerError(2741, 'SET DATEFORMAT date order not supported.');
    }
    const f = languageDateFormat(word);
    if (!f) throw unsupported(`SET LANGUAGE ${word}`);
    setDateFormat(f);
  }

  private exec(rest: Node[]): void {
    let i = 0;
    let returnVar: string | null = null;
    if (isTok(rest[0], 'var') && isOp(rest[1], '=')) { returnVar = rest[0].v; i = 2; }
    const first = rest[i];
    if (!first || first.t === 'group' || isTok(first, 'string') || isTok(first, 'var')) throw unsupported('EXEC of a dynamic SQL string');
    let name = '';
    while (isTok(rest[i], 'ident') || isTok(rest[i], 'qident') || isOp(rest[i], '.')) {
      const t = rest[i] as Tok;
      name += t.t === 'qident' ? `[${t.v}]` : t.v;
      i++;
    }
    if (/^(sys\.)?sp_executesql$/i.test(name)) throw unsupported('sp_executesql');
    const argNodes = rest.slice(i);
    const args: ProcArg[] = argNodes.length === 0 ? [] : splitCommas(argNodes).map((a) => this.execArg(a));
    const res = callProcedure(this.db, name, args);
    if (res.columns && this.columns === null) { this.columns = res.columns; this.rows = res.rows ?? []; }
    if (res.rowsAffected !== undefined) this.affected(res.rowsAffected);
    this.returnValue = res.returnValue;
    if (returnVar) this.assign(returnVar, res.returnValue);
  }

  private execArg(a: Node[]): ProcArg {
    let nodes = a;
    let name: string | undefined;
    if (isTok(nodes[0], 'var') && isOp(nodes[1], '=')) { name = nodes[0].v; nodes = nodes.slice(2); }
    const lastTok = nodes[nodes.length - 1];
    if (nodes.length > 1 && isKw(lastTok, 'OUTPUT', 'OUT')) {
      throw new SqlServerError(8162, `The formal parameter "${name ?? '@?'}" was not declared as an OUTPUT parameter, but the actual parameter passed in requested output.`);
    }
    const [v, w] = nodes;
    if (nodes.length === 2 && isOp(v, '-') && isTok(w, 'number')) return { name, value: -Number(w.v) };
    if (nodes.length !== 1 || !v) throw syntaxError(nodeText(nodes[1] ?? v));
    if (isTok(v, 'string')) return { name, value: v.v, sqlType: 'varchar' };
    if (isTok(v, 'number')) return { name, value: Number(v.v), sqlType: /^\d+$/.test(v.v) && Number(v.v) <= 2 ** 31 - 1 ? 'int' : /e/i.test(v.v) ? 'float' : 'numeric' };
    if (isTok(v, 'var')) {
      const variable = this.vars.get(varKey(v.v));
      if (!variable) throw new SqlServerError(137, `Must declare the scalar variable "${v.v}".`, 15);
      return { name, value: variable.value, sqlType: variable.type ?? variable.sqlType };
    }
    if (isKw(v, 'NULL')) return { name, value: null };
    if (isKw(v, 'DEFAULT')) return { name, value: null, isDefault: true };
    if (isTok(v, 'ident')) return { name, value: v.v }; // T-SQL accepts an unquoted word as a string argument
    throw syntaxError(nodeText(v));
  }
}

function declareParams(runner: BatchRunner, params: SimParam[]): void {
  for (const p of params) {
    if (p.direction === 'returnValue') continue;
    runner.vars.set(varKey(p.name), {
      value: p.direction === 'output' ? null : bindable(p.value, p.sqlType), type: null, sqlType: p.sqlType, integer: integerTyped(p.sqlType),
    });
  }
}

export function runTextBatch(db: Database.Database, readonly: boolean, text: string, params: SimParam[]): SimOutcome {
  const runner = new BatchRunner(db, readonly);
  declareParams(runner, params);
  const dateFormat = currentDateFormat();
  try {
    runner.run(text);
  } finally {
    setDateFormat(dateFormat); // SET DATEFORMAT / LANGUAGE last for the batch only (docs/decisions.md)
  }
  const output: Record<string, unknown> = {};
  for (const p of params) {
    if (p.direction === 'output' || p.direction === 'inputOutput') output[p.name] = runner.vars.get(varKey(p.name))?.value ?? null;
  }
  return { columns: runner.columns, rows: runner.rows, rowsAffected: runner.rowsAffected, returnValue: null, output };
}

export function runProcedureBatch(db: Database.Database, name: string, params: SimParam[]): SimOutcome {
  const args: ProcArg[] = params
    .filter((p) => p.direction !== 'returnValue')
    .map((p) => ({ name: p.name, value: p.direction === 'output' ? null : bindable(p.value, p.sqlType), sqlType: p.sqlType }));
  const res = callProcedure(db, name, args);
  const output: Record<string, unknown> = {};
  for (const p of params) {
    if (p.direction === 'output' || p.direction === 'inputOutput') output[p.name] = p.direction === 'output' ? null : p.value;
    if (p.direction === 'returnValue') output[p.name] = res.returnValue;
  }
  return {
    columns: res.columns ?? null,
    rows: res.rows ?? [],
    rowsAffected: res.rowsAffected ?? -1,
    returnValue: res.returnValue,
    output,
  };
}

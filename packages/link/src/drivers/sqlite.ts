// Driver for the simulated Bp Premier database (SQLite through @conduit/bp-sim).
import { BpSimDatabase, FIRST_VALUE, SqlServerError, type SimParam } from '@conduit/bp-sim';
import { decodeParameterValue, encodeParameterValue, ParameterValueError, type ResultParameter } from '@conduit/protocol';
import { DriverError, type Driver, type DriverRequest, type DriverResult } from './driver.js';
import type { ResultWriter } from '../result-writer.js';

export interface SqliteDriverOptions {
  /** catalogue name -> database file; the first is the default catalogue. */
  catalogues: Record<string, string>;
  /** Called with each connection's interrupt token as it is opened (when the extension is built). */
  onOpen?: (token: bigint) => void;
}

/**
 * The first column's value, as SQL Server's ExecuteScalar returns it. Not Object.values(row)[0]: an
 * object lists integer-like keys ('1', '2') first, and keeps only the last of repeated names (several
 * unnamed columns), whose first value bp-sim keeps under FIRST_VALUE.
 */
function scalarOf(row: Record<string, unknown>, columns: string[] | null): unknown {
  const r = row as Record<string | symbol, unknown>;
  if (FIRST_VALUE in r) return r[FIRST_VALUE];
  const name = columns?.[0];
  return name !== undefined && name in row ? row[name] : Object.values(row)[0];
}

export class SqliteDriver implements Driver {
  private readonly dbs = new Map<string, BpSimDatabase>();
  private readonly defaultCatalogue: string;

  constructor(private readonly opts: SqliteDriverOptions) {
    const names = Object.keys(opts.catalogues);
    if (names.length === 0) throw new Error('at least one catalogue is required');
    this.defaultCatalogue = names[0]!;
  }

  /** Opens every catalogue's connection of this kind now rather than at its first statement. */
  openAll(readOnly: boolean): void {
    for (const name of Object.keys(this.opts.catalogues)) this.db(name, readOnly);
  }

  private db(catalogue: string | undefined, readOnly: boolean): BpSimDatabase {
    const name = catalogue ?? this.defaultCatalogue;
    const key = Object.keys(this.opts.catalogues).find((c) => c.toLowerCase() === name.toLowerCase());
    if (!key) {
      throw new DriverError({ errorType: 'mssql', errorCode: 911, errorMessage: `Database '${name}' does not exist. Make sure that the name is entered correctly.` });
    }
    // Read-only integrations get a connection opened read-only, so the database refuses their writes.
    const handle = `${key}:${readOnly ? 'ro' : 'rw'}`;
    let db = this.dbs.get(handle);
    if (!db) {
      db = BpSimDatabase.open(this.opts.catalogues[key]!, { readonly: readOnly });
      this.dbs.set(handle, db);
      if (db.interruptToken !== undefined) this.opts.onOpen?.(db.interruptToken);
    }
    return db;
  }

  async run(req: DriverRequest, out: ResultWriter): Promise<DriverResult> {
    const it = this.steps(req, out);
    try {
      for (let s = it.next(); ; s = it.next()) {
        if (s.done) return s.value;
        // The cursor stays open across page waits: rows are read only as fast as pages are stored.
        await (s.value === 'page' ? out.nextPage() : out.end());
      }
    } catch (e) {
      it.return(undefined as never); // closes the cursor if a page wait failed
      throw e;
    }
  }

  /** Runs an unpaged statement to its end without yielding to the event loop (the Link's own thread). */
  runNow(req: DriverRequest, out: ResultWriter): DriverResult {
    const it = this.steps(req, out);
    for (let s = it.next(); ; s = it.next()) {
      if (s.done) return s.value;
      if (s.value === 'page') {
        it.return(undefined as never);
        throw new Error('runNow: a paged result cannot be read without waiting');
      }
      out.endNow();
    }
  }

  /** The statement, run as far as it can go without waiting: pauses when a page is full and at its end. */
  private *steps(req: DriverRequest, out: ResultWriter): Generator<'page' | 'end', DriverResult, void> {
    const { command } = req;
    let params: SimParam[];
    try {
      params = command.parameters.map((p) => ({
        name: p.name,
        direction: p.direction,
        sqlType: p.type,
        value: p.direction === 'output' || p.direction === 'returnValue' ? null : decodeParameterValue(p.name, p.type, p.value),
      }));
    } catch (e) {
      if (e instanceof ParameterValueError) throw new DriverError({ errorType: 'mssql', errorCode: 8114, errorMessage: e.message });
      throw e;
    }
    const started = performance.now();
    try {
      const outcome = this.db(req.catalogue, req.readOnly).execute({ text: command.text, type: command.type, params });
      let rows: number | undefined;
      let rowsAffected: number | undefined;
      if (command.executionMode === 'reader') {
        out.begin();
        for (const row of outcome.rows) if (out.row(row)) yield 'page';
        yield 'end';
        rows = out.rows;
      } else if (command.executionMode === 'scalar') {
        let first: unknown = null;
        for (const row of outcome.rows) {
          first = scalarOf(row, outcome.columns) ?? null;
          break;
        }
        out.value(first);
        yield 'end';
        rows = outcome.columns ? 1 : 0;
      } else {
        // nonQuery still drains a result set so a batch runs to its end, as SQL Server would.
        for (const _row of outcome.rows) { /* discard */ }
        rowsAffected = outcome.rowsAffected;
      }
      const parameters: ResultParameter[] = [];
      for (const p of command.parameters) {
        if (p.direction === 'input') continue;
        const v = p.direction === 'returnValue' ? outcome.returnValue : outcome.output[p.name];
        parameters.push({ name: p.name, direction: p.direction, type: p.type, value: encodeParameterValue(v), ...(p.size !== undefined ? { size: p.size } : {}) });
      }
      return { rows, rowsAffected, parameters, sqlExecutionDuration: Math.round(performance.now() - started) };
    } catch (e) {
      if (e instanceof SqlServerError) {
        const why = req.readOnly && e.number === 3906 ? ' This integration has read-only access at this practice.' : '';
        throw new DriverError({ errorType: 'mssql', errorCode: e.number, errorMessage: `${e.message}${why}` });
      }
      throw e;
    }
  }

  close(): void {
    for (const db of this.dbs.values()) db.close();
    this.dbs.clear();
  }
}

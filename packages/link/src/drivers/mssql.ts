// Driver for real Bp Premier on Microsoft SQL Server (tedious). One connection per executor process.
// A statement over its time limit is cancelled at the server with a TDS attention (Request.setTimeout);
// the pool's process kill is only the backstop. Paged results pause the server stream between pages.
import { Connection, Request } from 'tedious';

interface ColumnValue {
  value: unknown;
  metadata: { colName: string };
}
import { encodeParameterValue, ParameterValueError, type ResultParameter } from '@conduit/protocol';
import { DriverError, type Driver, type DriverRequest, type DriverResult } from './driver.js';
import type { ResultWriter } from '../result-writer.js';
import { jsonValue, tediousParameter } from './mssql-types.js';

export interface MssqlLogin {
  user: string;
  password: string;
}

export interface MssqlOptions {
  server: string;
  port?: number;
  instanceName?: string;
  /** catalogue name -> database; the first is the default (Bp: { Patients: 'BPSPatients' }). */
  catalogues: Record<string, string>;
  /** Login for read-write integrations. */
  login: MssqlLogin;
  /** Login the database keeps read-only (Bp: bpsrawdata), used for read-only integrations. */
  readOnlyLogin: MssqlLogin;
  encrypt?: boolean;
  trustServerCertificate?: boolean;
}

export class MssqlDriver implements Driver {
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(private readonly opts: MssqlOptions) {
    if (Object.keys(opts.catalogues).length === 0) throw new Error('at least one catalogue is required');
  }

  private database(catalogue: string | undefined): string {
    const names = Object.keys(this.opts.catalogues);
    const name = catalogue ?? names[0]!;
    const key = names.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!key) throw new DriverError({ errorType: 'mssql', errorCode: 911, errorMessage: `Database '${name}' does not exist. Make sure that the name is entered correctly.` });
    return this.opts.catalogues[key]!;
  }

  private connection(database: string, readOnly: boolean): Promise<Connection> {
    const key = `${database}:${readOnly ? 'ro' : 'rw'}`;
    let c = this.connections.get(key);
    if (!c) {
      const login = readOnly ? this.opts.readOnlyLogin : this.opts.login;
      c = new Promise<Connection>((resolve, reject) => {
        const conn = new Connection({
          server: this.opts.server,
          authentication: { type: 'default', options: { userName: login.user, password: login.password } },
          options: {
            database, port: this.opts.instanceName ? undefined : (this.opts.port ?? 1433), instanceName: this.opts.instanceName,
            encrypt: this.opts.encrypt ?? true, trustServerCertificate: this.opts.trustServerCertificate ?? false,
            requestTimeout: 0, rowCollectionOnRequestCompletion: false, useColumnNames: false, appName: 'Conduit Link',
          },
        });
        conn.on('error', () => this.connections.delete(key));
        conn.on('end', () => this.connections.delete(key));
        conn.connect((err) => {
          if (err) {
            this.connections.delete(key);
            reject(new DriverError({ errorType: 'mssql', errorCode: 18456, errorMessage: `Could not connect to SQL Server: ${err.message}` }));
          } else resolve(conn);
        });
      });
      this.connections.set(key, c);
    }
    return c;
  }

  async run(req: DriverRequest, out: ResultWriter): Promise<DriverResult> {
    const { command } = req;
    const conn = await this.connection(this.database(req.catalogue), req.readOnly);
    const started = performance.now();
    const outputs = new Map<string, unknown>();
    let returnStatus: number | null = null;
    let resultSets = 0;
    let rowsAffected = -1;
    let first: unknown = null;
    let haveFirst = false;
    let paused: Promise<void> | undefined;
    let failure: unknown;

    await new Promise<void>((resolve, reject) => {
      const request = new Request(command.text, (err, rowCount) => {
        if (err) return reject(err);
        if (rowCount !== undefined && command.executionMode === 'nonQuery') rowsAffected = rowCount;
        resolve();
      });
      if (req.timeoutMs) request.setTimeout(req.timeoutMs);
      try {
        for (const p of command.parameters) {
          if (p.direction === 'returnValue') continue;
          const t = tediousParameter(p);
          if (t.output) request.addOutputParameter(t.name, t.type, t.value, t.options);
          else request.addParameter(t.name, t.type, t.value, t.options);
        }
      } catch (e) {
        return reject(e);
      }
      request.on('columnMetadata', () => {
        resultSets++;
        if (resultSets === 1 && command.executionMode === 'reader') out.begin();
      });
      request.on('row', (columns: ColumnValue[]) => {
        if (resultSets !== 1 || failure) return; // only the first result set travels, as with the reader
        if (command.executionMode === 'scalar') {
          if (!haveFirst) {
            first = jsonValue(columns[0]?.value ?? null);
            haveFirst = true;
          }
          return;
        }
        if (command.executionMode !== 'reader') return;
        const row: Record<string, unknown> = {};
        for (const c of columns) row[c.metadata.colName] = jsonValue(c.value);
        try {
          if (out.row(row)) {
            request.pause();
            paused = out.nextPage().then(() => request.resume(), (e: unknown) => {
              failure = e;
              conn.cancel();
            });
          }
        } catch (e) {
          failure = e;
          conn.cancel();
        }
      });
      request.on('returnValue', (name: string, value: unknown) => outputs.set(name.toLowerCase(), value));
      request.on('doneProc', (_rowCount, _more, status: number) => {
        returnStatus = status;
      });
      if (command.type === 'storedProcedure') conn.callProcedure(request);
      else conn.execSql(request);
    }).catch((e: unknown) => {
      throw mssqlError(failure ?? e);
    });
    if (failure) throw mssqlError(failure);
    await paused;
    let rows: number | undefined;
    if (command.executionMode === 'reader') {
      if (resultSets === 0) out.begin();
      await out.end();
      rows = out.rows;
    } else if (command.executionMode === 'scalar') {
      out.value(first);
      await out.end();
      rows = haveFirst ? 1 : 0;
    }
    const parameters: ResultParameter[] = [];
    for (const p of command.parameters) {
      if (p.direction === 'input') continue;
      const v = p.direction === 'returnValue' ? returnStatus : outputs.get(p.name.replace(/^@/, '').toLowerCase());
      parameters.push({ name: p.name, direction: p.direction, type: p.type, value: encodeParameterValue(jsonValue(v)), ...(p.size !== undefined ? { size: p.size } : {}) });
    }
    return {
      rows,
      rowsAffected: command.executionMode === 'nonQuery' ? rowsAffected : undefined,
      parameters,
      sqlExecutionDuration: Math.round(performance.now() - started),
    };
  }

  cancel(): void {
    for (const c of this.connections.values()) void c.then((conn) => conn.cancel(), () => undefined);
  }

  close(): void {
    for (const c of this.connections.values()) void c.then((conn) => conn.close(), () => undefined);
    this.connections.clear();
  }
}

/** Errors from tedious as the API's errorDetails (SQL Server error numbers where there is one). */
export function mssqlError(e: unknown): DriverError {
  if (e instanceof DriverError) return e;
  if (e instanceof ParameterValueError) return new DriverError({ errorType: 'mssql', errorCode: 8114, errorMessage: e.message });
  const err = e as { number?: number; code?: string; message?: string };
  if (err.code === 'ETIMEOUT') return new DriverError({ errorType: 'mssql', errorCode: -2, errorMessage: 'Execution Timeout Expired. The statement was cancelled at the server.' });
  return new DriverError({ errorType: 'mssql', errorCode: err.number ?? 0, errorMessage: err.message ?? String(e) });
}

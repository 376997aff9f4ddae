// BpSimDatabase: one SQLite connection that behaves, for callers, like a BPSPatients connection.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { forgetStatements } from './cache.js';
import { SqlServerError, toSqlServerError } from './errors.js';
import { registerFunctions } from './tsql/functions.js';
import { enableInterrupt } from './interrupt.js';
import { enableCollation, reindexIfNeeded } from './collation-extension.js';
import { runProcedureBatch, runTextBatch } from './tsql/batch.js';
import type { SimBatch, SimOutcome } from './types.js';

export interface OpenOptions { readonly?: boolean; busyTimeoutMs?: number }

export class BpSimDatabase {
  readonly raw: Database.Database;
  readonly readonly: boolean;
  /** Names this connection to an `Interrupter` on any thread; undefined when the extension is not built. */
  readonly interruptToken: bigint | undefined;

  private constructor(raw: Database.Database, readonly: boolean) {
    this.raw = raw;
    this.readonly = readonly;
    this.interruptToken = enableInterrupt(raw);
  }

  /**
   * Opens an existing simulated practice. Writers use WAL so readers never block them and several
   * processes can share the file; busy_timeout makes a writer wait for the lock instead of failing.
   */
  static open(file: string, opts: OpenOptions = {}): BpSimDatabase {
    if (!existsSync(file)) throw new SqlServerError(4060, `Cannot open database "BPSPatients" requested by the login (no file ${file}). The login failed.`, 11);
    const readonly = opts.readonly ?? false;
    let raw: Database.Database;
    try {
      raw = new Database(file, { readonly, fileMustExist: true, timeout: opts.busyTimeoutMs ?? 5000 });
    } catch (e) {
      throw new SqlServerError(4060, `Cannot open database "BPSPatients" requested by the login (${(e as Error).message}). The login failed.`, 11);
    }
    BpSimDatabase.configure(raw, readonly);
    return new BpSimDatabase(raw, readonly);
  }

  /** Wraps a connection the caller already has (the generator and tests use this). */
  static wrap(raw: Database.Database, readonly = false): BpSimDatabase {
    BpSimDatabase.configure(raw, readonly);
    return new BpSimDatabase(raw, readonly);
  }

  private static configure(raw: Database.Database, readonly: boolean): void {
    if (!readonly && raw.pragma('journal_mode', { simple: true }) !== 'wal') raw.pragma('journal_mode = WAL');
    if (!readonly) raw.pragma('synchronous = NORMAL');
    enableCollation(raw);
    if (!readonly) reindexIfNeeded(raw);
    registerFunctions(raw);
  }

  /** Runs one batch synchronously; every SQL-level failure is thrown as a SqlServerError. */
  execute(batch: SimBatch): SimOutcome {
    try {
      if (batch.type === 'storedProcedure') return runProcedureBatch(this.raw, batch.text, batch.params);
      return runTextBatch(this.raw, this.readonly, batch.text, batch.params);
    } catch (e) {
      throw toSqlServerError(e);
    }
  }

  close(): void {
    forgetStatements(this.raw);
    this.raw.close();
  }
}

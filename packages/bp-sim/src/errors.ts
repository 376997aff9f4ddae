import { RESERVED } from './tsql/reserved.js';

// SQL Server-shaped errors. Callers (the Link driver) report `number` as the error code, so every
// failure inside the simulator must surface as a SqlServerError with the number SQL Server would use.

export class SqlServerError extends Error {
  readonly number: number;
  readonly severity?: number;
  constructor(number: number, message: string, severity = 16) {
    super(message);
    this.name = 'SqlServerError';
    this.number = number;
    this.severity = severity;
  }
}

/** The number a statement stopped by an `Interrupter` fails with. */
export const STATEMENT_INTERRUPTED = 3617;

/** Error 102-style rejection for T-SQL that the simulator deliberately does not translate. */
export function unsupported(construct: string): SqlServerError {
  return new SqlServerError(102, `Unsupported T-SQL construct: ${construct}`, 15);
}

export function syntaxError(near: string): SqlServerError {
  return new SqlServerError(102, `Incorrect syntax near '${near}'.`, 15);
}

/** Error 156: a reserved keyword where the grammar has no place for it (e.g. `SELECT like('a', 'b')`). */
export function keywordSyntaxError(keyword: string): SqlServerError {
  return new SqlServerError(156, `Incorrect syntax near the keyword '${keyword}'.`, 15);
}

/**
 * Error 8134. With ANSI_WARNINGS ON (what every driver sets) SQL Server fails the statement on a zero
 * divisor of / or % instead of answering NULL as SQLite does
 * (https://learn.microsoft.com/sql/t-sql/statements/set-ansi-warnings-transact-sql).
 */
export function divideByZero(): SqlServerError {
  return new SqlServerError(8134, 'Divide by zero error encountered.');
}

/** Error 208 for a table or view SQL Server does not have. */
export function invalidObject(name: string): SqlServerError {
  return new SqlServerError(208, `Invalid object name '${name}'.`);
}

export function conversionError(value: unknown, toType: string): SqlServerError {
  return new SqlServerError(245, `Conversion failed when converting the varchar value '${String(value)}' to data type ${toType}.`);
}

export function dateConversionError(): SqlServerError {
  return new SqlServerError(241, 'Conversion failed when converting date and/or time from character string.');
}

/** Error 515; SQL Server names the statement that failed (INSERT fails. / UPDATE fails.). */
export function notNullError(table: string, column: string, verb: 'INSERT' | 'UPDATE'): SqlServerError {
  return new SqlServerError(515, `Cannot insert the value NULL into column '${column}', table 'BPSPatients.dbo.${table}'; column does not allow nulls. ${verb} fails.`);
}

/** RAISERROR-style error raised by a simulated BP_* procedure. */
export function procedureError(message: string): SqlServerError {
  return new SqlServerError(50000, message);
}

const lastPart = (name: string): string => {
  const clean = name.replace(/^"|"$/g, '');
  const dot = clean.lastIndexOf('.');
  return dot >= 0 ? clean.slice(dot + 1) : clean;
};

/**
 * Maps a better-sqlite3 error (or anything thrown while running SQL) to a SqlServerError.
 * Unknown SQLite failures keep their text so nothing is hidden, under number 8180.
 */
export function toSqlServerError(e: unknown): SqlServerError {
  if (e instanceof SqlServerError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  const code = typeof err?.code === 'string' ? err.code : '';
  let m: RegExpMatchArray | null;
  if (code.startsWith('SQLITE_READONLY') || /readonly database/.test(msg)) {
    return new SqlServerError(3906, 'Failed to update database "BPSPatients" because the database is read-only.');
  }
  // An Interrupter stopped the statement: SQL Server records a client's attention as error 3617
  // (https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-3617-database-engine-error).
  if (code === 'SQLITE_INTERRUPT') return new SqlServerError(STATEMENT_INTERRUPTED, 'Operation cancelled by user.', 11);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SqlServerError(1222, 'Lock request time out period exceeded.');
  }
  if ((m = msg.match(/^no such table: (?:main\.)?(.+)$/))) return new SqlServerError(208, `Invalid object name '${m[1]}'.`);
  if ((m = msg.match(/^no such column: ([^\s]+)/))) return new SqlServerError(207, `Invalid column name '${lastPart(m[1] ?? '')}'.`);
  if ((m = msg.match(/^ambiguous column name: (.+)$/))) return new SqlServerError(209, `Ambiguous column name '${lastPart(m[1] ?? '')}'.`);
  if ((m = msg.match(/^no such function: (.+)$/))) return new SqlServerError(195, `'${m[1]}' is not a recognized built-in function name.`);
  if ((m = msg.match(/^wrong number of arguments to function (\w+)/))) {
    return new SqlServerError(174, `The ${m[1]} function requires a different number of arguments.`);
  }
  // A word the translator sends as a quoted identifier ("LIMIT") is named as the caller typed it.
  if ((m = msg.match(/near "(.*)": syntax error/))) {
    const near = m[1] ?? '';
    // A reserved T-SQL keyword (sent unquoted, as typed) is named as a keyword by SQL Server (156).
    if (RESERVED.has(near.toUpperCase())) return keywordSyntaxError(near);
    return syntaxError(near.replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));
  }
  if (/incomplete input/.test(msg)) return new SqlServerError(102, 'Incorrect syntax near the end of the batch.', 15);
  if (/values for \d+ columns/.test(msg)) {
    return new SqlServerError(213, 'Column name or number of supplied values does not match table definition.');
  }
  if ((m = msg.match(/cannot modify (\w+) because it is a view/))) {
    return new SqlServerError(4405, `View or function '${m[1]}' is not updatable because the modification affects multiple base tables.`);
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new SqlServerError(2627, `Violation of PRIMARY KEY or UNIQUE KEY constraint. Cannot insert duplicate key. (${msg})`, 14);
  }
  if ((m = msg.match(/NOT NULL constraint failed: (\w+)\.(\w+)/))) {
    return notNullError(m[1] ?? '', m[2] ?? '', 'INSERT');
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) return new SqlServerError(547, `The statement conflicted with a constraint. (${msg})`);
  return new SqlServerError(8180, `Statement(s) could not be prepared. (SQLite: ${msg})`);
}

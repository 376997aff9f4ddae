// Whether an error means the store is not answering (down, restarting, out of connections or disk), as
// opposed to a fault in the Cloud: the first is a 503 the integrator may retry, the second a 500.

/** Socket errors: the store's server is down, restarting, or cut off. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/15/errcodes-appendix.html): class 08, connection
 * exception; class 53, insufficient resources (disk full, out of memory, too many connections); 57P01-57P03,
 * the server shutting down, crashed, or still starting.
 */
const PG_STATES = /^(08|53)|^57P0[123]$/;

/** What pg and pg-pool say, without a code, when a connection is lost or cannot be had in time. */
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** SQLite (better-sqlite3's codes): the file locked too long, the disk full or failing, the file gone. */
const SQLITE_CODES = /^SQLITE_(BUSY|FULL|IOERR|CANTOPEN)/;

export function storeUnavailable(err: unknown): boolean {
  // Followed through `cause` (a wrapped error) and AggregateError (a connect tried on several addresses).
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK.has(code) || PG_STATES.test(code) || SQLITE_CODES.test(code))) return true;
    if (PG_MESSAGES.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some((x) => storeUnavailable(x))) return true;
  }
  return false;
}

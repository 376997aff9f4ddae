// Bp's SQL Server collation for SQLite: a small extension (native/conduit_collation.c, compiled by the
// build into dist/native/) that replaces SQLite's NOCASE on a connection, so that text compares as under
// SQL_Latin1_General_CP1_CI_AS: trailing spaces do not count ('abc' = 'abc  '). Every connection that
// reads or writes a practice file loads it, so its NOCASE indexes are built and searched in one order.
// Without a C compiler the extension is absent and SQLite's own NOCASE applies (README: known differences).
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SUFFIX = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
/** The compiled extension; the same path from src/ (tests) and dist/ (compiled). Entry point: sqlite3_conduitcollation_init. */
export const COLLATION_EXTENSION = fileURLToPath(new URL(`../dist/native/conduit_collation.${SUFFIX}`, import.meta.url));

let available: boolean | undefined;

/** Whether this process's connections compare text as SQL Server does (the extension is built). */
export function collationSupported(): boolean {
  available ??= existsSync(COLLATION_EXTENSION);
  return available;
}

/** Replaces the connection's NOCASE collation with Bp's; does nothing when the extension is not built. */
export function enableCollation(raw: Database.Database): void {
  if (collationSupported()) raw.loadExtension(COLLATION_EXTENSION);
}

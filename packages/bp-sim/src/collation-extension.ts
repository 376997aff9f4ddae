// Bp's SQL Server collation for SQLite: a small extension (native/conduit_collation.c, compiled by the
// build into dist/native/) that replaces SQLite's NOCASE on a connection, so that text compares as under
// SQL_Latin1_General_CP1_CI_AS: trailing spaces do not count ('abc' = 'abc  '), case is ignored for every
// letter of Windows-1252 ('É' = 'é'); it also brings upper(), lower() and LIKE's conduit_like(). Every connection that
// reads or writes a practice file loads it, so its NOCASE indexes are built and searched in one order.
// Without a C compiler the extension is absent and SQLite's own NOCASE applies (README: known differences).
import type Database from 'better-sqlite3';
import { nativeExtension } from './native-extension.js';

const extension = nativeExtension('conduit_collation');
/** The compiled extension. Entry point: sqlite3_conduitcollation_init. */
export const COLLATION_EXTENSION = extension.path;

/** Whether this process's connections compare text as SQL Server does (the extension is built). */
export function collationSupported(): boolean {
  return extension.built();
}

const loaded = new WeakSet<Database.Database>();

/**
 * Replaces the connection's NOCASE collation with Bp's; does nothing when the extension is not built or
 * already loaded there (SQLite refuses to replace a collation that prepared statements use).
 */
export function enableCollation(raw: Database.Database): void {
  if (!collationSupported() || loaded.has(raw)) return;
  raw.loadExtension(COLLATION_EXTENSION);
  loaded.add(raw);
}

/**
 * PRAGMA user_version of a file whose NOCASE indexes are in this collation's order. A file that SQLite's
 * own NOCASE indexed (an older simulator, a build without the extension) has 0; its indexes on accented
 * text are out of order for this collation, and searches in them would miss rows.
 */
export const COLLATION_INDEX_VERSION = 1;

/** Marks a file whose indexes were built with the extension loaded (the generator). */
export function markIndexesCollated(raw: Database.Database): void {
  if (collationSupported()) raw.pragma(`user_version = ${COLLATION_INDEX_VERSION}`);
}

/** Rebuilds a writable file's NOCASE indexes in this collation's order, once (REINDEX NOCASE: https://sqlite.org/lang_reindex.html). */
export function reindexIfNeeded(raw: Database.Database): void {
  if (!collationSupported() || raw.pragma('user_version', { simple: true }) === COLLATION_INDEX_VERSION) return;
  raw.transaction(() => {
    if (raw.pragma('user_version', { simple: true }) === COLLATION_INDEX_VERSION) return; // another connection got there first
    raw.exec('REINDEX NOCASE');
    raw.pragma(`user_version = ${COLLATION_INDEX_VERSION}`);
  }).immediate();
}

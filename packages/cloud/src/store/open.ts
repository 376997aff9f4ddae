// Picks the store from its location: a postgres:// URL opens the shared cluster store, anything else is
// the path of the embedded SQLite file (the single-node default).
import { PgStore, isPostgresUrl, type PgStoreOptions } from './postgres.js';
import { SqliteStore } from './sqlite.js';

export type AnyStore = SqliteStore | PgStore;

export async function openStore(location: string, opts: PgStoreOptions = {}): Promise<AnyStore> {
  if (isPostgresUrl(location)) return PgStore.open(location, opts);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new Error(`unsupported store URL scheme in ${location.split('://')[0]}://… (use postgres:// or a SQLite file path)`);
  return new SqliteStore(location);
}

/** A location (the store's, or the bus's) without its passwords, for logs and messages (redact.ts). */
export { redactLocation as describeStore } from './redact.js';

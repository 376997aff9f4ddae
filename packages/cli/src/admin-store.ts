// The store an admin command works on: the cluster's PostgreSQL (--store postgres://… / CONDUIT_STORE_URL)
// or the SQLite file of a data dir, chosen by the same rule as `conduit cloud --store` (openStore).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import pg from 'pg';
import { openStore, isPostgresUrl, storeFile, redactLocation, scrubLocation, URL_START, type AnyStore } from '@conduit/cloud';
import { envInt, envStr, parseIntOption, POSITIVE } from './env.js';

export interface StoreFlags {
  store?: string;
  dataDir?: string;
  storeTimeoutMs?: number;
}

/** Adds --store, --data-dir and --store-timeout-ms to an admin command. */
export function storeOptions(cmd: Command): Command {
  return cmd
    .option('--store <location>', 'the store: postgres://user:pass@host/db of a cluster, or a SQLite file (env CONDUIT_STORE_URL)')
    .option('--data-dir <dir>', 'Cloud data folder whose cloud.db is the store (env CONDUIT_DATA_DIR)')
    .option('--store-timeout-ms <n>', 'how long to wait for the store to answer (env CONDUIT_STORE_TIMEOUT_MS; default 10000)', (v) => parseIntOption(v, '--store-timeout-ms', POSITIVE));
}

/**
 * Flags win over the environment: --store, then --data-dir, then CONDUIT_STORE_URL, then CONDUIT_DATA_DIR.
 * (--data-dir given on the command line means "this folder", even with CONDUIT_STORE_URL set.)
 */
export function storeLocation(o: StoreFlags): string {
  if (o.store) return o.store;
  if (o.dataDir) return storeFile(o.dataDir);
  return envStr('CONDUIT_STORE_URL') ?? storeFile(envStr('CONDUIT_DATA_DIR', '.conduit/cloud'));
}

/**
 * Whether the PostgreSQL database has the Cloud's schema: the migrations table and the Cloud's own tables,
 * which the Cloud makes on its first start (pg-migrations.ts). Looked at on a connection of its own,
 * before the store is opened, since opening it applies the migrations: on any other database that would
 * create all the Cloud's tables, and an admin command would, say, print API keys that no Cloud accepts.
 */
async function hasCloudSchema(location: string, timeoutMs: number): Promise<boolean> {
  const c = new pg.Client({ connectionString: location, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'conduit-admin' });
  c.on('error', () => undefined); // a connection lost after the answer must not crash the command
  try {
    await c.connect();
    const { rows } = await c.query<{ missing: number }>(
      `SELECT count(*)::int AS missing FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NULL`,
      [['schema_migrations', 'integrators', 'sites', 'audit_events']],
    );
    return rows[0]?.missing === 0;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Opens the store, runs `fn` on it and closes it. A store that cannot be reached fails with its location (no password). */
export async function withStore<T>(o: StoreFlags, fn: (s: AnyStore) => T | Promise<T>): Promise<T> {
  const location = storeLocation(o);
  const shown = redactLocation(location);
  if (URL_START.test(location) && !isPostgresUrl(location)) {
    const scheme = location.slice(0, location.indexOf('://') + 3);
    throw new Error(`not a store location: ${shown}: ${scheme} is not a store scheme (use postgres://… for a cluster's PostgreSQL, or the path of a SQLite file)`);
  }
  // The Cloud makes its SQLite store on first start; an admin command opening a file that is not there
  // would make an empty one (a mistyped --data-dir, or the wrong working folder) and, say, print API keys
  // that no Cloud accepts.
  if (!isPostgresUrl(location) && !existsSync(location)) {
    throw new Error(`no Cloud store at ${shown}: check --data-dir (or --store), or start the Cloud once with this data folder (it makes the store)`);
  }
  const timeoutMs = o.storeTimeoutMs ?? envInt('CONDUIT_STORE_TIMEOUT_MS', 10_000, POSITIVE);
  let store: AnyStore | undefined;
  try {
    // Likewise a PostgreSQL database no Cloud has started on (a mistyped database name, or a new one) is
    // not given the Cloud's schema. A command needs few connections; each connect (and the migrations
    // check) is bounded by the timeout.
    if (!isPostgresUrl(location) || await hasCloudSchema(location, timeoutMs)) {
      store = await openStore(location, { poolSize: 3, connectTimeoutMs: timeoutMs });
    }
  } catch (e) {
    const why = scrubLocation((e as Error).message, location);
    const slow = /timeout/i.test(why) ? ` (no answer within ${timeoutMs} ms; --store-timeout-ms waits longer)` : '';
    throw new Error(`cannot open the store ${shown}: ${why}${slow}`, { cause: e });
  }
  if (!store) {
    throw new Error(`no Cloud store at ${shown}: the database has no Conduit schema (no schema_migrations or Cloud tables). ` +
      'Check --store (or CONDUIT_STORE_URL), or start a Cloud on it first (conduit cloud --store …), which makes the schema; nothing was changed');
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

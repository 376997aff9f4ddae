// The store an admin command works on: the cluster's PostgreSQL (--store postgres://… / CONDUIT_STORE_URL)
// or the SQLite file of a data dir, chosen by the same rule as `conduit cloud --store` (openStore).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openStore, describeStore, isPostgresUrl, storeFile, type AnyStore } from '@conduit/cloud';
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

/** Hides the URL's password wherever it might appear (an error message may quote the location). */
function scrub(message: string, location: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(location).password);
  } catch {
    // not a URL: a file path has no secret
  }
  return password ? message.split(password).join('***').split(encodeURIComponent(password)).join('***') : message;
}

/** Opens the store, runs `fn` on it and closes it. A store that cannot be reached fails with its location (no password). */
export async function withStore<T>(o: StoreFlags, fn: (s: AnyStore) => T | Promise<T>): Promise<T> {
  const location = storeLocation(o);
  // The Cloud makes its SQLite store on first start; an admin command opening a file that is not there
  // would make an empty one (a mistyped --data-dir, or the wrong working folder) and, say, print API keys
  // that no Cloud accepts.
  if (!isPostgresUrl(location) && !existsSync(location)) {
    throw new Error(`no Cloud store at ${location}: check --data-dir (or --store), or start the Cloud once with this data folder (it makes the store)`);
  }
  const timeoutMs = o.storeTimeoutMs ?? envInt('CONDUIT_STORE_TIMEOUT_MS', 10_000, POSITIVE);
  let store: AnyStore;
  try {
    // A command needs few connections; each connect (and the migrations check) is bounded by the timeout.
    store = await openStore(location, { poolSize: 3, connectTimeoutMs: timeoutMs });
  } catch (e) {
    const why = scrub((e as Error).message, location);
    const slow = /timeout/i.test(why) ? ` (no answer within ${timeoutMs} ms; --store-timeout-ms waits longer)` : '';
    throw new Error(`cannot open the store ${describeStore(location)}: ${why}${slow}`, { cause: e });
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

// A throw-away PostgreSQL server for tests: a fresh cluster (Debian's binaries) in a temp folder on a
// free loopback port, deleted when stopped. Durability is switched off: nothing here outlives the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { removeFolder, startOnFreePort, tempFolder } from './throwaway.js';

export const PG_BIN = process.env.CONDUIT_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'conduit';

export interface PgServer {
  /** Connection URL of the server's `postgres` database. */
  url: string;
  port: number;
  dir: string;
  /** A new, empty database on this server; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown, then the folder is deleted. */
  stop(): Promise<void>;
  /** Fast shutdown, keeping the data: a store outage. */
  pause(): Promise<void>;
  /** Starts the server again on its port, with its data. */
  resume(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (Debian creates it). */
export function serviceUser(name = 'postgres'): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) {
    throw new Error(`running as root: PostgreSQL must run as another user, and there is no '${name}' user. ` +
      `Install Debian's postgresql package (it creates one) or run the tests as a non-root user.`);
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const urlOf = (port: number, db: string): string => `postgres://${SUPERUSER}@127.0.0.1:${port}/${db}`;

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections within ${timeoutMs} ms: ${log()}`);
}

export async function startPostgres(): Promise<PgServer> {
  if (!existsSync(join(PG_BIN, 'postgres'))) {
    throw new Error(`no PostgreSQL binaries in ${PG_BIN}: install Debian's postgresql package (.ci/run does), or set CONDUIT_PG_BIN`);
  }
  const user = serviceUser();
  const dir = tempFolder('conduit-pg-');
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const init = spawnSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    encoding: 'utf8', ...(user ?? {}), timeout: 120_000,
  });
  if (init.status !== 0) {
    removeFolder(dir);
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.error?.message}`);
  }
  const serve = (fixed?: number): ReturnType<typeof startOnFreePort> => startOnFreePort({
    dir,
    port: fixed,
    spawn: (port) => spawn(join(PG_BIN, 'postgres'), [
      '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ], { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) }),
    ready: (port, child, log) => waitReady(urlOf(port, 'postgres'), child, log),
    portTaken: /could not bind|Address already in use/,
    stopSignal: 'SIGINT', // fast shutdown: disconnects clients, no waiting for them
    killAfterMs: 10_000,
  });
  let server = await serve();
  const port = server.port;
  const url = urlOf(port, 'postgres');
  let dbs = 0;
  return {
    url, port, dir,
    stop: () => server.stop(),
    async pause() {
      const { child } = server;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
    async resume() {
      server = await serve(port);
    },
    async createDatabase(name = `t${process.pid}_${++dbs}_${Date.now().toString(36)}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return urlOf(port, name);
    },
  };
}

// A throw-away PostgreSQL server for tests: a fresh cluster (Debian's binaries) in a temp folder on a
// free loopback port, deleted when stopped. Durability is switched off: nothing here outlives the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

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
}

/** A port that was free a moment ago (the server may still lose a race for it; start() retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
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

const running = new Set<ChildProcess>();
const folders = new Set<string>();
let exitHookSet = false;

// If a test process dies without calling stop(), do not leave a server or its folder behind.
function setExitHook(): void {
  if (exitHookSet) return;
  exitHookSet = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });
}

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
  const dir = mkdtempSync(join(tmpdir(), 'conduit-pg-'));
  folders.add(dir);
  setExitHook();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const init = spawnSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    encoding: 'utf8', ...(user ?? {}), timeout: 120_000,
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    folders.delete(dir);
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.error?.message}`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    let log = '';
    const child = spawn(join(PG_BIN, 'postgres'), [
      '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ], { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    running.add(child);
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    try {
      await waitReady(url, child, () => log);
    } catch (e) {
      child.kill('SIGKILL');
      running.delete(child);
      // Lost the port to another process between freePort() and listen(): try another one.
      if (attempt < 3 && /could not bind|Address already in use/.test(log)) continue;
      rmSync(dir, { recursive: true, force: true });
      folders.delete(dir);
      throw e;
    }
    let dbs = 0;
    return {
      url, port, dir,
      async createDatabase(name = `t${process.pid}_${++dbs}_${Date.now().toString(36)}`) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGINT'); // fast shutdown: disconnects clients, no waiting for them
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        running.delete(child);
        rmSync(dir, { recursive: true, force: true });
        folders.delete(dir);
      },
    };
  }
}

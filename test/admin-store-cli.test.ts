// `conduit admin` on a cluster's store: real `conduit` processes against a throw-away PostgreSQL, chosen
// with --store or CONDUIT_STORE_URL; the password never printed; an unreachable store fails clearly; a
// database no Cloud has set up is refused, not given the Cloud's schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type PgServer } from './support/postgres.js';
import { openStore, SqliteStore } from '@conduit/cloud';
import { conduitSync, Proc } from './support/processes.js';

let server: PgServer;
let store = '';
/** The same database through a role with a password in the URL, to check it is never printed. */
let withPassword = '';
const PASSWORD = 's3cret-Pa55';

before(async () => {
  server = await startPostgres();
  store = await server.createDatabase('admin_cli');
  // The Cloud's first start on the database makes its schema (the admin commands refuse one without it).
  await (await openStore(store)).close();
  const c = new pg.Client({ connectionString: store });
  await c.connect();
  try {
    await c.query(`CREATE ROLE operator LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
  } finally {
    await c.end();
  }
  const u = new URL(store);
  u.username = 'operator';
  u.password = PASSWORD;
  withPassword = u.toString();
});
after(async () => {
  await server?.stop();
});

// The operator's own environment must not choose the store for these tests.
const cli = (args: string[], env: Record<string, string> = {}): ReturnType<typeof conduitSync> => conduitSync(args, { CONDUIT_STORE_URL: '', CONDUIT_DATA_DIR: '', ...env });

/** A data folder with a Cloud store in it, as the Cloud leaves on its first start. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-admin-store-'));
  new SqliteStore(join(dir, 'cloud.db')).db.close();
  return dir;
}

function ok(args: string[], env: Record<string, string> = {}): string {
  const r = cli(args, env);
  assert.equal(r.status, 0, `conduit ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

test('integrator create and list, and audit verify, on PostgreSQL with --store', () => {
  const created = JSON.parse(ok(['admin', 'integrator', 'create', '--name', 'On Postgres', '--json', '--store', store])) as { id: string; apiKey: string };
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  const listed = JSON.parse(ok(['admin', 'integrator', 'list', '--json', '--store', store])) as { id: string; name: string }[];
  assert.deepEqual(listed.map((i) => [i.id, i.name]), [[created.id, 'On Postgres']]);
  const audit = JSON.parse(ok(['admin', 'audit', 'verify', '--json', '--store', store])) as { ok: boolean; events: number };
  assert.deepEqual([audit.ok, audit.events], [true, 1], 'the creation is one event in the chain');
  // A data dir next to it is another store: the PostgreSQL integrator is not there.
  const dir = dataDir();
  assert.deepEqual(JSON.parse(ok(['admin', 'integrator', 'list', '--json', '--data-dir', dir])), []);
});

test('CONDUIT_STORE_URL chooses the store; a --data-dir or --store flag wins over it; the password is never printed', () => {
  const env = { CONDUIT_STORE_URL: withPassword };
  ok(['admin', 'integrator', 'create', '--name', 'From Env', '--store-timeout-ms', '5000'], env);
  const names = (JSON.parse(ok(['admin', 'integrator', 'list', '--json'], env)) as { name: string }[]).map((i) => i.name);
  assert.ok(names.includes('From Env') && names.includes('On Postgres'), names.join(', '));
  const dir = dataDir();
  assert.deepEqual(JSON.parse(ok(['admin', 'integrator', 'list', '--json', '--data-dir', dir], env)), [], '--data-dir beats the env');
  assert.deepEqual(JSON.parse(ok(['admin', 'integrator', 'list', '--json', '--store', join(dir, 'cloud.db')], env)), [], '--store beats the env');
  const v = JSON.parse(ok(['admin', 'audit', 'verify', '--json'], env)) as { ok: boolean; events: number };
  assert.deepEqual([v.ok, v.events], [true, 2]);

  // A database that is not there: refused, with the location named but the password hidden. (The test
  // server trusts loopback, so a wrong password would not be refused.)
  const missing = withPassword.replace('/admin_cli', '/no_such_db');
  const r = cli(['admin', 'integrator', 'list'], { CONDUIT_STORE_URL: missing });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot open the store postgres:\/\/operator:\*\*\*@127\.0\.0\.1:\d+\/no_such_db: .*no_such_db/);
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD));
});

test('a data folder with no Cloud store is refused, not made into an empty store', () => {
  const typo = join(mkdtempSync(join(tmpdir(), 'conduit-admin-store-')), 'typo-dir');
  const r = cli(['admin', 'integrator', 'create', '--name', 'Nowhere', '--data-dir', typo]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no Cloud store at .*typo-dir.*cloud\.db: check --data-dir/);
  assert.doesNotMatch(r.stdout, /apiKey|API key/i, 'no key is printed');
  assert.equal(existsSync(typo), false, 'nothing is created');
});

test('a store that does not answer fails after the timeout with a clear error and a non-zero exit', async () => {
  // Accepts the connection and never speaks: what a wrong host behind a firewall looks like.
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    // Not spawned synchronously: the silent server lives in this process and must keep accepting.
    const p = new Proc(['admin', 'audit', 'verify', '--store', `postgres://op:${PASSWORD}@127.0.0.1:${port}/x`, '--store-timeout-ms', '1000']);
    const [code] = (await once(p.child, 'close')) as [number | null]; // 'close': stderr fully read
    assert.equal(code, 1, p.err);
    assert.match(p.err, /cannot open the store postgres:\/\/op:\*\*\*@127\.0\.0\.1:\d+\/x: .*timeout.*no answer within 1000 ms/);
    assert.doesNotMatch(p.out + p.err, new RegExp(PASSWORD));
  } finally {
    silent.close();
  }
});

test('a database with no Conduit schema is refused: nothing is created and no key is printed', async () => {
  const fresh = await server.createDatabase('conduit_fresh');
  const u = new URL(fresh);
  u.username = 'operator';
  u.password = PASSWORD;
  for (const args of [['integrator', 'create', '--name', 'Nowhere'], ['integrator', 'list'], ['site', 'list'], ['audit', 'list'], ['audit', 'verify']]) {
    const r = cli(['admin', ...args, '--store', u.toString()]);
    assert.equal(r.status, 1, `admin ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /no Cloud store at postgres:\/\/operator:\*\*\*@127\.0\.0\.1:\d+\/conduit_fresh: the database has no Conduit schema.*start a Cloud on it first/, args.join(' '));
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD));
    assert.doesNotMatch(r.stdout, /API key/i, 'no key is printed');
  }
  const c = new pg.Client({ connectionString: fresh });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`);
    const fns = await c.query(`SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`);
    assert.deepEqual([rows[0].n, fns.rows[0].n], [0, 0], 'no table, index or function was created');
  } finally {
    await c.end();
  }
});

test('a store URL with a mistyped scheme (or any scheme) is refused without printing its password', () => {
  for (const [location, shown] of [
    ['postgress://conduit:S3cretPW@db.example/conduit', 'postgress://conduit:***@db.example/conduit'],
    ['mysql://conduit:S3cretPW@db.example:3306/conduit?sslpassword=S3cretPW', 'mysql://conduit:***@db.example:3306/conduit?sslpassword=***'],
    ['redis://:S3cretPW@db.example', 'redis://:***@db.example'],
    // Not encoded as it should be: the whole of what may be the password is hidden.
    ['postgress://conduit:S3c@ret/PW@db.example/conduit', 'postgress://conduit:***@db.example/conduit'],
  ] as const) {
    for (const r of [cli(['admin', 'integrator', 'list', '--store', location]), cli(['admin', 'integrator', 'list'], { CONDUIT_STORE_URL: location })]) {
      assert.equal(r.status, 1, location);
      assert.ok(r.stderr.includes(`not a store location: ${shown}`), r.stderr);
      assert.match(r.stderr, /use postgres:\/\/… for a cluster's PostgreSQL, or the path of a SQLite file/);
      assert.doesNotMatch(r.stdout + r.stderr, /S3cret|ret\/PW/);
    }
  }
  // A well-formed postgres:// URL with its password in the query is named without it too.
  const inQuery = `${store.replace('/admin_cli', '/no_such_db')}?password=${PASSWORD}`;
  const r = cli(['admin', 'integrator', 'list', '--store', inQuery]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot open the store postgres:\/\/conduit@127\.0\.0\.1:\d+\/no_such_db\?password=\*\*\*: /);
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD));
});

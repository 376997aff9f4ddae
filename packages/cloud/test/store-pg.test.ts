// The Store contract on PostgreSQL, against a throw-away server started here; plus migrations at start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgStore } from '../src/store/postgres.js';
import { PG_MIGRATIONS } from '../src/store/pg-migrations.js';
import type { Store } from '../src/store/types.js';
import { startPostgres, type PgServer } from '../../../test/support/postgres.js';
import { storeSuite } from './store-suite.js';

let server: PgServer;
const urls = new WeakMap<Store, string>();

before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

storeSuite('PostgreSQL', {
  async open() {
    const url = await server.createDatabase();
    const s = await PgStore.open(url, { poolSize: 4 });
    urls.set(s, url);
    return s;
  },
  async reopen(store) {
    await store.close();
    const url = urls.get(store)!;
    const s = await PgStore.open(url, { poolSize: 4 });
    urls.set(s, url);
    return s;
  },
  async dump(store, table) {
    return (store as PgStore).db.query(`SELECT * FROM ${table}`);
  },
});

test('nodes starting at once on an empty database apply each migration once, in order', async () => {
  const url = await server.createDatabase();
  const stores = await Promise.all(Array.from({ length: 4 }, () => PgStore.open(url, { poolSize: 2 })));
  const rows = await stores[0]!.db.query('SELECT version FROM schema_migrations ORDER BY applied_at, version');
  assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((_, i) => i + 1));
  await Promise.all(stores.map((s) => s.close()));
});

test('a failing migration leaves nothing half-applied and refuses to start', async () => {
  const url = await server.createDatabase();
  const s = await PgStore.open(url, { poolSize: 1 });
  const steps = [...PG_MIGRATIONS, 'CREATE TABLE good (x INT); CREATE TABLE broken (x NOSUCHTYPE);'];
  await assert.rejects(s.db.migrate(steps), new RegExp(`migration ${steps.length} failed`));
  assert.deepEqual(await s.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'good'`), []);
  assert.equal((await s.db.query('SELECT count(*)::int AS n FROM schema_migrations'))[0]!.n, PG_MIGRATIONS.length);
  await s.close();
});

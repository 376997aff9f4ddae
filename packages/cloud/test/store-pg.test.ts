// The Store, webhook outbox and result page contracts on PostgreSQL, against a throw-away server started here; plus migrations at start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgStore } from '../src/store/postgres.js';
import { LOCK_AUDIT } from '../src/store/pg-pool.js';
import { PG_MIGRATIONS } from '../src/store/pg-migrations.js';
import { startPostgres, type PgServer } from '../../../test/support/postgres.js';
import { freePort } from '../../../test/support/throwaway.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outboxFor, PgWebhookStore } from '../src/webhooks/pg-store.js';
import { WebhookStore } from '../src/webhooks/store.js';
import { pagesFor, PgPageStore } from '../src/results/pg-pages.js';
import { ResultFiles } from '../src/results/files.js';
import { describeStore, openStore } from '../src/store/open.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { query, storeSuite } from './store-suite.js';
import { verifyAudit } from '../src/admin.js';
import { WriteBehind } from '../src/store/write-behind.js';
import pino from 'pino';
import { setImmediate as turn } from 'node:timers/promises';
import type { NewAuditEvent, QueryRecord, Store } from '../src/store/types.js';
import { outboxSuite } from './store-outbox-suite.js';
import { pagesSuite } from './store-pages-suite.js';

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

outboxSuite('PostgreSQL', {
  async open() {
    const store = await PgStore.open(await server.createDatabase(), { poolSize: 6 });
    return { store, outbox: new PgWebhookStore(store.db) };
  },
});

pagesSuite('PostgreSQL', {
  async open() {
    const store = await PgStore.open(await server.createDatabase(), { poolSize: 4 });
    return { pages: new PgPageStore(store.db), close: () => store.close() };
  },
});

test('nodes starting at once on an empty database apply each migration once, in order', async () => {
  const url = await server.createDatabase();
  const stores = await Promise.all(Array.from({ length: 4 }, () => PgStore.open(url, { poolSize: 2 })));
  const rows = await stores[0]!.db.query('SELECT version FROM schema_migrations ORDER BY applied_at, version');
  assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((_, i) => i + 1));
  // Each store says which steps it applied (logged at start): together all of them, each by one store.
  assert.deepEqual(stores.flatMap((s) => s.applied).sort((x, y) => x - y), PG_MIGRATIONS.map((_, i) => i + 1));
  const again = await PgStore.open(url, { poolSize: 1 });
  assert.deepEqual(again.applied, []);
  await Promise.all([...stores, again].map((s) => s.close()));
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

test('the store is chosen by its location: a postgres:// URL or a SQLite file; passwords stay out of logs', async () => {
  const url = await server.createDatabase();
  const pgStore = await openStore(url, { poolSize: 1 });
  assert.ok(pgStore instanceof PgStore);
  assert.ok(outboxFor(pgStore) instanceof PgWebhookStore);
  assert.ok(pagesFor(pgStore, '/nonexistent') instanceof PgPageStore);
  await pgStore.close();
  const dir = mkdtempSync(join(tmpdir(), 'conduit-open-'));
  const file = await openStore(join(dir, 'cloud.db'));
  assert.ok(file instanceof SqliteStore);
  assert.ok(outboxFor(file) instanceof WebhookStore);
  assert.ok(pagesFor(file, join(dir, 'results')) instanceof ResultFiles);
  await file.close();
  await assert.rejects(openStore('mysql://x/y'), /unsupported store URL scheme/);
  assert.equal(describeStore('postgres://u:secret@db:5432/conduit'), 'postgres://u:***@db:5432/conduit');
  const q = describeStore('postgres://db:5432/conduit?user=u&password=secret&sslpassword=s2&sslmode=require');
  assert.ok(!q.includes('secret') && !q.includes('s2') && q.includes('sslmode=require'), q);
  assert.equal(describeStore(join(dir, 'cloud.db')), join(dir, 'cloud.db'));
});

test('a PostgreSQL page read fails, not truncates, when the page is missing or removed while it is read', async () => {
  const store = await PgStore.open(await server.createDatabase(), { poolSize: 3 });
  const pages = new PgPageStore(store.db);
  const q = '00000000-0000-4000-8000-00000000abcd';
  await assert.rejects(async () => { for await (const _ of pages.stream(q, 1)) { /* nothing */ } }, /no page 1/);
  const w = pages.open(q, 1);
  w.write(Buffer.alloc(3 * 256 * 1024, 1));
  await w.finish();
  let got = 0;
  await assert.rejects(async () => {
    for await (const c of pages.stream(q, 1)) {
      got += (c as Buffer).length;
      if (got === 256 * 1024) await pages.remove(q);
    }
  }, /removed while it was read/);
  await store.close();
});

test('a store pointed at no server fails to open within its connect timeout', async () => {
  const port = await freePort();
  const t0 = Date.now();
  await assert.rejects(PgStore.open(`postgres://conduit@127.0.0.1:${port}/none`, { poolSize: 1, connectTimeoutMs: 2_000 }), /ECONNREFUSED|timeout/);
  assert.ok(Date.now() - t0 < 5_000);
});

test('a node that stops inside a transaction holding the audit lock does not hold up the other nodes for good', async () => {
  const url = await server.createDatabase();
  const frozen = await PgStore.open(url, { poolSize: 2, idleInTransactionMs: 1_000 });
  const other = await PgStore.open(url, { poolSize: 2, idleInTransactionMs: 1_000 });
  // What a frozen node leaves behind: a transaction that took the audit chain's lock and then went quiet.
  const stuck = await frozen.db.pool.connect();
  stuck.on('error', () => undefined);
  await stuck.query('BEGIN');
  await stuck.query('SELECT pg_advisory_xact_lock($1)', [LOCK_AUDIT.toString()]);
  const t0 = Date.now();
  const e = await other.appendAudit({ at: new Date().toISOString(), kind: 'test.event', actor: 'test', siteId: null, integratorId: null, outcome: 'ok', details: {} });
  const waited = Date.now() - t0;
  assert.equal(e.seq, 1);
  assert.ok(waited >= 800, `the append waited for the lock (${waited} ms)`);
  assert.ok(waited < 10_000, `the server ended the idle transaction and freed the lock (${waited} ms)`);
  await assert.rejects(stuck.query('SELECT 1'), /terminat|idle-in-transaction|Connection/i);
  stuck.release(true);
  await frozen.close();
  await other.close();
});

const queryEvent = (n: number): NewAuditEvent => ({ at: new Date().toISOString(), kind: 'query', actor: 'integrator:i', siteId: 's', integratorId: 'i', outcome: 'ok', details: { n } });

test('final updates and query audit events wait to ride with the next insert: one transaction, the chain verifies', async () => {
  const store = await PgStore.open(await server.createDatabase(), { poolSize: 4 });
  const q1 = query(1);
  await store.insertQuery(q1);
  const done = { ...q1, status: 'successful' as const, completedAt: new Date().toISOString() };
  const lazyUpdate = store.writeQueries([], [done]);
  const lazyAudit = store.appendAuditBatch([queryEvent(1), queryEvent(2)]);
  await store.insertQuery(query(2));
  // Both lazy writes went in the insert's statement: committed by the time it resolved, in its transaction.
  const rows = await store.db.query('SELECT id, status, xmin::text AS tx FROM queries ORDER BY id');
  assert.deepEqual(rows.map((r) => r.status), ['successful', 'executing']);
  const audit = await store.db.query('SELECT seq, xmin::text AS tx FROM audit_events ORDER BY seq');
  assert.deepEqual(audit.map((r) => r.seq), [1, 2]);
  assert.equal(new Set([...rows, ...audit].map((r) => r.tx)).size, 1);
  await Promise.all([lazyUpdate, lazyAudit]);
  // A lazy write with nothing to ride with goes by itself, soon.
  const t0 = Date.now();
  await store.writeQueries([], [{ ...query(2), status: 'successful', completedAt: new Date().toISOString() }]);
  assert.ok(Date.now() - t0 < 2_000);
  assert.equal((await store.query(query(2).id))?.status, 'successful');
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 2, problems: [] });
  await store.close();
});

test('a bad record in a group-committed batch fails only its own write, not the others\' records or audit events', async () => {
  const store = await PgStore.open(await server.createDatabase(), { poolSize: 4 });
  const first = store.insertQuery(query(1));
  // Queued behind the statement in flight, so the three go together, fail together, and are retried one by one.
  const bad = store.insertQuery({ ...query(2), integratorId: null } as unknown as QueryRecord);
  const good = store.insertQuery(query(3));
  const event = store.appendAudit({ ...queryEvent(1), kind: 'test.event' });
  await first;
  await assert.rejects(bad, /null value|not-null/);
  await good;
  assert.equal((await event).seq, 1);
  assert.deepEqual((await store.db.query('SELECT id FROM queries ORDER BY id')).map((r) => r.id), [query(1).id, query(3).id]);
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 1, problems: [] });
  await store.close();
});

test('query records do not wait behind a stuck audit lock: the statement gives up on it, the events wait aside', async () => {
  const url = await server.createDatabase();
  const store = await PgStore.open(url, { poolSize: 4 });
  const other = await PgStore.open(url, { poolSize: 2 });
  const stuck = await other.db.pool.connect();
  await stuck.query('BEGIN');
  await stuck.query('SELECT pg_advisory_xact_lock($1)', [LOCK_AUDIT.toString()]);
  const within = <T>(p: Promise<T>, what: string): Promise<T> =>
    Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} waited for the audit lock`)), 15_000))]);
  let eventDone = false;
  const event = store.appendAuditBatch([queryEvent(1)]).then(() => (eventDone = true));
  // The insert carries the queued event, gives up on the lock and goes again without it.
  await within(store.insertQuery(query(1)), 'the insert');
  await within(store.insertQuery(query(2)), 'the next insert');
  assert.deepEqual((await store.db.query('SELECT id FROM queries ORDER BY id')).map((r) => r.id), [query(1).id, query(2).id]);
  assert.equal(eventDone, false, 'the event still waits for the lock');
  await stuck.query('COMMIT');
  stuck.release();
  await event;
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 1, problems: [] });
  await store.close();
  await other.close();
});

test('through the write-behind (cluster mode), an insert is not held behind a final update waiting for company: it takes it along', async () => {
  const store = await PgStore.open(await server.createDatabase(), { poolSize: 4 });
  const writes = new WriteBehind(store, pino({ level: 'silent' }), { updatesAtEndOfTurn: true });
  const q1 = query(1);
  await writes.insert(q1);
  const updated = writes.update({ ...q1, status: 'successful', completedAt: new Date().toISOString() });
  await turn(); // the end-of-turn flush hands the update to the store, where it waits to ride along
  await writes.insert(query(2));
  // Held here one batch at a time, the update would have gone alone after its wait, then the insert.
  const rows = await store.db.query('SELECT id, status, xmin::text AS tx FROM queries ORDER BY id');
  assert.deepEqual(rows.map((r) => r.status), ['successful', 'executing']);
  assert.equal(new Set(rows.map((r) => r.tx)).size, 1, 'one transaction');
  await updated;
  await writes.flush();
  await store.close();
});

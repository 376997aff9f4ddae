// When the hot path's store writes happen, on the real SQLite store: a query record is stored at the end
// of the turn it was inserted in (before the query may be sent), its final update and the query's audit
// event wait for the write window and share one transaction, any other audit event goes at the end of its
// turn with everything queued before it, and one bad row fails only itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import pino from 'pino';
import { SqliteStore } from '../src/store/sqlite.js';
import { WriteBehind } from '../src/store/write-behind.js';
import { AuditLog } from '../src/audit/log.js';
import { verifyAudit } from '../src/admin.js';
import { newQueryRecord, complete } from '../src/queries/lifecycle.js';
import type { NewAuditEvent, QueryRecord } from '../src/store/types.js';

const log = pino({ level: 'silent' });

function open(): SqliteStore {
  return new SqliteStore(join(mkdtempSync(join(tmpdir(), 'conduit-write-behind-')), 'cloud.db'));
}

function record(): QueryRecord {
  return newQueryRecord({ integratorId: 'i1', siteId: 's1', mode: 'immediate', command: { text: 'SELECT 1', executionMode: 'reader', type: 'text', parameters: [] }, maxTimeInQueue: 1000, requestSize: 50 }, Date.now());
}

function queryEvent(q: QueryRecord): Omit<NewAuditEvent, 'at'> {
  return { kind: 'query', actor: 'integrator:i1', siteId: 's1', integratorId: 'i1', outcome: 'ok', details: { queryId: q.id } };
}

/** Counts the store's writeBatch calls: each is one transaction (tested below). */
function commits(store: SqliteStore): () => number {
  let n = 0;
  const writeBatch = store.writeBatch.bind(store);
  store.writeBatch = (...args) => {
    n++;
    return writeBatch(...args);
  };
  return () => n;
}

test('writeBatch is one transaction: a refused row leaves nothing of its batch behind', async () => {
  const store = open();
  const q = record();
  await store.insertQuery(q);
  const good = record();
  const e = { ...queryEvent(good), at: new Date().toISOString() };
  await assert.rejects(store.writeBatch([good, { ...record(), id: q.id }], [], [e]));
  assert.equal(await store.query(good.id), undefined);
  assert.equal((await store.auditChain()).length, 0);
  await store.writeBatch([good], [], [e, e]);
  assert.ok(await store.query(good.id));
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 2, problems: [] });
  await store.close();
});

test('an insert is stored at the end of its turn; the update and the query event wait for the window, in one transaction', async () => {
  const store = open();
  const count = commits(store);
  const window = 300;
  const audit = new AuditLog(store, log, { commandText: false }, new WriteBehind(store, log, { windowMs: window }));
  const writes = audit.writes;
  const q = record();
  const stored = writes.insert(q);
  assert.equal(await store.query(q.id), undefined, 'not before the end of the turn');
  await stored;
  assert.equal((await store.query(q.id))?.status, 'initialising');
  assert.equal(count(), 1);

  complete(q, 'successful', Date.now());
  const t0 = Date.now();
  const updated = writes.update(q);
  audit.record(queryEvent(q));
  await turn();
  await turn();
  const status = (await store.query(q.id))?.status;
  const events = (await store.auditChain()).length;
  // Only meaningful while the window is open (a machine stalled for longer has already written them).
  if (Date.now() - t0 < window - 50) {
    assert.equal(status, 'initialising', 'the update waits for the window');
    assert.equal(events, 0, 'so does the query event');
  }
  await updated;
  assert.ok(Date.now() - t0 >= window - 2, `written after the window (${Date.now() - t0} ms)`);
  assert.equal((await store.query(q.id))?.status, 'successful');
  assert.equal((await store.auditChain()).length, 1);
  assert.equal(count(), 2, 'update and event in one transaction');
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 1, problems: [] });
  await store.close();
});

test('inserts of one turn share a transaction and do not take the waiting updates with them', async () => {
  const store = open();
  const count = commits(store);
  const writes = new WriteBehind(store, log, { windowMs: 300 });
  const done = record();
  await writes.insert(done);
  complete(done, 'successful', Date.now());
  const t0 = Date.now();
  const updated = writes.update(done);
  const batch = Array.from({ length: 5 }, record);
  await Promise.all(batch.map((q) => writes.insert(q)));
  if (Date.now() - t0 < 250) {
    assert.equal(count(), 2, 'one transaction for the five inserts');
    assert.equal((await store.query(done.id))?.status, 'initialising');
  }
  for (const q of batch) assert.ok(await store.query(q.id));
  await updated;
  assert.equal((await store.query(done.id))?.status, 'successful');
  assert.equal(count(), 3);
  await store.close();
});

test('any other audit event is written at the end of its turn, after the query events queued before it', async () => {
  const store = open();
  const audit = new AuditLog(store, log);
  const q = record();
  audit.record(queryEvent(q));
  audit.record({ kind: 'access.refused', actor: 'integrator:i2', siteId: 's1', integratorId: 'i2', outcome: 'refused', details: { rule: 'notPaired' } });
  await turn();
  await turn();
  assert.deepEqual((await store.auditChain()).map((e) => e.kind), ['query', 'access.refused']);
  await store.close();
});

test('in a cluster the final update is written at the end of its turn; query events still wait', async () => {
  const store = open();
  const audit = new AuditLog(store, log, { commandText: false }, new WriteBehind(store, log, { updatesAtEndOfTurn: true, windowMs: 300 }));
  const q = record();
  await audit.writes.insert(q);
  complete(q, 'successful', Date.now());
  const t0 = Date.now();
  const updated = audit.writes.update(q);
  audit.record(queryEvent(q));
  await turn();
  await turn();
  assert.equal((await store.query(q.id))?.status, 'successful');
  if (Date.now() - t0 < 250) assert.equal((await store.auditChain()).length, 0);
  await updated;
  await audit.flush();
  assert.equal((await store.auditChain()).length, 1);
  await store.close();
});

test('a row the store refuses fails alone; the rest of its batch and the audit events are written', async () => {
  const store = open();
  const audit = new AuditLog(store, log);
  const q = record();
  await audit.writes.insert(q);
  const twin = { ...record(), id: q.id };
  const good = record();
  const results = await Promise.allSettled([audit.writes.insert(twin), audit.writes.insert(good)]);
  assert.equal(results[0].status, 'rejected');
  assert.equal(results[1].status, 'fulfilled');
  assert.ok(await store.query(good.id));
  audit.record(queryEvent(good));
  const other = record();
  complete(other, 'successful', Date.now());
  // An update of a record that was never inserted changes nothing and is not an error.
  const results2 = await Promise.allSettled([audit.writes.update(other), audit.writes.insert(twin)]);
  assert.deepEqual(results2.map((r) => r.status), ['fulfilled', 'rejected']);
  await audit.flush();
  assert.equal((await store.auditChain()).length, 1);
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 1, problems: [] });
  await store.close();
});

test('flush writes everything queued and resolves when it is stored', async () => {
  const store = open();
  const audit = new AuditLog(store, log);
  const q = record();
  await audit.writes.insert(q);
  complete(q, 'successful', Date.now());
  void audit.writes.update(q);
  audit.record(queryEvent(q));
  await audit.flush();
  assert.equal((await store.query(q.id))?.status, 'successful');
  assert.equal((await store.auditChain()).length, 1);
  await store.close();
});

test('without writeBatch (PostgreSQL), records and audit events are written apart: an insert never waits for an audit append', async () => {
  const sqlite = open();
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  let appends = 0;
  // The store as the PostgreSQL one looks to the writer: writeQueries and appendAuditBatch, no writeBatch.
  const store = Object.create(sqlite) as SqliteStore;
  Object.defineProperty(store, 'writeBatch', { value: undefined });
  store.appendAuditBatch = async (events) => {
    appends++;
    await held;
    return sqlite.appendAuditBatch(events);
  };
  const audit = new AuditLog(store, log);
  audit.record({ kind: 'access.refused', actor: 'integrator:i2', siteId: 's1', integratorId: 'i2', outcome: 'refused', details: { rule: 'notPaired' } });
  await turn();
  assert.equal(appends, 1, 'the audit append is in flight');
  const q = record();
  await audit.writes.insert(q);
  assert.equal((await sqlite.query(q.id))?.status, 'initialising', 'stored while the audit append still waits');
  complete(q, 'successful', Date.now());
  const updated = audit.writes.update(q);
  audit.record(queryEvent(q));
  await updated;
  assert.equal((await sqlite.query(q.id))?.status, 'successful');
  release();
  await audit.flush();
  assert.deepEqual((await sqlite.auditChain()).map((e) => e.kind), ['access.refused', 'query'], 'events stay in order');
  await sqlite.close();
});

test('a late insert is written in the window in the state its record has then; an update queued before that rides with it', async () => {
  const store = open();
  const batches: [number, number][] = [];
  const writeBatch = store.writeBatch.bind(store);
  store.writeBatch = (inserts, updates, events) => {
    batches.push([inserts.length, updates.length]);
    return writeBatch(inserts, updates, events);
  };
  const writes = new WriteBehind(store, log, { windowMs: 20, lateInserts: true });
  assert.equal(writes.lateInsertsAllowed, true);
  // Still running when the window closes: written as it is, and its end is an update.
  const running = record();
  await writes.insertLate(running);
  assert.equal((await store.query(running.id))?.status, 'initialising');
  complete(running, 'successful', Date.now());
  await writes.update(running);
  assert.equal((await store.query(running.id))?.status, 'successful');
  // Ended within the window: one insert of the final state, and both waiters settle with it.
  const quick = record();
  const inserted = writes.insertLate(quick);
  complete(quick, 'successful', Date.now());
  const updated = writes.update(quick);
  await Promise.all([inserted, updated]);
  assert.equal((await store.query(quick.id))?.status, 'successful');
  assert.deepEqual(batches, [[1, 0], [0, 1], [1, 0]]);
  assert.equal(new WriteBehind(store, log).lateInsertsAllowed, false, 'off unless asked for');
  await store.close();
});

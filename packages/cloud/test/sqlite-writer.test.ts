// The SQLite store's writer thread, on a real file: final updates and audit events are written by the
// thread's own connection, a lone batch of inserts on the main connection, inserts behind outstanding
// thread work in the thread (in order), and close() waits for what was handed over.
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
const file = (): string => join(mkdtempSync(join(tmpdir(), 'conduit-sqlite-writer-')), 'cloud.db');
const record = (): QueryRecord => newQueryRecord({ integratorId: 'i1', siteId: 's1', mode: 'immediate', command: { text: 'SELECT 1', executionMode: 'reader', type: 'text', parameters: [] }, maxTimeInQueue: 1000, requestSize: 50 }, Date.now());
const event = (q: QueryRecord): NewAuditEvent => ({ at: new Date().toISOString(), kind: 'query', actor: 'integrator:i1', siteId: 's1', integratorId: 'i1', outcome: 'ok', details: { queryId: q.id } });

/** What the main connection wrote itself, batch by batch (inserts, updates, events). */
function mainWrites(store: SqliteStore): [number, number, number][] {
  const seen: [number, number, number][] = [];
  const now = store.writeBatchNow.bind(store);
  store.writeBatchNow = (i, u, e) => {
    seen.push([i.length, u.length, e.length]);
    now(i, u, e);
  };
  return seen;
}

test('with the writer thread, final updates and audit events are written by the thread; lone inserts here at once', async () => {
  const store = new SqliteStore(file());
  await store.startWriter();
  assert.equal(store.ordersWrites, true);
  const seen = mainWrites(store);
  const writes = new WriteBehind(store, log);
  const audit = new AuditLog(store, log, { commandText: false }, writes);
  const records: QueryRecord[] = [];
  // 60 queries over 20 turns: each inserted (awaited, as before a send), then completed with its event.
  for (let t = 0; t < 20; t++) {
    const batch = [record(), record(), record()];
    await Promise.all(batch.map((q) => writes.insert(q)));
    for (const q of batch) {
      complete(q, 'successful', Date.now());
      void writes.update(q);
      audit.record({ kind: 'query', actor: 'integrator:i1', siteId: 's1', integratorId: 'i1', outcome: 'ok', details: { queryId: q.id } });
    }
    records.push(...batch);
    await turn();
  }
  await audit.flush();
  for (const q of records) assert.equal((await store.query(q.id))?.status, 'successful');
  assert.deepEqual(await verifyAudit(store), { ok: true, events: 60, problems: [] });
  assert.ok(seen.every(([, u, e]) => u === 0 && e === 0), `the main connection wrote no update or event: ${JSON.stringify(seen)}`);
  assert.ok(seen.length > 0, 'some inserts were written here, with nothing outstanding');
  await store.close();
});

test('inserts handed over while the thread has work outstanding are written by the thread, after that work', async () => {
  const store = new SqliteStore(file());
  await store.startWriter();
  const seen = mainWrites(store);
  const first = record();
  await store.writeBatch([first], [], []);
  assert.deepEqual(seen, [[1, 0, 0]], 'nothing outstanding: written here');
  complete(first, 'successful', Date.now());
  const update = store.writeBatch([], [first], [event(first)]);
  const second = record();
  const insert = store.writeBatch([second], [], []);
  assert.deepEqual(seen, [[1, 0, 0]], 'queued behind the update: not written here');
  await Promise.all([update, insert]);
  assert.equal((await store.query(first.id))?.status, 'successful');
  assert.ok(await store.query(second.id));
  await store.close();
});

test('close() waits for the writes handed to the thread', async () => {
  const f = file();
  const store = new SqliteStore(f);
  await store.startWriter();
  const qs = Array.from({ length: 50 }, record);
  await store.writeBatch(qs, [], []);
  for (const q of qs) complete(q, 'successful', Date.now());
  void store.writeBatch([], qs, qs.map(event));
  await store.close();
  const again = new SqliteStore(f);
  for (const q of qs) assert.equal((await again.query(q.id))?.status, 'successful');
  assert.deepEqual(await verifyAudit(again), { ok: true, events: 50, problems: [] });
  await again.close();
});

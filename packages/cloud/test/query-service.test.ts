// When an immediate query's record is stored relative to its send, on the real SQLite store. In a cluster
// the query leaves before its record's commit and the answer waits for that commit; on a single node the
// answer does not wait, and the record is written in the write window as one insert of its final state. A
// record that cannot be stored is logged and the query's answer still goes out; after such a failure the
// next queries are stored before they are sent (so a store that cannot record stops them), until an
// insert succeeds again.
// The Dispatcher here is the service's port to the Link, answering at once; the gateway has its own tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { PROTOCOL_VERSION, type QueryCompleted } from '@conduit/protocol';
import { SqliteStore } from '../src/store/sqlite.js';
import { WriteBehind } from '../src/store/write-behind.js';
import { AuditLog } from '../src/audit/log.js';
import { QueryService, type HttpAnswer } from '../src/queries/service.js';
import type { Dispatcher, DispatchRequest } from '../src/gateway/gateway.js';
import type { SiteRecord } from '../src/store/types.js';

const site = { id: 's1', status: 'active' } as SiteRecord;

interface Harness {
  store: SqliteStore;
  service: QueryService;
  /** What the store had committed when each query was dispatched. */
  sent: { queryId: string; committed: boolean }[];
  logged: string[];
  commits: () => number;
  /** Each writeBatch's inserts, updates and events, by count. */
  batches: [number, number, number][];
  audit: AuditLog;
}

function harness(opts: { commitDelayMs?: number; lateInserts?: boolean; windowMs?: number } = {}): Harness {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'conduit-query-service-')), 'cloud.db'));
  const logged: string[] = [];
  const log = pino({ level: 'error' }, new Writable({ write: (chunk: Buffer, _e, done) => (logged.push(chunk.toString()), done()) }));
  let n = 0;
  const batches: Harness['batches'] = [];
  const writeBatch = store.writeBatch.bind(store);
  store.writeBatch = async (...args) => {
    batches.push([args[0].length, args[1].length, args[2].length]);
    if (opts.commitDelayMs) await new Promise((r) => setTimeout(r, opts.commitDelayMs));
    await writeBatch(...args);
    n++;
  };
  const writes = new WriteBehind(store, log, { lateInserts: opts.lateInserts, windowMs: opts.windowMs });
  const audit = new AuditLog(store, log, { commandText: false }, writes);
  const sent: Harness['sent'] = [];
  const gateway: Dispatcher = {
    reachable: () => true,
    dispatch: (req: DispatchRequest) => {
      const queryId = req.exec.queryId;
      sent.push({ queryId, committed: store.db.prepare('SELECT 1 FROM queries WHERE id = ?').get(queryId) !== undefined });
      const now = Date.now();
      const msg = { v: PROTOCOL_VERSION, id: 'm1', type: 'query.completed', queryId, rows: 0, size: 2, chunks: 1, parameters: [], sqlExecutionDuration: 1, executingAt: now, uploadingAt: now } as QueryCompleted;
      return { outcome: Promise.resolve({ kind: 'completed', msg, data: Buffer.from('[]'), startedAt: now, uploadingAt: now, completedAt: now }), cancel: () => undefined };
    },
  };
  return { store, service: new QueryService(store, gateway, log, audit), sent, logged, commits: () => n, batches, audit };
}

async function run(h: Harness): Promise<HttpAnswer> {
  const answer = await h.service.runImmediate({
    integratorId: 'i1', site, maxTimeInQueue: 1000, requestSize: 50,
    command: { text: 'SELECT 1', executionMode: 'reader', type: 'text', parameters: [] },
  });
  answer.after?.(); // as the route does once the answer is written
  return answer;
}

const refuseInserts = (h: Harness): void => void h.store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON queries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
const allowInserts = (h: Harness): void => void h.store.db.exec('DROP TRIGGER refuse');

test('in a cluster an immediate query is sent before its record commits, and answered only once the record is stored', async () => {
  const h = harness({ commitDelayMs: 40 });
  const started = Date.now();
  const answers = await Promise.all([run(h), run(h), run(h)]);
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  // All three were sent in one turn, before the turn's one commit began.
  assert.deepEqual(h.sent.map((s) => s.committed), [false, false, false]);
  assert.equal(h.commits(), 1, 'the inserts of one turn share one commit');
  assert.ok(Date.now() - started >= 35, 'the answers waited for the delayed commit');
  for (const s of h.sent) assert.ok(h.store.db.prepare('SELECT 1 FROM queries WHERE id = ?').get(s.queryId), 'stored before the answer');
  assert.deepEqual(h.logged, []);
  await h.store.close();
});

test('a record that cannot be stored is logged, its answer still goes out, and the next queries are stored first until one is', async () => {
  const h = harness();
  refuseInserts(h);
  // Sent first, then the insert failed: the site has run it, so the integrator still gets the answer.
  const first = await run(h);
  assert.equal(first.status, 200);
  assert.equal(h.sent.length, 1);
  assert.equal(h.logged.length, 1);
  assert.match(h.logged[0]!, /a query ran but its record could not be stored/);
  assert.doesNotMatch(h.logged[0]!, /SELECT 1/, 'no command text in the log');
  // Now stored first: the insert fails and nothing is sent.
  await assert.rejects(run(h), /disk I\/O error/);
  assert.equal(h.sent.length, 1, 'a query whose record cannot be stored is not sent');
  allowInserts(h);
  // Stored first once more (committed when sent); that success lets the next one go first again.
  assert.equal((await run(h)).status, 200);
  assert.equal(h.sent.at(-1)!.committed, true);
  assert.equal((await run(h)).status, 200);
  assert.equal(h.sent.at(-1)!.committed, false);
  assert.equal(h.sent.length, 3);
  await h.store.close();
});

const stored = (h: Harness, id: string): { status: string } | undefined =>
  h.store.db.prepare('SELECT status FROM queries WHERE id = ?').get(id) as { status: string } | undefined;

test('on a single node the answer does not wait for the record: it is written in the window as one insert of the final state, with the audit event', async () => {
  const window = 300;
  const h = harness({ lateInserts: true, windowMs: window });
  const started = Date.now();
  const answers = await Promise.all([run(h), run(h), run(h)]);
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  // Only meaningful while the window is open (a machine stalled for longer has already written them).
  if (Date.now() - started < window - 50) {
    for (const s of h.sent) assert.equal(stored(h, s.queryId), undefined, 'answered before the record was written');
    assert.equal(h.commits(), 0);
  }
  await h.audit.flush();
  for (const s of h.sent) assert.equal(stored(h, s.queryId)?.status, 'successful');
  // One transaction: three inserts of the final state, no updates, the three query events.
  assert.deepEqual(h.batches, [[3, 0, 3]]);
  assert.deepEqual(h.logged, []);
  await h.store.close();
});

test('on a single node a record that cannot be stored is logged after the answer, and the next queries are stored first', async () => {
  const h = harness({ lateInserts: true });
  refuseInserts(h);
  const first = await run(h);
  assert.equal(first.status, 200);
  await h.audit.flush();
  assert.equal(h.logged.filter((l) => /a query ran but its record could not be stored/.test(l)).length, 1);
  assert.ok(h.logged.every((l) => !/SELECT 1/.test(l)), 'no command text in the log');
  await assert.rejects(run(h), /disk I\/O error/);
  assert.equal(h.sent.length, 1, 'a query whose record cannot be stored is not sent');
  allowInserts(h);
  assert.equal((await run(h)).status, 200);
  assert.equal(h.sent.at(-1)!.committed, true, 'stored first');
  assert.equal((await run(h)).status, 200);
  assert.equal(h.sent.at(-1)!.committed, false, 'then late again');
  await h.audit.flush();
  assert.equal(stored(h, h.sent.at(-1)!.queryId)?.status, 'successful');
  await h.store.close();
});

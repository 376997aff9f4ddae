// The expired-results sweep runs on every node's timer but deletes only under the store lease: one node
// at a time, the holder keeps it tick after tick, and another node takes over once it lapses or is given up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SqliteStore } from '../src/store/sqlite.js';
import { AsyncQueries } from '../src/queries/async.js';
import { ResultFiles } from '../src/results/files.js';
import { AuditLog } from '../src/audit/log.js';
import { newQueryRecord, complete } from '../src/queries/lifecycle.js';
import type { Gateway } from '../src/gateway/gateway.js';

const LEASE = 120_000;

test('two nodes on one store: only the lease holder sweeps, and the other takes over when the lease lapses or is released', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-sweep-lease-'));
  // Two handles on one SQLite file stand for two nodes on one store.
  const stores = [new SqliteStore(join(dir, 'cloud.db')), new SqliteStore(join(dir, 'cloud.db'))];
  const log = pino({ level: 'silent' });
  const files = new ResultFiles(join(dir, 'results'));
  const gateway = { session: () => undefined, dispatch: () => { throw new Error('no Links here'); } } as unknown as Gateway;
  const nodes = stores.map((s) => new AsyncQueries(s, gateway, files, { enqueue: async () => undefined }, new AuditLog(s, log), log));
  const t0 = Date.now();
  const expired = async (): Promise<string> => {
    const q = newQueryRecord({ integratorId: 'i', siteId: 's', mode: 'async', command: { text: 'SELECT 1', executionMode: 'reader', type: 'text', parameters: [] }, maxTimeInQueue: 1000, requestSize: 1 }, t0 - 10_000);
    await stores[0]!.insertQuery(q);
    await stores[0]!.addPage({ queryId: q.id, pageNumber: 1, size: 1, rows: 1, rangeStart: 0, rangeEnd: 0 });
    q.resultsExpireAt = new Date(t0 - 1).toISOString();
    complete(q, 'successful', t0 - 5_000);
    await stores[0]!.updateQuery(q);
    return q.id;
  };

  const a = await expired();
  assert.equal(await nodes[0]!.sweepUnderLease('n1', LEASE, t0), 1, 'n1 takes the lease and sweeps');
  assert.deepEqual(await stores[0]!.pages(a), []);
  const b = await expired();
  assert.equal(await nodes[1]!.sweepUnderLease('n2', LEASE, t0 + 1_000), undefined, 'n2 is refused while n1 holds the lease');
  assert.equal((await stores[0]!.pages(b)).length, 1, 'so the page is still there');
  assert.equal(await nodes[0]!.sweepUnderLease('n1', LEASE, t0 + 60_000), 1, 'n1 renews its own lease on its next tick');
  await expired();
  assert.equal(await nodes[1]!.sweepUnderLease('n2', LEASE, t0 + 60_000 + LEASE - 1), undefined, 'the renewed lease still holds');
  assert.equal(await nodes[1]!.sweepUnderLease('n2', LEASE, t0 + 60_000 + LEASE), 1, 'n1 stopped renewing (died): n2 takes over');
  assert.equal(await nodes[0]!.sweepUnderLease('n1', LEASE, t0 + 60_000 + LEASE + 1), undefined, 'and n1 back is refused');

  // A node that stops gives the lease up: the other sweeps on its next tick, without waiting for it to lapse.
  nodes[1]!.startSweeping(60_000, 'n2');
  await nodes[1]!.stop();
  await expired();
  assert.equal(await nodes[0]!.sweepUnderLease('n1', LEASE, t0 + 60_000 + LEASE + 2), 1);
  for (const s of stores) await s.close();
});

test('a single node sweeps every tick, also after a restart under the same holder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-sweep-single-'));
  const store = new SqliteStore(join(dir, 'cloud.db'));
  const log = pino({ level: 'silent' });
  const gateway = { session: () => undefined, dispatch: () => { throw new Error('no Links here'); } } as unknown as Gateway;
  const make = (): AsyncQueries => new AsyncQueries(store, gateway, new ResultFiles(join(dir, 'results')), { enqueue: async () => undefined }, new AuditLog(store, log), log);
  const t0 = Date.now();
  assert.equal(await make().sweepUnderLease('single-node', LEASE, t0), 0);
  // Killed without giving the lease up, started again at once: the same holder reclaims it.
  assert.equal(await make().sweepUnderLease('single-node', LEASE, t0 + 1), 0);
  await store.close();
});

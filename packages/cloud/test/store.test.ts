import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';
import { createIntegrator } from '../src/admin.js';
import { hashKey } from '../src/keys.js';
import type { QueryRecord } from '../src/store/types.js';

test('integrators are found by the hash of either key; the key itself is not stored', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-store-')), 'cloud.db');
  const store = new SqliteStore(file);
  const made = await createIntegrator(store, '  Acme Booking ');
  assert.equal(made.name, 'Acme Booking');
  assert.equal((await store.integratorByKeyHash(hashKey(made.apiKey)))?.id, made.id);
  assert.equal((await store.integratorByKeyHash(hashKey(made.secondaryApiKey)))?.id, made.id);
  assert.equal(await store.integratorByKeyHash(hashKey('wrong')), undefined);
  const dump = JSON.stringify(store.db.prepare('SELECT * FROM integrator_keys').all());
  assert.ok(!dump.includes(made.apiKey));
  await assert.rejects(createIntegrator(store, ''), /1 to 100/);
  await store.close();
  // Reopening applies no migration twice.
  const again = new SqliteStore(file);
  assert.equal((await again.listIntegrators()).length, 1);
  await again.close();
});

test('queries left open by a stop are failed on the next start', async () => {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'conduit-store-')), 'cloud.db'));
  const at = new Date().toISOString();
  const q: QueryRecord = {
    id: '00000000-0000-4000-8000-000000000001', integratorId: 'i', siteId: 's', mode: 'immediate', status: 'executing', maxTimeInQueue: 1,
    commandSize: 1, requestSize: 1, commandHash: 'h', executionMode: 'reader', createdAt: at, updatedAt: at, completedAt: null,
    statusTiming: { initialising: { startTime: at } }, sqlExecutionDuration: null, resultSize: null, rows: null, rowsAffected: null, errorDetails: null, parameters: null, resultsExpireAt: null,
  };
  await store.insertQuery(q);
  await store.insertQuery({ ...q, id: '00000000-0000-4000-8000-000000000002', status: 'successful', completedAt: at });
  const ids = await store.failInterrupted({ errorType: 'haloLink', errorCode: 503, errorMessage: 'restarted' }, at);
  assert.deepEqual(ids, [q.id]);
  const after = await store.query(q.id);
  assert.equal(after?.status, 'executionFailed');
  assert.equal(after?.errorDetails?.errorMessage, 'restarted');
  assert.equal((await store.query('00000000-0000-4000-8000-000000000002'))?.status, 'successful');
  await store.close();
});

// Every Integrator API endpoint through the SDK, against a real Cloud, Link and simulated practice.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startSystem, clientFor, waitFor, type System } from './support.js';
import { isFinalStatus, type ConduitClient, type PagedResult, type SuccessfulQuery } from '../src/index.js';

let sys: System;
let client: ConduitClient;
before(async () => {
  sys = await startSystem();
  client = clientFor(sys);
});

interface Patient {
  INTERNALID: number;
  SURNAME: string;
}

test('sites: list by PMS Site ID and get by Halo GUID', async () => {
  const sites = await client.listSites({ practiceManagementSiteId: sys.link!.pmsSiteId });
  assert.deepEqual(sites.map((s) => s.id), [sys.siteId]);
  const site = await client.getSite(sys.siteId);
  assert.equal(site.id, sys.siteId);
  assert.equal(site.pmsType, 'BestPractice');
  assert.equal(site.availability, 'online');
  assert.equal(site.practiceMetadata?.practiceManagementSiteId, sys.link!.pmsSiteId);
  assert.deepEqual(await client.listSites({ practiceManagementSiteId: 'no-such-practice', practiceManagementName: 'Best Practice' }), []);
});

test('immediate queries: reader rows decoded and typed, parameters, nonQuery, scalar; status readable afterwards', async () => {
  const r = await client.immediate<Patient>(sys.siteId, {
    text: 'SELECT TOP 3 INTERNALID, SURNAME FROM PATIENTS WHERE INTERNALID > @min ORDER BY INTERNALID',
    parameters: [{ name: '@min', type: 'Int', value: '10' }],
  }, { maxTimeInQueue: 10_000 });
  assert.equal(r.rows.length, 3);
  assert.equal(r.query.result.rows, 3);
  assert.ok(r.rows.every((p) => p.INTERNALID > 10 && typeof p.SURNAME === 'string'));
  assert.equal(r.query.mode, 'immediate');
  assert.equal(r.query.maxTimeInQueue, 10_000);

  const mapped = await client.immediate(sys.siteId, 'SELECT TOP 2 INTERNALID FROM PATIENTS ORDER BY INTERNALID', { map: (row) => (row as { INTERNALID: number }).INTERNALID });
  assert.deepEqual(mapped.rows, [1, 2]);

  const write = await client.immediate(sys.siteId, { text: "UPDATE PATIENTS SET WORKPHONE = '0290000000' WHERE INTERNALID <= 2", executionMode: 'nonQuery' });
  assert.equal(write.rowsAffected, 2);
  assert.deepEqual(write.rows, []);

  const scalar = await client.immediate(sys.siteId, { text: 'SELECT COUNT(*) AS N FROM PATIENTS', executionMode: 'scalar' });
  assert.equal(scalar.value, 300);

  const status = await client.getQuery(sys.siteId, r.query.id);
  assert.equal(status.status, 'successful');
  assert.equal(status.mode, 'immediate');
});

test('async queries: submit (201), status, batch status, result pages with headers, streamed pages', async () => {
  const sub = await client.submitAsync(sys.siteId, 'SELECT * FROM APPOINTMENTS ORDER BY RECORDID');
  assert.equal(sub.mode, 'async');
  assert.ok(['initialising', 'queued'].includes(sub.status), sub.status);
  const done = await client.waitForQuery(sys.siteId, sub.id, { pollIntervalMs: 50, waitTimeoutMs: 20_000 });
  assert.equal(done.status, 'successful');
  const result = (done as SuccessfulQuery<PagedResult>).result;
  assert.ok(result.pages.length > 2, `${result.pages.length} pages`);

  const batch = await client.queryStatus(sys.siteId, [sub.id, randomUUID()]);
  assert.deepEqual(batch.map((b) => b.status), ['found', 'notFound']);
  assert.equal(batch[0]!.query?.status, 'successful');

  const page2 = await client.getResultPage<{ RECORDID: number }>(sys.siteId, sub.id, 2);
  const info2 = result.pages.find((p) => p.pageNumber === 2)!;
  assert.equal(page2.rows.length, info2.rows.count);
  assert.equal(page2.rowsCount, info2.rows.count);
  assert.equal(page2.rowsRangeStart, info2.rows.rangeStart);
  assert.equal(page2.size, info2.size);

  const stream = await client.streamResultPage(sys.siteId, sub.id, 2);
  assert.equal(stream.rowsCount, info2.rows.count);
  const streamed: { RECORDID: number }[] = [];
  for await (const row of stream.rows<{ RECORDID: number }>()) streamed.push(row);
  assert.deepEqual(streamed, page2.rows);
  assert.ok(isFinalStatus(done.status));
});

test('registered queries: create (202), list, get, latest result, cancel (204)', async () => {
  const { id } = await client.createRegistered(sys.siteId, {
    name: 'first patients', frequency: 1, duration: 600,
    command: 'SELECT TOP 2 INTERNALID, SURNAME FROM PATIENTS ORDER BY INTERNALID',
  });
  assert.match(id, /^[0-9a-f-]{36}$/);
  await waitFor(async () => ((await client.getRegistered(sys.siteId, id)).metrics.executionSucceededCount ?? 0) >= 1, 10_000, 'first run');
  const rq = await client.getRegistered(sys.siteId, id);
  assert.equal(rq.status, 'enabled');
  assert.equal(rq.name, 'first patients');
  assert.equal(rq.lastHash?.length, 64);
  assert.deepEqual((await client.listRegistered(sys.siteId)).map((q) => q.id), [id]);

  const res = await client.getRegisteredResult<Patient>(sys.siteId, id);
  assert.equal(res.rowCount, 2);
  assert.deepEqual(res.rows.map((p) => p.INTERNALID), [1, 2]);

  await client.cancelRegistered(sys.siteId, id);
  await client.cancelRegistered(sys.siteId, id); // idempotent
  assert.equal((await client.getRegistered(sys.siteId, id)).status, 'cancelled');
  assert.deepEqual(await client.listRegistered(sys.siteId), []);
});

// The store (PostgreSQL) goes down under a cluster node with its Link: the integrator gets 503 with
// Retry-After and a message that says the Cloud's database is not answering (an outage to wait out, not a
// fault to report), quickly; and once the server is back the node serves again by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { System, waitFor, type ApiResponse } from './support/system.js';
import { startRedis, type RedisServer } from './support/redis.js';
import { startPostgres, type PgServer } from './support/postgres.js';

let redis: RedisServer;
let pg: PgServer;
let sys: System;

const QUERY = { text: 'SELECT TOP 2 InternalID FROM BPS_Patients ORDER BY InternalID' };

before(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const storeUrl = await pg.createDatabase('conduit');
  sys = await System.start({ cloud: { storeUrl, cluster: { busUrl: redis.url, nodeId: 'a' } } });
});
after(async () => {
  await sys.close();
  await Promise.all([redis.stop(), pg.stop()]);
});

async function timed(): Promise<ApiResponse & { ms: number }> {
  const t0 = performance.now();
  const res = await sys.immediate(QUERY);
  return { ...res, ms: performance.now() - t0 };
}

test('PostgreSQL stopped: queries answer 503 with Retry-After saying the database is not answering; after it restarts they succeed again', { timeout: 90_000 }, async () => {
  const ok = await timed();
  assert.equal(ok.status, 200, ok.text);

  await pg.pause();
  // The first query may still be answered (its record fails to store after the answer); then records are
  // stored first, and a store that refuses stops the query before it reaches the practice.
  let down: (ApiResponse & { ms: number }) | undefined;
  for (let i = 0; i < 3 && down?.status !== 503; i++) down = await timed();
  assert.equal(down!.status, 503, down!.text);
  assert.equal(down!.headers.get('retry-after'), '5');
  assert.match(String(down!.json?.error?.message), /database is not answering/);
  assert.ok(down!.ms < 5_000, `the refusal took ${Math.round(down!.ms)} ms`);
  const health = await fetch(`${sys.cloud.url}/healthz`);
  assert.equal(health.status, 503);

  await pg.resume();
  await waitFor(async () => (await timed()).status === 200, 30_000, 'queries to succeed once PostgreSQL is back');
  const again = await timed();
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.status, 'successful');
});

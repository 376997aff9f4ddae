// Two Cloud nodes in this process on one bus (a real redis-server) and one store: the Link holds its
// socket to node A, the integrator only ever calls node B. Immediate, async (pages from either node),
// registered queries and pairing all work through B; a Link that moves to B is found there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { startCloud, configureWebhook, type RunningCloud } from '@conduit/cloud';
import { System, waitFor, type ApiResponse } from './support/system.js';
import { startRedis, type RedisServer } from './support/redis.js';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let redis: RedisServer;
let sys: System;
let b: RunningCloud;

const FAST = { presence: { refreshMs: 200, siteTtlMs: 1_000, nodeTtlMs: 600 } };
const PRACTICE = { pairingFailuresPerIntegrator: { max: 3, windowMs: 60_000 }, pairingFailuresPerSite: { max: 100, windowMs: 60_000 } };

async function call(cloud: RunningCloud, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'ocp-apim-subscription-key': sys.apiKey };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${cloud.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}

before(async () => {
  redis = await startRedis();
  sys = await System.start({ cloud: { cluster: { busUrl: redis.url, nodeId: 'a', ...FAST }, practice: PRACTICE, async: { pageBytes: 16 * 1024 }, registered: { minFrequencyS: 1 } } });
  b = await startCloud({
    port: 0, dataDir: join(sys.dir, 'cloud'), logger: quiet, heartbeatIntervalMs: 1000,
    cluster: { busUrl: redis.url, nodeId: 'b', ...FAST }, practice: PRACTICE, async: { pageBytes: 16 * 1024 }, registered: { minFrequencyS: 1 },
  });
});
after(async () => {
  await sys.close();
  await b.close();
  await redis.stop();
});

test('an immediate query sent to the node without the Link is answered through the node with it', async () => {
  assert.equal(sys.cloud.gateway.session(sys.siteId) !== undefined, true);
  assert.equal(b.gateway.session(sys.siteId), undefined);
  const res = await call(b, 'POST', `/integrator/sites/${sys.siteId}/queries/immediate`, { command: { text: 'SELECT TOP 3 InternalID FROM BPS_Patients ORDER BY InternalID' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'successful');
  const rows = JSON.parse(Buffer.from(res.json.result.data as string, 'base64').toString()) as unknown[];
  assert.equal(rows.length, 3);
  assert.equal(res.json.result.size, Buffer.from(res.json.result.data as string, 'base64').length);
  const failed = await call(b, 'POST', `/integrator/sites/${sys.siteId}/queries/immediate`, { command: { text: 'SELECT nope FROM nowhere' } });
  assert.equal(failed.status, 400, failed.text);
  assert.equal(failed.json.status, 'executionFailed');
  const record = await call(sys.cloud, 'GET', `/integrator/sites/${sys.siteId}/queries/${res.json.id}`);
  await waitFor(async () => (await call(sys.cloud, 'GET', `/integrator/sites/${sys.siteId}/queries/${res.json.id}`)).json.status === 'successful', 5000, 'the record on node a');
  assert.equal(record.status, 200);
});

test('an async query submitted to node B runs where the Link is and its pages are served by both nodes', async () => {
  const hook: string[] = [];
  const srv = (await import('node:http')).createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hook.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  try {
    await configureWebhook(sys.cloud.store, sys.integratorId, `http://127.0.0.1:${(srv.address() as { port: number }).port}/h/{queryId}`);
    const sub = await call(b, 'POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT * FROM APPOINTMENTS ORDER BY RECORDID' } });
    assert.equal(sub.status, 201, sub.text);
    assert.equal(sub.json.status, 'initialising', 'answered as created, across nodes too');
    let done: ApiResponse | undefined;
    await waitFor(async () => {
      done = await call(b, 'GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}`);
      return done.json.status === 'successful';
    }, 20_000, 'the async query');
    const pages = done!.json.result.pages as { pageNumber: number; rows: { count: number } }[];
    assert.ok(pages.length > 1, 'paged');
    let rows = 0;
    for (const p of pages) {
      const fromB = await call(b, 'GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/${p.pageNumber}`);
      const fromA = await call(sys.cloud, 'GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/${p.pageNumber}`);
      assert.equal(fromB.status, 200, fromB.text);
      assert.equal(fromB.text, fromA.text);
      rows += (JSON.parse(Buffer.from(fromB.json.data as string, 'base64').toString()) as unknown[]).length;
    }
    assert.equal(rows, pages.reduce((n, p) => n + p.rows.count, 0));
    await waitFor(() => hook.length === 1, 10_000, 'the webhook');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(hook.length, 1, 'one webhook across both nodes');
    assert.equal(JSON.parse(hook[0]!).queryId, sub.json.id);
  } finally {
    srv.close();
  }
});

test('a registered query created on node B is sent to the Link on node A, and its result read from B', async () => {
  const base = `/integrator/sites/${sys.siteId}/queries/registered`;
  const created = await call(b, 'POST', base, { name: 'phone', registeredQueryType: 'query', frequency: 1, duration: 600, registerCommand: { command: { text: 'SELECT TOP 1 INTERNALID FROM PATIENTS ORDER BY INTERNALID' } } });
  assert.equal(created.status, 202, created.text);
  await waitFor(async () => (await call(b, 'GET', `${base}/${created.json.id}`)).json.metrics.executionSucceededCount >= 1, 10_000, 'a run');
  const result = await call(b, 'GET', `${base}/${created.json.id}/results`);
  assert.equal(result.status, 200, result.text);
  assert.equal(result.json.rows, 1);
  assert.equal((await call(b, 'DELETE', `${base}/${created.json.id}`)).status, 204);
});

test('pair-site through node B, with guesses counted across both nodes', async () => {
  await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'readwrite' });
  const code = await sys.link!.integrations.pairingCode(sys.integratorId);
  const url = (c: string): string => `/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice&pairingCode=${c}`;
  const ok = await call(b, 'POST', url(code.code));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.id, sys.siteId);
  assert.equal(ok.json.availability, 'online', 'node B sees the Link held by node A as online');
  // Three wrong guesses spread over the nodes use up the integrator's limit of three on both.
  assert.equal((await call(sys.cloud, 'POST', url('WRONG1'))).status, 403);
  assert.equal((await call(b, 'POST', url('WRONG2'))).status, 403);
  assert.equal((await call(sys.cloud, 'POST', url('WRONG3'))).status, 403);
  await new Promise((r) => setTimeout(r, 100));
  const limited = await call(b, 'POST', url('WRONG4'));
  assert.equal(limited.status, 429, limited.text);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
});

test('when the Link reconnects to node B, node B serves it locally and node A routes to B', async () => {
  await sys.link!.stop();
  sys.link = undefined;
  const opts = sys.linkOptions({ cloudUrl: b.url });
  const { Link } = await import('@conduit/link');
  const link = new Link(opts);
  sys.link = link;
  await link.start();
  await link.waitUntilConnected(15_000);
  await waitFor(() => b.gateway.session(sys.siteId) !== undefined, 5000, 'session on b');
  const viaA = await call(sys.cloud, 'POST', `/integrator/sites/${sys.siteId}/queries/immediate`, { command: { text: 'SELECT 1 AS One' } });
  assert.equal(viaA.status, 200, viaA.text);
});

test('a second node under a running node\'s name is refused at start, and the running node goes on', async () => {
  await assert.rejects(startCloud({
    port: 0, dataDir: join(sys.dir, 'cloud'), logger: quiet, heartbeatIntervalMs: 1000,
    cluster: { busUrl: redis.url, nodeId: 'b', ...FAST },
  }), /Another Cloud node named "b" is running on this bus/);
  const res = await call(b, 'POST', `/integrator/sites/${sys.siteId}/queries/immediate`, { command: { text: 'SELECT 1 AS N' } });
  assert.equal(res.status, 200, res.text);
});

test('a Cloud on a PostgreSQL store without --cluster is refused before it touches the store', async () => {
  // Port 1: nothing listens there; the refusal must come before any connection is tried.
  await assert.rejects(startCloud({ port: 0, dataDir: join(sys.dir, 'lone'), logger: quiet, storeUrl: 'postgres://conduit:secret@127.0.0.1:1/conduit' }),
    (e: Error) => /start this Cloud with --cluster/.test(e.message) && !/secret/.test(e.message));
});

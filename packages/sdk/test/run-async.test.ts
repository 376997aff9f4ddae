// runAsync against a real system: several pages, rows read lazily, by polling or by a real webhook.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { configureWebhook } from '../../cloud/src/index.js';
import { startSystem, clientFor, listen, waitFor, type System } from './support.js';
import {
  ConduitApiError, WebhookWaiter, createWebhookHandler, verifyWebhook,
  type ConduitClient, type WebhookPayload,
} from '../src/index.js';

let sys: System;
let client: ConduitClient;
let total = 0;
const requests: string[] = [];
before(async () => {
  sys = await startSystem();
  // The default fetch, wrapped only to record which paths the SDK asks for.
  client = clientFor(sys, { fetch: (url, init) => (requests.push(`${init.method} ${new URL(url).pathname}`), fetch(url, init)) });
  total = (await client.immediate(sys.siteId, { text: 'SELECT COUNT(*) FROM APPOINTMENTS', executionMode: 'scalar' })).value as number;
  assert.ok(total > 800);
});

interface Appointment {
  RECORDID: number;
}

test('runAsync by polling: several pages, every row once, pages fetched one at a time as rows are read', async () => {
  const want = 800;
  const run = await client.runAsync<Appointment>(sys.siteId, `SELECT TOP ${want} * FROM APPOINTMENTS ORDER BY RECORDID`, { pollIntervalMs: 50, waitTimeoutMs: 30_000 });
  assert.ok(run.pageCount > 3, `${run.pageCount} pages`);
  assert.equal(run.rowCount, want);
  const pageFetches = (): number => requests.filter((r) => r.includes(`/queries/${run.queryId}/results/`)).length;
  assert.equal(pageFetches(), 0, 'nothing is fetched before iteration');

  const ids = new Set<number>();
  let n = 0;
  for await (const row of run) {
    if (n === 0) assert.equal(pageFetches(), 1, 'the first row needs only the first page');
    ids.add(row.RECORDID);
    n++;
  }
  assert.equal(n, want);
  assert.equal(ids.size, want, 'no row lost or duplicated');
  assert.equal(pageFetches(), run.pageCount);

  // Streamed pages give the same rows.
  const again = await client.openAsync<Appointment>(sys.siteId, run.queryId, { stream: true });
  let m = 0;
  for await (const row of again) {
    assert.ok(ids.has(row.RECORDID));
    m++;
  }
  assert.equal(m, want);
});

test('runAsync woken by a real webhook from the Cloud, verified with the SDK, polling only as a safety net', async () => {
  const waiter = new WebhookWaiter();
  const received: { payload: WebhookPayload; raw: { body: string; timestamp: string; signature: string } }[] = [];
  let secret = '';
  // A hand-written receiver that keeps the raw request, so the signature checks below use real deliveries.
  const { url } = await listen((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const timestamp = String(req.headers['x-halo-timestamp']);
      const signature = String(req.headers['x-halo-signature-256']);
      const ok = verifyWebhook({ secret, body, timestamp, signature });
      if (!ok) {
        res.writeHead(401).end();
        return;
      }
      const payload = JSON.parse(body) as WebhookPayload;
      received.push({ payload, raw: { body, timestamp, signature } });
      waiter.notify(payload);
      res.writeHead(204).end();
    });
  });
  ({ secret } = await configureWebhook(sys.cloud.store, sys.integratorId, `${url}/hooks/{source}/{queryId}`));

  const started = Date.now();
  // A huge polling interval: only the webhook can end the wait quickly.
  const run = await client.runAsync<Appointment>(sys.siteId, 'SELECT RECORDID FROM APPOINTMENTS', { webhook: waiter, webhookFallbackPollMs: 60_000, pollIntervalMs: 60_000, waitTimeoutMs: 30_000 });
  assert.ok(Date.now() - started < 20_000, 'woken by the webhook, not by the 60 s poll');
  const hook = received.find((h) => h.payload.queryId === run.queryId);
  assert.ok(hook, 'the Cloud delivered a signed webhook for this query');
  assert.equal(hook.payload.webhookSource, 'async');
  assert.equal(hook.payload.siteId, sys.siteId);
  assert.equal(verifyWebhook({ secret, ...hook.raw }), true);
  assert.equal(verifyWebhook({ secret, ...hook.raw, body: hook.raw.body.replace(run.queryId, sys.siteId) }), false, 'altered body');
  assert.equal(verifyWebhook({ secret, ...hook.raw, now: Date.parse(hook.raw.timestamp) + 6 * 60_000 }), false, 'too old');
  let n = 0;
  for await (const _ of run) n++;
  assert.equal(n, total);
});

test('the SDK webhook handler receives real deliveries; a function hook can wake runAsync', async () => {
  const seen: WebhookPayload[] = [];
  const waiter = new WebhookWaiter();
  let secret = '';
  const { url } = await listen((req, res) => createWebhookHandler({ secret, onNotification: (p) => (seen.push(p), waiter.notify(p)) })(req, res));
  ({ secret } = await configureWebhook(sys.cloud.store, sys.integratorId, `${url}/{source}/{siteId}`));
  const run = await client.runAsync(sys.siteId, 'SELECT TOP 10 RECORDID FROM APPOINTMENTS', {
    webhook: (queryId, signal) => waiter.wait(queryId, signal), pollIntervalMs: 60_000, webhookFallbackPollMs: 60_000, waitTimeoutMs: 20_000,
  });
  assert.equal(run.rowCount, 10);
  await waitFor(() => seen.some((p) => p.queryId === run.queryId), 5000, 'handler saw the delivery');
});

test('an async query that fails ends runAsync with a typed error carrying errorDetails', async () => {
  await assert.rejects(
    client.runAsync(sys.siteId, 'SELECT * FROM NOSUCHTABLE', { pollIntervalMs: 50, waitTimeoutMs: 20_000 }),
    (e: unknown) => {
      assert.ok(e instanceof ConduitApiError);
      assert.equal(e.kind, 'queryFailed');
      assert.equal(e.query?.status, 'executionFailed');
      assert.equal(e.errorDetails?.errorType, 'mssql');
      assert.equal(e.errorDetails?.errorCode, 208);
      return true;
    },
  );
});

test('waiting has a time limit and can be aborted', async () => {
  // Billions of rows: it runs far longer than this test (the system's close stops it).
  const sub = await client.submitAsync(sys.siteId, 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d');
  const waited = await client.waitForQuery(sys.siteId, sub.id, { waitTimeoutMs: 200, pollIntervalMs: 50 }).then((q) => q, (e: unknown) => e);
  assert.ok(waited instanceof ConduitApiError, `resolved: ${JSON.stringify(waited)}`);
  assert.equal(waited.kind, 'timeout');
  assert.equal(waited.status, 0);
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 100);
  await assert.rejects(client.waitForQuery(sys.siteId, sub.id, { signal: ctl.signal, pollIntervalMs: 5000 }), (e: ConduitApiError) => e.kind === 'aborted');
});

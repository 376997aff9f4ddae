// Nothing is lost when a part dies: kill -9 of the Cloud during an async extraction and during webhook
// delivery, then a restart; kill -9 of the Link, or a cut of its connection, mid-extraction. Each query
// either completes or ends in a failed status with errorDetails; no page is lost or duplicated; every
// webhook is delivered at least once with the same id and body. Real processes on loopback only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import { verifyWebhook } from '@conduit/cloud';
import { Cluster, OPEN_STATUSES, conduit, until, type QueryJson } from './support/crash-cluster.js';
import { CrashProxy } from './support/crash-proxy.js';

const BIG = 'SELECT a.*, p.SURNAME AS S FROM APPOINTMENTS a JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID';
const BIG_COUNT = 'SELECT COUNT(*) AS N, COUNT(DISTINCT a.RECORDID) AS D FROM APPOINTMENTS a JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID';
const FAILED = ['executionFailed', 'uploadFailed'];

const clusters: Cluster[] = [];
const servers: Server[] = [];
const proxies: CrashProxy[] = [];
after(async () => {
  for (const c of clusters) await c.close();
  for (const p of proxies) await p.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function cluster(opts: Parameters<typeof Cluster.start>[0]): Promise<Cluster> {
  const c = await Cluster.start(opts);
  clusters.push(c);
  return c;
}

/** Rows and distinct appointment ids of BIG, counted at the site by one immediate query. */
async function expected(c: Cluster): Promise<number> {
  const [r] = await c.immediate(BIG_COUNT);
  assert.equal(r!.N, r!.D, 'BIG has one row per appointment');
  return r!.N as number;
}

/** Waits until the query is uploading and at least one page is stored, so the kill cuts a real upload. */
async function uploadingWithPages(c: Cluster, id: string): Promise<void> {
  await until(async () => {
    const q = await c.query(id);
    assert.ok(OPEN_STATUSES.includes(q.status), `the extraction finished (${q.status}) before the kill; make the practice bigger`);
    return q.status === 'uploading' && c.resultFiles(id).mine.some((f) => f.endsWith('.json'));
  }, 'the extraction to be uploading with a page stored', 60_000, 50);
}

/** A failed query: final, with errorDetails, no result served, no pages in the store or on disk. */
async function assertFailedClean(c: Cluster, q: QueryJson, message: RegExp): Promise<void> {
  assert.ok(FAILED.includes(q.status), `status ${q.status}`);
  assert.ok(q.errorDetails, 'errorDetails is set');
  assert.match(q.errorDetails.errorMessage, message);
  assert.equal(q.result?.pages?.length ?? 0, 0, 'a failed query lists no pages');
  const page = await c.api('GET', `/integrator/sites/${c.siteId}/queries/${q.id}/results/1`);
  assert.equal(page.status, 404, `a failed query serves no partial data: ${JSON.stringify(page.json)}`);
  assert.equal((await c.api('GET', `/integrator/sites/${c.siteId}/queries/${q.id}/results/1/stream`)).status, 404);
  const files = c.resultFiles(q.id);
  assert.deepEqual(files.mine, [], 'no page file is left for the failed query');
  assert.deepEqual(files.parts, [], 'no .part file is left');
  const store = new Database(join(c.data, 'cloud.db'), { readonly: true });
  try {
    assert.equal((store.prepare('SELECT COUNT(*) AS n FROM query_pages WHERE query_id = ?').get(q.id) as { n: number }).n, 0, 'no page rows are left');
  } finally {
    store.close();
  }
}

/** A new extraction of BIG completes with every row exactly once, in contiguous pages. */
async function assertCompleteExtraction(c: Cluster, total: number): Promise<void> {
  const id = await c.submitAsync(BIG);
  const q = await c.finished(id, 120_000);
  assert.equal(q.status, 'successful', JSON.stringify(q.errorDetails));
  assert.equal(q.result!.rows, total);
  const pages = q.result!.pages;
  assert.ok(pages.length > 1, `${pages.length} pages`);
  let next = 0;
  pages.forEach((p, i) => {
    assert.equal(p.pageNumber, i + 1, 'pages are numbered 1..n without gaps');
    assert.equal(p.rows.rangeStart, next, `page ${p.pageNumber} starts where the last ended`);
    assert.equal(p.rows.rangeEnd, next + p.rows.count - 1);
    next += p.rows.count;
  });
  assert.equal(next, total, 'the page ranges cover every row');
  const rows = await c.allRows(q);
  assert.equal(rows.length, total, 'every row arrives');
  assert.equal(new Set(rows.map((r) => r.RECORDID)).size, total, 'no row lost or duplicated');
  assert.equal((await c.api('GET', `/integrator/sites/${c.siteId}/queries/${id}/results/${pages.length + 1}`)).status, 404);
}

test('kill -9 of the Cloud during an async extraction: after a restart the query reads failed with errorDetails, keeps no pages, and a new extraction is whole', { timeout: 240_000 }, async () => {
  const c = await cluster({ patients: 3000, weeks: 52 });
  const total = await expected(c);

  const id = await c.submitAsync(BIG);
  await uploadingWithPages(c, id);
  await c.cloud.kill('SIGKILL');
  assert.ok(c.resultFiles(id).mine.length > 0, 'the killed Cloud left pages on disk');

  const seen = c.link.out.length;
  await c.startCloud();
  await c.link.waitFor(/Link connected: site/, 60_000, seen); // the Link reconnects by itself

  const q = await c.query(id);
  await assertFailedClean(c, q, /Cloud restarted/);
  assert.equal(q.status, 'uploadFailed', 'it was cut off while its pages were arriving');

  await assertCompleteExtraction(c, total);
  assert.deepEqual(await c.query(id), q, 'the failed query stays as it was');
});

test('kill -9 of the Link mid-extraction, and a cut of its connection: the query fails with errorDetails and no pages; the next extraction is whole', { timeout: 300_000 }, async () => {
  // A short heartbeat, so that dead paths are noticed quickly by whichever side watches for them.
  const c = await cluster({ patients: 3000, weeks: 52, cloudArgs: ['--heartbeat-ms', '500'] });
  const total = await expected(c);

  // 1. kill -9: the kernel closes the Link's socket, the Cloud sees the close at once.
  const killed = await c.submitAsync(BIG);
  await uploadingWithPages(c, killed);
  await c.link.kill('SIGKILL');
  await assertFailedClean(c, await c.finished(killed, 15_000), /site disconnected/);

  // The Link restarts (from now on through a proxy that can cut its connection) and extracts it all.
  const proxy = await CrashProxy.start(Number(c.port));
  proxies.push(proxy);
  c.linkCloudUrl = proxy.url;
  await c.startLink();
  await assertCompleteExtraction(c, total);

  // 2. The connection is reset under both processes; the Link reconnects by itself.
  const cut = await c.submitAsync(BIG);
  await uploadingWithPages(c, cut);
  const seen = c.link.out.length;
  proxy.cut();
  await assertFailedClean(c, await c.finished(cut, 15_000), /site disconnected/);
  await c.link.waitFor(/Link connected: site/, 30_000, seen);
  await assertCompleteExtraction(c, total);
});

// The Cloud drops a Link it has not heard from (frames or pongs) for 2.5 heartbeats, so a silently
// dead path ends the query within a few heartbeats instead of at its ~2 h deadline.
test('a silently dead Link connection (no FIN, no RST) mid-extraction: the Cloud fails the query within a few heartbeats', {
  timeout: 180_000,
}, async () => {
  const HEARTBEAT = 500;
  const c = await cluster({ patients: 3000, weeks: 52, cloudArgs: ['--heartbeat-ms', String(HEARTBEAT)] });
  const total = await expected(c);
  const proxy = await CrashProxy.start(Number(c.port));
  proxies.push(proxy);
  c.linkCloudUrl = proxy.url;
  await c.link.kill('SIGTERM');
  await c.startLink();

  const id = await c.submitAsync(BIG);
  await uploadingWithPages(c, id);
  const seen = c.link.out.length;
  const t0 = Date.now();
  proxy.blackhole();
  // Both sides notice the silence (2.5 heartbeats, at least 5 s): the Cloud ends the query instead of
  // waiting for its deadline, and the Link reconnects on a new path.
  let q: QueryJson | undefined;
  let err: unknown;
  try {
    q = await c.finished(id, 20_000);
  } catch (e) {
    err = e;
  }
  const reconnected = /Link connected: site/.test(c.link.out.slice(seen));
  const final = q ?? (await c.finished(id, 60_000));
  console.log(`# silent cut: final status ${final.status} after ${Date.now() - t0} ms; Link reconnected meanwhile: ${reconnected}`);
  await assertFailedClean(c, final, /site disconnected/);
  if (err) throw err;
  assert.ok(Date.now() - t0 < 15_000, 'ended within a few heartbeats of silence');
  await c.link.waitFor(/Link connected: site/, 30_000, seen);
  await assertCompleteExtraction(c, total);
});

interface Delivery { id: string; body: string; headers: IncomingHttpHeaders; url: string; answered: boolean }

test('kill -9 of the Cloud during webhook delivery: after a restart every completed query is announced, with the same id and body, correctly signed', { timeout: 180_000 }, async () => {
  // `conduit cloud` has no flag for the outbox lease (default 30 s), so this Cloud is startCloud with a
  // short lease in a child process (test/support/crash-cloud.ts), killed and restarted like the CLI one.
  const webhooks = { leaseMs: 10_000, timeoutMs: 8_000, baseDelayMs: 100, capDelayMs: 500, pollMs: 100, concurrency: 2 };
  const c = await cluster({ patients: 200, weeks: 2, cloudOptions: { webhooks } });

  // The receiver holds every request open (never answers) until `answer` is set.
  let answer = false;
  const got: Delivery[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      got.push({ id: String(req.headers['x-halo-id']), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, url: req.url ?? '', answered: answer });
      if (answer) res.writeHead(200).end();
      else held.push(res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/{source}/{queryId}`;
  const { secret } = JSON.parse(conduit(['admin', 'integrator', 'webhook', '--integrator', c.integratorId, '--url', hookUrl, '--json', '--data-dir', c.data])) as { url: string; secret: string };
  assert.match(secret, /^[0-9a-f]{64}$/);

  const COUNT = 5;
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i++) ids.push(await c.submitAsync(`SELECT TOP ${i + 1} INTERNALID, SURNAME FROM PATIENTS ORDER BY INTERNALID`));
  for (const id of ids) assert.equal((await c.finished(id, 30_000)).status, 'successful');
  await until(() => got.length >= webhooks.concurrency, 'deliveries in flight, held by the receiver', 15_000, 20);
  const inFlight = got.slice();
  await c.cloud.kill('SIGKILL');
  for (const h of held.splice(0)) h.destroy();

  // Every completed query has exactly one event in the outbox; the ones being sent were left 'sending'.
  const store = new Database(join(c.data, 'cloud.db'), { readonly: true });
  const outbox = (): { id: string; query_id: string; body: string; status: string; attempts: number }[] =>
    store.prepare('SELECT id, query_id, body, status, attempts FROM webhook_outbox').all() as { id: string; query_id: string; body: string; status: string; attempts: number }[];
  try {
    const rows = outbox();
    assert.deepEqual(rows.map((r) => r.query_id).sort(), ids.slice().sort(), 'one event per completed query');
    assert.ok(rows.some((r) => r.status === 'sending'), `deliveries were in flight at the kill: ${rows.map((r) => r.status).join(',')}`);
    assert.equal(rows.filter((r) => r.status === 'delivered').length, 0);
    console.log(`# at the kill: outbox ${rows.map((r) => r.status).join(', ')}; ${inFlight.length} requests held by the receiver`);

    answer = true;
    await c.startCloud();
    await until(() => outbox().every((r) => r.status === 'delivered') && outbox(), 'every event delivered after the restart', 60_000, 200);

    const byQuery = new Map(outbox().map((r) => [r.query_id, r]));
    for (const qid of ids) {
      const row = byQuery.get(qid)!;
      const sends = got.filter((g) => (JSON.parse(g.body) as { queryId: string }).queryId === qid);
      assert.ok(sends.some((s) => s.answered), `the webhook for ${qid} was delivered`);
      for (const s of sends) {
        assert.equal(s.id, row.id, 'every attempt has the same X-Halo-Id');
        assert.equal(s.body, row.body, 'every attempt sends identical body bytes');
        const body = JSON.parse(s.body) as { id: string; queryId: string; siteId: string; webhookSource: string };
        assert.deepEqual([body.id, body.siteId, body.webhookSource], [row.id, c.siteId, 'async']);
        assert.equal(s.url, `/hooks/async/${qid}`);
        const ts = String(s.headers['x-halo-timestamp']);
        const sig = String(s.headers['x-halo-signature-256']);
        assert.equal(sig, createHmac('sha256', secret).update(`${s.body}.${ts}`).digest('hex'), 'HMAC-SHA256 of <body>.<timestamp>');
        assert.ok(verifyWebhook(secret, s.body, ts, sig, Date.now()));
      }
    }
    console.log(`# after the restart: ${got.length} requests in all, ${got.filter((g) => g.answered).length} answered 200`);
    // The deliveries the kill cut off were made again, with the same id and bytes.
    for (const r of inFlight) {
      const again = got.filter((g) => g.id === r.id && g !== r && g.answered);
      assert.ok(again.length >= 1, `${r.id} was not sent again after the restart`);
      assert.equal(again[0]!.body, r.body);
    }
  } finally {
    store.close();
  }
});

// Async and registered queries end to end, with webhooks to a real receiver.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { configureWebhook, verifyWebhook } from '@conduit/cloud';
import { System, waitFor, rowsOf, type ApiResponse } from './support/system.js';

const SLOW = 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';
const systems: System[] = [];
const servers: Server[] = [];
after(async () => {
  for (const s of systems) await s.close();
  for (const s of servers) s.close();
});

async function start(opts: Parameters<typeof System.start>[0] = {}): Promise<System> {
  const s = await System.start({ ...opts, cloud: { async: { pageBytes: 16 * 1024 }, registered: { minFrequencyS: 1 }, webhooks: { baseDelayMs: 20, capDelayMs: 100, pollMs: 50 }, ...opts.cloud } });
  systems.push(s);
  return s;
}

interface Hook { headers: IncomingMessage['headers']; body: string }
async function receiver(): Promise<{ url: string; hooks: Hook[] }> {
  const hooks: Hook[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/hooks/{source}/{siteId}/{queryId}`, hooks };
}

async function finished(sys: System, id: string, timeoutMs = 20_000): Promise<ApiResponse> {
  let last: ApiResponse | undefined;
  await waitFor(async () => {
    last = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${id}`);
    return !['initialising', 'queued', 'executing', 'uploading'].includes(last.json.status);
  }, timeoutMs, `query ${id} to finish`);
  return last!;
}

test('an async extraction is paged, every row arrives once, pages stream, status batches, and a signed webhook is sent', async () => {
  const sys = await start();
  const hook = await receiver();
  const { secret } = await configureWebhook(sys.cloud.store, sys.integratorId, hook.url);
  const total = rowsOf(await sys.immediate({ text: 'SELECT COUNT(*) AS N FROM APPOINTMENTS' }))[0]!.N as number;

  const sub = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT * FROM APPOINTMENTS ORDER BY RECORDID' } });
  assert.equal(sub.status, 201, sub.text);
  assert.equal(sub.json.mode, 'async');
  assert.equal(sub.json.status, 'initialising', 'answered as created, as Halo does');
  assert.deepEqual(Object.keys(sub.json.statusTiming), ['initialising']);
  assert.equal(sub.json.maxTimeInQueue, 3_600_000);
  const done = await finished(sys, sub.json.id);
  assert.equal(done.json.status, 'successful', done.text);
  const pages = done.json.result.pages as { pageNumber: number; status: string; size: number; rows: { count: number; rangeStart: number; rangeEnd: number } }[];
  assert.ok(pages.length > 3, `${pages.length} pages`);
  assert.equal(done.json.result.rows, total);
  let next = 0;
  const ids = new Set<number>();
  for (const p of pages) {
    const page = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/${p.pageNumber}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('rows-count'), String(p.rows.count));
    assert.equal(page.headers.get('rows-range-start'), String(next));
    assert.equal(page.headers.get('size'), String(p.size));
    const rows = JSON.parse(Buffer.from(page.json.data, 'base64').toString()) as { RECORDID: number }[];
    for (const r of rows) ids.add(r.RECORDID);
    next += rows.length;
    assert.ok(p.size <= 16 * 1024 + 4096, 'pages are about pageBytes');
  }
  assert.equal(next, total);
  assert.equal(ids.size, total, 'no row lost or duplicated');
  const streamed = await fetch(`${sys.cloud.url}/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/2/stream`, { headers: { 'ocp-apim-subscription-key': sys.apiKey } });
  const page2 = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/2`);
  assert.equal(await streamed.text(), Buffer.from(page2.json.data, 'base64').toString());
  assert.equal((await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/${pages.length + 1}`)).status, 404);

  const upper = (sub.json.id as string).toUpperCase();
  const batch = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/status`, { queryIds: [sub.json.id, '00000000-0000-4000-8000-000000000000', upper] });
  assert.deepEqual(batch.json.results.map((r: { status: string }) => r.status), ['found', 'notFound', 'found']);
  assert.equal(batch.json.results[2].queryId, upper, 'each id answered as the client spelled it');
  assert.equal(batch.json.results[0].query.status, 'successful');

  await waitFor(() => hook.hooks.length > 0, 5000, 'webhook');
  const h = hook.hooks[0]!;
  const body = JSON.parse(h.body) as { id: string; queryId: string; siteId: string; webhookSource: string; occurredAt: string };
  assert.deepEqual([body.queryId, body.siteId, body.webhookSource], [sub.json.id, sys.siteId, 'async']);
  assert.equal(h.headers['x-halo-id'], body.id);
  assert.equal(verifyWebhook(secret, h.body, String(h.headers['x-halo-timestamp']), String(h.headers['x-halo-signature-256']), Date.now()), true);
});

test('an async scalar query is one page holding the value, as the immediate query answers it', async () => {
  const sys = await start();
  const total = rowsOf(await sys.immediate({ text: 'SELECT COUNT(*) AS N FROM APPOINTMENTS' }))[0]!.N as number;
  const sub = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT COUNT(*) AS N FROM APPOINTMENTS', executionMode: 'scalar' } });
  assert.equal(sub.status, 201, sub.text);
  const done = await finished(sys, sub.json.id);
  assert.equal(done.json.status, 'successful', done.text);
  assert.equal(done.json.result.pages.length, 1);
  const page = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/1`);
  assert.equal(page.status, 200);
  assert.equal(JSON.parse(Buffer.from(page.json.data, 'base64').toString()), total);
  const immediate = await sys.immediate({ text: 'SELECT COUNT(*) AS N FROM APPOINTMENTS', executionMode: 'scalar' });
  assert.equal(Buffer.from(immediate.json.result.data, 'base64').toString(), Buffer.from(page.json.data, 'base64').toString());
});

test('async limits: results expire (410), the execution limit stops the statement, maxTimeInQueue expires waiting work', async () => {
  const sys = await start({ cloud: { async: { pageBytes: 16 * 1024, retentionMs: 300, executionMs: 1000 } } });
  const quick = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT TOP 10 * FROM BPS_Patients' } });
  assert.equal((await finished(sys, quick.json.id)).json.status, 'successful');
  await new Promise((r) => setTimeout(r, 400));
  const gone = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${quick.json.id}/results/1`);
  assert.equal(gone.status, 410);

  const slow = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: SLOW } });
  const waiting = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT 1 AS One' }, maxTimeInQueue: 200 });
  const s = await finished(sys, slow.json.id);
  assert.equal(s.json.status, 'executionFailed');
  assert.equal(s.json.errorDetails.errorCode, -2);
  const w = await finished(sys, waiting.json.id);
  assert.equal(w.json.status, 'expiredInQueue', 'one background executor was busy past its maxTimeInQueue');
  assert.equal((await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT 1' }, maxTimeInQueue: 7_200_001 })).status, 400);
});

test('a Link that drops mid-extraction: the query fails with errorDetails and keeps no partial pages', async () => {
  const sys = await start({ cloud: { async: { pageBytes: 4 * 1024 } } });
  const sub = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: 'SELECT a.*, b.SURNAME AS S2 FROM APPOINTMENTS a CROSS JOIN PATIENTS b' } });
  await waitFor(async () => (await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}`)).json.status === 'uploading', 10_000, 'uploading');
  sys.link!.dropConnection();
  const done = await finished(sys, sub.json.id);
  assert.equal(done.json.status, 'uploadFailed');
  assert.equal(done.json.errorDetails.errorType, 'haloLink');
  assert.equal((await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${sub.json.id}/results/1`)).status, 404);
  assert.deepEqual(await sys.cloud.store.pages(sub.json.id), []);
});

test('registered queries: run on schedule, upload only on change, webhook on change, survive a Link restart, cancel', async () => {
  const sys = await start();
  const hook = await receiver();
  await configureWebhook(sys.cloud.store, sys.integratorId, hook.url);
  const base = `/integrator/sites/${sys.siteId}/queries/registered`;
  const cmd = { command: { text: 'SELECT TOP 1 INTERNALID, MOBILEPHONE FROM PATIENTS ORDER BY INTERNALID' } };
  assert.equal((await sys.api('POST', base, { name: 'too often', registeredQueryType: 'query', frequency: 0, duration: 60, registerCommand: cmd })).status, 400);
  assert.equal((await sys.api('POST', base, { name: 'too long', registeredQueryType: 'query', frequency: 1, duration: 86_401, registerCommand: cmd })).status, 400);
  const created = await sys.api('POST', base, { name: 'first patient phone', registeredQueryType: 'query', frequency: 1, duration: 600, registerCommand: cmd });
  assert.equal(created.status, 202, created.text);
  const id = created.json.id as string;
  const get = async (): Promise<ApiResponse> => sys.api('GET', `${base}/${id}`);
  await waitFor(async () => (await get()).json.metrics.executionSucceededCount >= 3, 10_000, 'three runs');
  const r1 = (await get()).json;
  assert.equal(r1.status, 'enabled');
  assert.equal(r1.lastHash.length, 64);
  const firstSize = r1.metrics.resultSizeSum;
  assert.ok(firstSize > 0);
  assert.equal(hook.hooks.filter((h) => JSON.parse(h.body).webhookSource === 'registered').length, 1, 'unchanged results are not uploaded again');
  const res1 = await sys.api('GET', `${base}/${id}/results`);
  assert.equal(res1.status, 200);
  assert.equal(res1.json.rows, 1);

  await sys.immediate({ text: "UPDATE PATIENTS SET MOBILEPHONE = '0411222333' WHERE INTERNALID = (SELECT MIN(INTERNALID) FROM PATIENTS)", executionMode: 'nonQuery' });
  await waitFor(async () => (await get()).json.lastHash !== r1.lastHash, 10_000, 'changed hash');
  const res2 = await sys.api('GET', `${base}/${id}/results`);
  assert.equal((rowsOf({ ...res2, json: { result: { data: res2.json.data } } }) as { MOBILEPHONE: string }[])[0]!.MOBILEPHONE, '0411222333');
  await waitFor(() => hook.hooks.filter((h) => JSON.parse(h.body).webhookSource === 'registered').length === 2, 5000, 'second webhook');

  // The Link restarts: the schedule carries on.
  const before = (await get()).json.metrics.executionSucceededCount as number;
  await sys.link!.stop();
  await sys.startLink();
  await waitFor(async () => (await get()).json.metrics.executionSucceededCount > before + 1, 10_000, 'runs after restart');

  // The Cloud restarts: the definition is in its store and re-sent to the Link, which runs on.
  const beforeCloud = (await get()).json.metrics.executionSucceededCount as number;
  await sys.restartCloud();
  await sys.link!.waitUntilConnected(15_000);
  await waitFor(async () => (await get()).json.metrics.executionSucceededCount > beforeCloud + 1, 15_000, 'runs after a Cloud restart');

  const list = await sys.api('GET', base);
  assert.deepEqual(list.json.registeredQueries.map((q: { id: string }) => q.id), [id]);
  assert.equal((await sys.api('DELETE', `${base}/${id}`)).status, 204);
  assert.equal((await get()).json.status, 'cancelled');
  assert.deepEqual((await sys.api('GET', base)).json.registeredQueries, []);
  await waitFor(() => sys.link!.registered.size === 0, 3000, 'link dropped the cancelled query');
});

test('a registered query due while an async extraction runs is not held up behind it', { timeout: 30_000 }, async () => {
  const sys = await start({ cloud: { async: { pageBytes: 16 * 1024, executionMs: 8000 } } });
  const slow = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/async`, { command: { text: SLOW } });
  await waitFor(async () => (await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${slow.json.id}`)).json.status === 'executing', 5000, 'the extraction running');
  const path = `/integrator/sites/${sys.siteId}/queries/registered`;
  const reg = await sys.api('POST', path, { name: 'beside', registeredQueryType: 'query', frequency: 1, duration: 60, registerCommand: { command: { text: 'SELECT TOP 2 InternalID FROM BPS_Patients ORDER BY InternalID' } } });
  assert.equal(reg.status, 202, reg.text);
  await waitFor(async () => (await sys.api('GET', `${path}/${reg.json.id}/results`)).status === 200, 5000, 'the registered result');
  assert.equal((await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${slow.json.id}`)).json.status, 'executing', 'while the extraction still runs');
  await sys.api('DELETE', `${path}/${reg.json.id}`);
});

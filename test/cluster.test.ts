// Cluster mode with real processes: three `conduit cloud --cluster` nodes on one PostgreSQL and one Redis,
// a Link connected to node 1 through a load balancer, the integrator calling node 3 (and reading
// pages from node 2). Then node 1 is killed with SIGKILL: queries in flight end with a Halo status,
// the Link reconnects to a live node within its backoff, new queries succeed, every webhook arrives
// exactly once, and the audit chain verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { ClusterRig } from './support/cluster-rig.js';
import { until } from './support/crash-cluster.js';
import { RedisBus } from '../packages/cloud/src/bus/redis.js';
import { encodeFrame } from '../packages/cloud/src/bus/frame.js';

const SLOW = 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';
let rig: ClusterRig;
let hooks: Server;
const received: { id: string; body: { queryId: string; webhookSource: string } }[] = [];

before(async () => {
  rig = await ClusterRig.start(3);
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ id: String(req.headers['x-halo-id']), body: JSON.parse(body) as { queryId: string; webhookSource: string } });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', () => r()));
  await rig.admin('integrator', 'webhook', '--integrator', rig.integratorId, '--url', `http://127.0.0.1:${(hooks.address() as { port: number }).port}/h/{queryId}`, '--json');
});
after(async () => {
  hooks?.close();
  await rig?.close();
});

const rowsOf = (json: { result: { data: string } }): Record<string, unknown>[] => JSON.parse(Buffer.from(json.result.data, 'base64').toString()) as Record<string, unknown>[];

async function finished(node: number, id: string, timeoutMs: number): Promise<{ status: string; result?: { pages: { pageNumber: number; rows: { count: number } }[] }; errorDetails?: { errorType: string; errorCode: number } }> {
  return until(async () => {
    const r = await rig.api(node, 'GET', `/integrator/sites/${rig.siteId}/queries/${id}`);
    return !['initialising', 'queued', 'executing', 'uploading'].includes(r.json.status) && r.json;
  }, `query ${id} to end`, timeoutMs, 200);
}

test('the Link is on node 1; node 3 pairs, runs immediate, async (pages read on node 2) and registered queries', async () => {
  const keys = rig.nodes.map((p) => /Cloud public key[^:]*: (\S+)/.exec(p.out)?.[1]);
  assert.ok(keys[0]);
  assert.deepEqual(keys, [keys[0], keys[0], keys[0]], 'nodes started together share one signing key');
  assert.equal(await rig.links(0), 1);
  assert.equal(await rig.links(1), 0);
  assert.equal(await rig.links(2), 0);
  const code = await rig.pairingCode();
  const paired = await rig.api(2, 'POST', `/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice&pairingCode=${code.code}`);
  assert.equal(paired.status, 200, JSON.stringify(paired.json));
  assert.equal(paired.json.id, rig.siteId);
  assert.equal(paired.json.availability, 'online');

  const imm = await rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/immediate`, { command: { text: 'SELECT COUNT(*) AS N FROM APPOINTMENTS' } });
  assert.equal(imm.status, 200, JSON.stringify(imm.json));
  const total = rowsOf(imm.json)[0]!.N as number;
  assert.ok(total > 0);

  const sub = await rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/async`, { command: { text: 'SELECT * FROM APPOINTMENTS ORDER BY RECORDID' } });
  assert.equal(sub.status, 201, JSON.stringify(sub.json));
  const done = await finished(2, sub.json.id as string, 30_000);
  assert.equal(done.status, 'successful', JSON.stringify(done));
  let rows = 0;
  for (const p of done.result!.pages) {
    const page = await rig.api(1, 'GET', `/integrator/sites/${rig.siteId}/queries/${sub.json.id}/results/${p.pageNumber}`);
    assert.equal(page.status, 200, JSON.stringify(page.json));
    rows += (JSON.parse(Buffer.from(page.json.data as string, 'base64').toString()) as unknown[]).length;
  }
  assert.equal(rows, total, 'every row once, read from node 2');

  const base = `/integrator/sites/${rig.siteId}/queries/registered`;
  const reg = await rig.api(2, 'POST', base, { name: 'first patient', registeredQueryType: 'query', frequency: 60, duration: 3600, registerCommand: { command: { text: 'SELECT TOP 1 INTERNALID FROM PATIENTS ORDER BY INTERNALID' } } });
  assert.equal(reg.status, 202, JSON.stringify(reg.json));
  await until(async () => (await rig.api(2, 'GET', `${base}/${reg.json.id}`)).json.metrics.executionSucceededCount >= 1, 'the registered query to run', 20_000, 200);
  const result = await rig.api(2, 'GET', `${base}/${reg.json.id}/results`);
  assert.equal(result.status, 200, JSON.stringify(result.json));
  assert.equal(result.json.rows, 1);

  await until(() => received.some((h) => h.body.queryId === sub.json.id) && received.some((h) => h.body.queryId === reg.json.id), 'both webhooks', 15_000);
});

test('a bus frame a node cannot act on (damaged, another release\'s, missing fields) is dropped, and the node keeps serving', async () => {
  const probe = new RedisBus({ url: rig.redis.url, nodeId: 'probe' });
  await probe.start(() => undefined);
  try {
    const frames = [
      Buffer.from('not a frame'),
      encodeFrame({ t: 'exec', from: 'probe', rid: 'r1' }), // no site, no query
      encodeFrame({ t: 'outcome' }),
      encodeFrame({ t: 'a-later-kind', from: 'probe' }),
      encodeFrame([1, 2, 3]),
      encodeFrame(null as unknown as object),
      encodeFrame({ t: 'async', from: 'probe', rid: 'r2' }), // no query record
    ];
    for (const f of frames) assert.equal(await probe.send('n1', f), true, 'node 1 heard it');
    const imm = await rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/immediate`, { command: { text: 'SELECT 1 AS One' } });
    assert.equal(imm.status, 200, JSON.stringify(imm.json));
    assert.equal(await rig.links(0), 1, 'node 1 still holds the Link');
  } finally {
    await probe.close();
  }
});

test('kill -9 node 1: in-flight queries end with a Halo status, the Link moves to a live node, new queries succeed', async () => {
  const inFlight = rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/immediate`, { command: { text: SLOW } });
  const slowAsync = await rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/async`, { command: { text: SLOW } });
  assert.equal(slowAsync.status, 201);
  await until(async () => (await rig.api(2, 'GET', `/integrator/sites/${rig.siteId}/queries/${slowAsync.json.id}`)).json.status === 'executing', 'the async query to execute', 15_000, 100);
  const from = rig.link.out.length;
  const killedAt = Date.now();
  await rig.nodes[0]!.kill('SIGKILL');

  const answer = await inFlight;
  const answeredIn = Date.now() - killedAt;
  assert.equal(answer.status, 503, JSON.stringify(answer.json));
  assert.equal(answer.json.error.status, 503);
  assert.ok(answeredIn < 5_000, `the in-flight immediate query was answered ${answeredIn} ms after the kill`);

  const ended = await finished(2, slowAsync.json.id as string, 20_000);
  assert.equal(ended.status, 'executionFailed');
  assert.deepEqual([ended.errorDetails?.errorType, ended.errorDetails?.errorCode], ['haloLink', 503]);

  // The Link's backoff starts at 1–5 s (×1.5): it is back, on node 2 or 3, well within a few steps.
  await rig.link.waitFor(/Link connected: site/, 30_000, from);
  await until(async () => (await rig.links(1)) + (await rig.links(2)) === 1, 'the Link on node 2 or 3', 10_000);

  const again = await until(async () => {
    const r = await rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/immediate`, { command: { text: 'SELECT 1 AS One' } });
    return r.status === 200 && r;
  }, 'a new query to succeed', 15_000, 200);
  assert.deepEqual(rowsOf(again.json), [{ One: 1 }]);
  const viaNode2 = await rig.api(1, 'POST', `/integrator/sites/${rig.siteId}/queries/immediate`, { command: { text: 'SELECT 2 AS Two' } });
  assert.equal(viaNode2.status, 200, JSON.stringify(viaNode2.json));

  const sub = await rig.api(2, 'POST', `/integrator/sites/${rig.siteId}/queries/async`, { command: { text: 'SELECT TOP 50 * FROM APPOINTMENTS' } });
  assert.equal(sub.status, 201, JSON.stringify(sub.json));
  // 60 s: the Link restarts the background executor it killed for the abandoned async query first.
  assert.equal((await finished(1, sub.json.id as string, 60_000)).status, 'successful');
  await until(() => received.some((h) => h.body.queryId === sub.json.id), 'the webhook of the new async query', 15_000);
});

test('no webhook was lost or sent twice, and the audit chain verifies', async () => {
  await new Promise((r) => setTimeout(r, 3_000));
  const ids = received.map((h) => h.id);
  assert.equal(new Set(ids).size, ids.length, 'no delivery twice');
  const asyncIds = received.filter((h) => h.body.webhookSource === 'async').map((h) => h.body.queryId);
  assert.equal(new Set(asyncIds).size, asyncIds.length, 'one webhook per async query');
  assert.equal(asyncIds.length, 2, 'the two successful async queries, and none for the failed one');
  const stats = JSON.parse(await rig.admin('webhooks', 'stats', '--json')) as { delivered: number; pending: number; failed: number };
  assert.deepEqual([stats.delivered, stats.pending, stats.failed], [received.length, 0, 0], 'every queued webhook delivered, as often as received');
  const audit = JSON.parse(await rig.admin('audit', 'verify', '--json')) as { ok: boolean; events: number; problems: string[] };
  assert.equal(audit.ok, true, audit.problems?.join('; '));
  assert.ok(audit.events > 5);
});

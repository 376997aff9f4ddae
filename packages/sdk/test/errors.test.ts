// Typed errors from a real Cloud: 400, 401, 403 (every reason), 404, 410, 413 (both shapes), 503, 504.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createIntegrator, promoteSite } from '../../cloud/src/index.js';
import { Link } from '../../link/src/index.js';
import { startSystem, clientFor, waitFor, type System } from './support.js';
import { ConduitApiError, ConduitClient, mayHaveRun, type ErrorKind, type ForbiddenReason } from '../src/index.js';

const SLOW = 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';

let sys: System;
let client: ConduitClient;
before(async () => {
  sys = await startSystem({ cloud: { limits: { immediateExecutionMs: 4000 }, async: { pageBytes: 16 * 1024, retentionMs: 5000 } } });
  client = clientFor(sys, { retry: { baseDelayMs: 10 } });
});

/** Asserts the promise rejects with a ConduitApiError of this kind/status and returns it. */
async function fails(p: Promise<unknown>, kind: ErrorKind, status: number, reason?: ForbiddenReason): Promise<ConduitApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConduitApiError, String(e));
    assert.equal(e.kind, kind, `${e.kind}: ${e.message}`);
    assert.equal(e.status, status, e.message);
    if (reason) assert.equal(e.reason, reason, e.message);
    return e;
  }
  assert.fail(`expected ${kind}`);
}

test('401: missing or wrong key is unauthorized, not retried', async () => {
  const bad = new ConduitClient({ baseUrl: sys.cloud.url, apiKey: 'not-a-key' });
  const e = await fails(bad.getSite(sys.siteId), 'unauthorized', 401);
  assert.equal(e.attempts, 1);
  assert.match(e.message, /invalid subscription key/);
  assert.ok(!e.message.includes('not-a-key'));
});

test('400: a bad request is badRequest with the server message and never retried; a failed query is queryFailed with errorDetails', async () => {
  const e = await fails(client.immediate(sys.siteId, 'SELECT 1', { maxTimeInQueue: 60_001 }), 'badRequest', 400);
  assert.match(e.message, /maxTimeInQueue/);
  assert.equal(e.attempts, 1);
  const p = await fails(client.immediate(sys.siteId, { text: 'SELECT * FROM PATIENTS WHERE INTERNALID = @id', parameters: [{ name: '@id', type: 'Int', value: 'twelve' }] }), 'badRequest', 400);
  assert.match(p.message, /Failed to convert parameter value/);
  const q = await fails(client.immediate(sys.siteId, 'SELECT * FROM NOSUCHTABLE'), 'queryFailed', 400);
  assert.deepEqual(q.errorDetails, { errorType: 'mssql', errorCode: 208, errorMessage: q.message });
  assert.equal(q.query?.status, 'executionFailed');
  assert.equal((await client.getQuery(sys.siteId, q.query!.id)).status, 'executionFailed');
  assert.equal(mayHaveRun(e), false, 'a refused request never ran');
  assert.equal(mayHaveRun(q), false, 'a statement that ran and failed is settled: it did not take effect');
});

test('403: notPaired, disabled, badPairingCode and permission are told apart from the message', async () => {
  const other = await createIntegrator(sys.cloud.store, 'Unpaired Integrator');
  const stranger = new ConduitClient({ baseUrl: sys.cloud.url, apiKey: other.apiKey });
  await fails(stranger.getSite(sys.siteId), 'forbidden', 403, 'notPaired');
  await fails(stranger.immediate(sys.siteId, 'SELECT 1'), 'forbidden', 403, 'notPaired');
  await fails(stranger.pairSite({ practiceManagementSiteId: sys.link!.pmsSiteId, pairingCode: 'AAAAA-AAAAA' }), 'forbidden', 403, 'badPairingCode');

  await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'read' });
  const ro = await fails(client.immediate(sys.siteId, { text: "UPDATE PATIENTS SET WORKPHONE = '1' WHERE INTERNALID = 1", executionMode: 'nonQuery' }), 'forbidden', 403, 'permission');
  assert.equal(ro.errorDetails?.errorCode, 3906);
  assert.equal(ro.attempts, 1);
  assert.equal(mayHaveRun(ro), false);

  await sys.link!.integrations.save(sys.integratorId, { enabled: false });
  await waitFor(async () => {
    try {
      await client.getSite(sys.siteId);
      return false;
    } catch (e) {
      return e instanceof ConduitApiError && e.reason === 'disabled';
    }
  }, 3000, 'disabled');
  await fails(client.immediate(sys.siteId, 'SELECT 1'), 'forbidden', 403, 'disabled');
  await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'readwrite' });
  await waitFor(async () => (await client.getSite(sys.siteId).then(() => true, () => false)), 3000, 're-enabled');
});

test('404: unknown site, unknown query, missing page; 410: expired async results', async () => {
  await fails(client.getSite(randomUUID()), 'notFound', 404);
  await fails(client.getQuery(sys.siteId, randomUUID()), 'notFound', 404);
  await fails(client.getRegistered(sys.siteId, randomUUID()), 'notFound', 404);
  const run = await client.runAsync(sys.siteId, 'SELECT TOP 5 * FROM PATIENTS', { pollIntervalMs: 30 });
  await fails(client.getResultPage(sys.siteId, run.queryId, run.pageCount + 1), 'notFound', 404);
  // Results are kept 5 s here: long enough that a loaded machine still sees the missing page as 404.
  await new Promise((r) => setTimeout(r, 5200));
  const gone = await fails(client.getResultPage(sys.siteId, run.queryId, 1), 'gone', 410);
  assert.equal(gone.attempts, 1);
});

test('413: an oversized request body (envelope) and an immediate result over 8 MB (errorDetails)', async () => {
  const big = await fails(client.immediate(sys.siteId, `SELECT '${'x'.repeat(5 * 1024 * 1024)}'`), 'payloadTooLarge', 413);
  assert.match(big.message, /4 MB/);
  assert.equal(big.errorDetails, undefined);
  const res = await fails(client.immediate(sys.siteId, 'SELECT a.*, b.FIRSTNAME AS F2 FROM PATIENTS a CROSS JOIN PATIENTS b'), 'payloadTooLarge', 413);
  assert.deepEqual([res.errorDetails?.errorType, res.errorDetails?.errorCode], ['http', 413]);
  assert.equal(res.attempts, 1);
});

test('504: a statement over the execution limit is a timeout and is not sent again', async () => {
  const e = await fails(client.immediate(sys.siteId, SLOW), 'timeout', 504);
  assert.equal(e.attempts, 1);
  assert.match(e.message, /seconds/);
  assert.equal(mayHaveRun(e), true, 'a statement stopped over its limit may have done part of its work: check before writing again');
});

test('403 nonAuthoritative and guidChanged: a second Link for the practice, then promoted', async () => {
  const second = new Link(sys.linkOptions({ stateFile: join(sys.dir, 'second-server.db') }));
  await second.start();
  try {
    await second.waitUntilConnected(10_000);
    await fails(client.immediate(second.siteId!, 'SELECT 1'), 'forbidden', 403, 'nonAuthoritative');
    await promoteSite(sys.cloud.store, second.siteId!);
    await fails(client.getSite(sys.siteId), 'forbidden', 403, 'guidChanged');
    // What the message tells the integrator to do works: look the practice up again.
    const [site] = await client.listSites({ practiceManagementSiteId: sys.link!.pmsSiteId });
    assert.equal(site?.id, second.siteId);
    await promoteSite(sys.cloud.store, sys.siteId);
  } finally {
    await second.stop();
  }
});

test('503: a site whose Link stopped is siteOffline; the refusal is retried (bounded) even for an immediate query', async () => {
  await sys.link!.stop();
  await waitFor(async () => (await client.getSite(sys.siteId).then((s) => s.availability, () => 'error')) === 'offline', 5000, 'offline');
  const retries: number[] = [];
  const c = clientFor(sys, { retry: { maxAttempts: 3, baseDelayMs: 10, onRetry: (i) => retries.push(i.status) } });
  const e = await fails(c.immediate(sys.siteId, 'SELECT 1'), 'siteOffline', 503);
  assert.match(e.message, /could not be contacted/);
  assert.equal(e.attempts, 3);
  assert.deepEqual(retries, [503, 503]);
  assert.equal(mayHaveRun(e), false, 'a site that could not be contacted ran nothing');
  await fails(c.submitAsync(sys.siteId, 'SELECT 1'), 'siteOffline', 503);
});

test('mayHaveRun: lost answers and mid-query drops may have run; refusals before running did not', () => {
  const err = (kind: ErrorKind, message: string, extra: Partial<ConstructorParameters<typeof ConduitApiError>[0]> = {}): ConduitApiError =>
    new ConduitApiError({ kind, status: 0, message, ...extra });
  assert.equal(mayHaveRun(err('siteOffline', 'The site disconnected while the query was in flight; check whether a write happened before retrying it.')), true);
  assert.equal(mayHaveRun(err('timeout', 'Query waited more than its maxTimeInQueue (5000 ms) at the site and was not run.')), false);
  assert.equal(mayHaveRun(err('timeout', 'POST /integrator/sites/x/queries/immediate: the call took longer than 30000 ms')), true);
  assert.equal(mayHaveRun(err('queryFailed', 'The Cloud restarted while the query was in flight.', { errorDetails: { errorType: 'haloLink', errorCode: 503, errorMessage: 'x' } })), true);
  assert.equal(mayHaveRun(err('network', 'no answer (ECONNRESET)', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })), true);
  assert.equal(mayHaveRun(err('network', 'no answer (ECONNREFUSED)', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })), false);
  assert.equal(mayHaveRun(err('server', '502 Bad Gateway')), true);
  assert.equal(mayHaveRun(err('rateLimited', 'Too many requests')), false);
  assert.equal(mayHaveRun(new Error('something else')), true, 'an error the SDK did not make: assume the worst');
});

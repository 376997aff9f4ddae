// Bad input and faults: each gets a clear, documented error and no query is left in flight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { System, waitFor } from './support/system.js';

// Billions of row combinations: runs far past every limit used here unless it is stopped.
const SLOW = 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';

let sys: System;
before(async () => {
  sys = await System.start({ cloud: { limits: { immediateExecutionMs: 1500 } } });
});
after(async () => {
  await sys.close();
});

function assertEnvelope(res: { status: number; json: any }, status: number, pattern: RegExp): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(res.status, status, JSON.stringify(res.json));
  assert.equal(res.json.error.status, status);
  assert.equal(typeof res.json.error.statusText, 'string');
  assert.match(res.json.error.message, pattern);
}

test('authentication: a missing or wrong key is 401 before anything else is read', async () => {
  assertEnvelope(await sys.api('GET', `/integrator/sites/${sys.siteId}`, undefined, { 'ocp-apim-subscription-key': '' }), 401, /missing subscription key/);
  assertEnvelope(await sys.api('GET', `/integrator/sites/${sys.siteId}`, undefined, { 'ocp-apim-subscription-key': 'f'.repeat(64) }), 401, /invalid subscription key/);
  assertEnvelope(await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/immediate`, '{bad', { 'ocp-apim-subscription-key': 'nope' }), 401, /invalid/);
});

test('malformed JSON, wrong types, unknown fields and missing fields are 400 with the reason', async () => {
  const path = `/integrator/sites/${sys.siteId}/queries/immediate`;
  assertEnvelope(await sys.api('POST', path, '{"command": {'), 400, /^Invalid request: the body is not valid JSON\.$/);
  assertEnvelope(await sys.api('POST', path, { command: { text: 'SELECT 1' }, maxTimeInQueue: 'soon' }), 400, /maxTimeInQueue.*integer/);
  assertEnvelope(await sys.api('POST', path, { command: { text: 'SELECT 1', exectionMode: 'reader' } }), 400, /^Invalid request: body\/command must NOT have additional properties: 'exectionMode'$/);
  assertEnvelope(await sys.api('POST', path, { command: { text: 'SELECT 1' }, foo: 1 }), 400, /^Invalid request: body must NOT have additional properties: 'foo'$/);
  assertEnvelope(await sys.api('POST', path, { command: {} }), 400, /text/);
  assertEnvelope(await sys.api('POST', path, { command: { text: 'SELECT 1', executionMode: 'fast' } }), 400, /executionMode.*allowed values/);
  assertEnvelope(await sys.api('POST', path, { command: { text: 'SELECT 1' }, maxTimeInQueue: 60001 }), 400, /maxTimeInQueue/);
  assertEnvelope(await sys.api('POST', path, { command: { text: 'SELECT 1', parameters: [{ name: '@a', type: 'Integer', value: '1' }] } }), 400, /type/);
  assertEnvelope(await sys.api('POST', path, 'text=1', { 'content-type': 'text/plain' }), 415, /application\/json/);
  assertEnvelope(await sys.api('POST', path, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /application\/json/);
  // An empty body is no body, whatever its label: here the body is required, so 400 (not 415).
  assertEnvelope(await sys.api('POST', path, '', { 'content-type': 'text/plain; charset=utf-8' }), 400, /body/);
});

/** A raw request (node:http), for bodies fetch cannot send as needed: a given length, or chunked. */
function rawPost(path: string, type: string, chunks: Buffer[], length?: number): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(`${sys.cloud.url}${path}`, {
      method: 'POST',
      headers: { 'ocp-apim-subscription-key': sys.apiKey, 'content-type': type, ...(length !== undefined ? { 'content-length': String(length) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    // The server may answer and stop reading before the whole body is sent.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('a body that is not JSON is 415 whatever its size, and is refused before it is read', async () => {
  const path = `/integrator/sites/${sys.siteId}/queries/immediate`;
  // Larger than the 4 MB body limit: 415 (the media type), not 413 after reading 4 MB of it.
  const big = Buffer.alloc(6 * 1024 * 1024, 0x61);
  assertEnvelope(await rawPost(path, 'text/plain', [big], big.length), 415, /application\/json/);
  // Chunked (no length): refused at its first byte; an empty one is no body (400: this route needs one).
  assertEnvelope(await rawPost(path, 'text/plain', [Buffer.from('text='), Buffer.from('1')]), 415, /application\/json/);
  assertEnvelope(await rawPost(path, 'text/plain', []), 400, /body/);
  // A path that does not exist is 404 whatever its body (FHIR is not served).
  const fhir = Buffer.from('{"resourceType":"Patient"}');
  assertEnvelope(await rawPost(`/integrator/sites/${sys.siteId}/fhir/Patient`, 'application/fhir+json', [fhir], fhir.length), 404, /cannot find/);
  assertEnvelope(await rawPost(`/integrator/sites/${sys.siteId}/fhir/Patient`, 'application/fhir+json', [fhir]), 404, /cannot find/);
  // The server still answers on a new connection afterwards.
  assert.equal((await sys.api('GET', `/integrator/sites/${sys.siteId}`)).status, 200);
});

test('an oversized body is 413 with the limit', async () => {
  const res = await sys.immediate({ text: `SELECT '${'x'.repeat(5 * 1024 * 1024)}'` });
  assertEnvelope(res, 413, /larger than the 4 MB limit/);
});

test('bad parameter values are refused at the edge', async () => {
  const res = await sys.immediate({ text: 'SELECT * FROM PATIENTS WHERE INTERNALID = @id', parameters: [{ name: '@id', type: 'Int', value: 'twelve' }] });
  assertEnvelope(res, 400, /Failed to convert parameter value.*@id/);
  const dup = await sys.immediate({ text: 'SELECT @a', parameters: [{ name: '@a', type: 'Int', value: '1' }, { name: '@A', type: 'Int', value: '2' }] });
  assertEnvelope(dup, 400, /more than once/);
});

test('SQL errors and unknown procedures come back as errorDetails with SQL Server numbers', async () => {
  const bad = await sys.immediate({ text: 'SELECT * FROM NOSUCHTABLE' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.status, 'executionFailed');
  assert.equal(bad.json.errorDetails.errorType, 'mssql');
  assert.equal(bad.json.errorDetails.errorCode, 208);
  assert.match(bad.json.errorDetails.errorMessage, /NOSUCHTABLE/);
  assert.ok(bad.json.completedAt);
  const proc = await sys.immediate({ text: 'BP_NoSuchProcedure', type: 'storedProcedure' });
  assert.equal(proc.status, 400);
  assert.equal(proc.json.errorDetails.errorCode, 2812);
  const status = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${proc.json.id}`);
  assert.equal(status.json.status, 'executionFailed');
});

test('unknown sites and queries are 404; a malformed id is 400', async () => {
  assertEnvelope(await sys.api('GET', `/integrator/sites/${randomUUID()}`), 404, /Halo GUID/);
  assertEnvelope(await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${randomUUID()}`), 404, /No query/);
  assertEnvelope(await sys.api('GET', '/integrator/sites/not-a-guid'), 400, /siteId.*uuid/);
  assertEnvelope(await sys.api('GET', '/integrator/nowhere'), 404, /cannot find/);
});

test('a result over 8 MB is refused with http 413 errorDetails', async () => {
  const res = await sys.immediate({ text: 'SELECT a.*, b.FIRSTNAME AS F2 FROM PATIENTS a CROSS JOIN PATIENTS b' });
  assert.equal(res.status, 413, res.text.slice(0, 300));
  assert.equal(res.json.status, 'executionFailed');
  assert.deepEqual([res.json.errorDetails.errorType, res.json.errorDetails.errorCode], ['http', 413]);
});

test('a statement over the execution limit is stopped at the database and answered 504', async () => {
  const before = await sys.immediate({ text: 'SELECT MOBILEPHONE FROM PATIENTS WHERE INTERNALID = 1' });
  const started = Date.now();
  const slow = await sys.immediate({ text: `UPDATE PATIENTS SET MOBILEPHONE = (${SLOW}) WHERE INTERNALID = 1`, executionMode: 'nonQuery' });
  assertEnvelope(slow, 504, /more than 1.5 seconds/);
  assert.ok(Date.now() - started < 5000);
  // If the statement still ran it would hold the write lock for seconds; the next write goes straight through.
  const t = Date.now();
  const write = await sys.immediate({ text: "UPDATE PATIENTS SET WORKPHONE = '0299999999' WHERE INTERNALID = 2", executionMode: 'nonQuery' });
  assert.equal(write.status, 200, write.text);
  assert.ok(Date.now() - t < 1000, `next write waited ${Date.now() - t} ms`);
  const after = await sys.immediate({ text: 'SELECT MOBILEPHONE FROM PATIENTS WHERE INTERNALID = 1' });
  assert.deepEqual(after.json.result.data, before.json.result.data, 'the stopped write left no trace');
});

test('a Link that drops mid-query: 503, the query ends executionFailed, the Link comes back', async () => {
  const pending = sys.immediate({ text: SLOW });
  await waitFor(() => sys.link!['inFlight'].size > 0, 5000, 'query at the link');
  sys.link!.dropConnection();
  const res = await pending;
  assertEnvelope(res, 503, /disconnected while the query was in flight/);
  await sys.link!.waitUntilConnected(5000);
  const ok = await sys.immediate({ text: 'SELECT 1 AS One' });
  assert.equal(ok.status, 200);
});

test('a site whose Link stopped is offline: 503 and initialisationFailedSiteOffline', async () => {
  const siteId = sys.siteId;
  await sys.link!.stop();
  await waitFor(async () => (await sys.api('GET', `/integrator/sites/${siteId}`)).json.availability === 'offline', 3000, 'offline');
  const res = await sys.api('POST', `/integrator/sites/${siteId}/queries/immediate`, { command: { text: 'SELECT 1' } });
  assertEnvelope(res, 503, /could not be contacted/);
  await sys.startLink();
  assert.equal(sys.siteId, siteId, 'the same Link keeps its Halo GUID');
});

test('a Cloud restart mid-query leaves no query executing', async () => {
  const pending = sys.immediate({ text: SLOW }).catch((e: Error) => e);
  await waitFor(() => sys.link!['inFlight'].size > 0, 5000, 'query at the link');
  await sys.restartCloud();
  await pending;
  await sys.link!.waitUntilConnected(10_000);
  const store = sys.cloud.store as unknown as { db: { prepare(s: string): { all(): { status: string }[] } } };
  const open = store.db.prepare("SELECT status FROM queries WHERE status IN ('initialising','queued','executing','uploading')").all();
  assert.deepEqual(open, []);
  const ok = await sys.immediate({ text: 'SELECT 1 AS One' });
  assert.equal(ok.status, 200);
});

// Transport behaviour against a small scripted HTTP server on loopback (a test double for what a
// gateway or an overloaded Cloud answers): Retry-After, bounded attempts, idempotency, timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from './support.js';
import { ConduitApiError, ConduitClient, backoffDelay, parseRetryAfter, DEFAULT_RETRY, type RetryOptions } from '../src/index.js';

const SITE = '12345678-abcd-4f01-a345-6789abcdef01';
const okSite = { id: SITE, pmsType: 'BestPractice', availability: 'online', status: 'active' };
const okImmediate = { id: SITE, mode: 'immediate', status: 'successful', result: { rows: 1, size: 11, data: Buffer.from('[{"One":1}]').toString('base64') } };
const envelope = (status: number, message: string): string => JSON.stringify({ error: { status, statusText: 'x', message } });

type Step = (req: IncomingMessage, res: ServerResponse) => void;
const reply = (status: number, body: unknown, headers: Record<string, string> = {}): Step => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** A server answering with `steps` in turn (the last one repeats); records every request. */
async function scripted(steps: Step[]): Promise<{ url: string; seen: { method: string; url: string; key: string; at: number }[] }> {
  const seen: { method: string; url: string; key: string; at: number }[] = [];
  const { url } = await listen((req, res) => {
    seen.push({ method: req.method!, url: req.url!, key: String(req.headers['ocp-apim-subscription-key']), at: Date.now() });
    req.resume();
    req.on('end', () => steps[Math.min(seen.length - 1, steps.length - 1)]!(req, res));
  });
  return { url, seen };
}

const client = (url: string, retry: RetryOptions | false = { baseDelayMs: 5 }, timeoutMs?: number): ConduitClient =>
  new ConduitClient({ baseUrl: url, apiKey: 'k-123', retry, timeoutMs });

async function rejection(p: Promise<unknown>): Promise<ConduitApiError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof ConduitApiError, `expected a ConduitApiError, got ${String(e)}`);
  return e;
}

test('429 with Retry-After: 1 is waited for (about 1 s) and then succeeds, for a GET and for an immediate query', async () => {
  const s = await scripted([reply(429, envelope(429, 'Rate limit exceeded'), { 'retry-after': '1' }), reply(200, okSite)]);
  const delays: number[] = [];
  const c = client(s.url, { onRetry: (i) => delays.push(i.delayMs) });
  const site = await c.getSite(SITE);
  assert.equal(site.id, SITE);
  assert.equal(s.seen.length, 2);
  assert.ok(s.seen[1]!.at - s.seen[0]!.at >= 950, `waited ${s.seen[1]!.at - s.seen[0]!.at} ms`);
  assert.deepEqual(delays, [1000]);
  assert.equal(s.seen[0]!.key, 'k-123');

  const p = await scripted([reply(429, envelope(429, 'slow down'), { 'retry-after': '1' }), reply(200, okImmediate)]);
  const r = await client(p.url).immediate<{ One: number }>(SITE, 'SELECT 1 AS One');
  assert.deepEqual(r.rows, [{ One: 1 }]);
  assert.equal(p.seen.length, 2, 'a 429 was refused before running, so even an immediate query is sent again');
  assert.ok(p.seen[1]!.at - p.seen[0]!.at >= 950);
});

test('503 with Retry-After is honoured; an HTTP-date Retry-After works too', async () => {
  const s = await scripted([reply(503, envelope(503, 'Service Unavailable'), { 'retry-after': '1' }), reply(200, okSite)]);
  await client(s.url).getSite(SITE);
  assert.equal(s.seen.length, 2);
  assert.ok(s.seen[1]!.at - s.seen[0]!.at >= 950);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT')), 2000);
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('no retry on 400 (or any other 4xx)', async () => {
  for (const status of [400, 401, 403, 404, 409, 413, 415]) {
    const s = await scripted([reply(status, envelope(status, 'no')), reply(200, okSite)]);
    const e = await rejection(client(s.url).getSite(SITE));
    assert.equal(e.status, status);
    assert.equal(e.attempts, 1);
    assert.equal(s.seen.length, 1, `${status} was sent again`);
  }
});

test('attempts are bounded, with growing jittered delays', async () => {
  const s = await scripted([reply(502, 'Bad Gateway')]);
  const delays: number[] = [];
  const e = await rejection(client(s.url, { maxAttempts: 4, baseDelayMs: 20, onRetry: (i) => delays.push(i.delayMs) }).getSite(SITE));
  assert.equal(e.kind, 'server');
  assert.equal(e.attempts, 4);
  assert.equal(s.seen.length, 4);
  assert.equal(delays.length, 3);
  delays.forEach((d, i) => assert.ok(d >= 10 * 2 ** i && d <= 20 * 2 ** i, `delay ${i}: ${d}`));
  const o = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(1, { ...o, random: () => 0 }), 50);
  assert.equal(backoffDelay(3, { ...o, random: () => 0.999999 }), 400);
  assert.equal(backoffDelay(10, { ...o, random: () => 0.999999 }), 1000, 'capped');
  const none = await scripted([reply(503, envelope(503, 'busy'))]);
  assert.equal((await rejection(client(none.url, false).getSite(SITE))).attempts, 1, 'retry: false');
});

test('a Retry-After longer than maxRetryAfterMs is not waited: the error carries retryAfterMs', async () => {
  const s = await scripted([reply(429, envelope(429, 'Too many failed pairing attempts'), { 'retry-after': '900' }), reply(200, okSite)]);
  const e = await rejection(client(s.url).pairSite({ practiceManagementSiteId: '1', pairingCode: 'X' }));
  assert.equal(e.kind, 'rateLimited');
  assert.equal(e.retryAfterMs, 900_000);
  assert.equal(s.seen.length, 1);
  assert.match(s.seen[0]!.url, /^\/integrator\/pair-site\?practiceManagementSiteId=1&practiceManagementName=Best%20Practice&pairingCode=X$/);
});

test('unsafe POSTs that may have run are never sent twice: 500, 502, 504, a 503 after dispatch, a timeout', async () => {
  const cases: [number, string][] = [
    [500, JSON.stringify({ id: SITE, status: 'executionFailed', errorDetails: { errorType: 'haloLink', errorCode: 500, errorMessage: 'executor failed' } })],
    [502, envelope(502, 'the result arrived incomplete')],
    [504, envelope(504, 'The site did not answer before the deadline')],
    [503, envelope(503, 'The site disconnected while the query was in flight; it may have run.')],
  ];
  for (const [status, body] of cases) {
    const s = await scripted([reply(status, body), reply(200, okImmediate)]);
    const e = await rejection(client(s.url).immediate(SITE, { text: 'UPDATE X SET Y = 1', executionMode: 'nonQuery' }));
    assert.equal(e.status, status);
    assert.equal(s.seen.length, 1, `${status} immediate was sent again`);
    const a = await scripted([reply(status, body), reply(201, { id: SITE, mode: 'async', status: 'queued' })]);
    await rejection(client(a.url).submitAsync(SITE, 'SELECT 1'));
    assert.equal(a.seen.length, 1, `${status} async submit was sent again`);
  }
  const q = (await scripted([reply(500, cases[0]![1])]));
  const qe = await rejection(client(q.url).immediate(SITE, 'SELECT 1'));
  assert.equal(qe.kind, 'queryFailed');
  assert.equal(qe.errorDetails?.errorCode, 500);

  // The same statuses on a GET are retried.
  const g = await scripted([reply(504, envelope(504, 'x')), reply(500, envelope(500, 'x')), reply(200, okSite)]);
  await client(g.url).getSite(SITE);
  assert.equal(g.seen.length, 3);
  // The site-offline 503 is a refusal before running: retried even for an immediate query.
  const off = await scripted([reply(503, envelope(503, 'Site could not be contacted, please try again later or contact a system administrator.')), reply(200, okImmediate)]);
  await client(off.url).immediate(SITE, 'SELECT 1');
  assert.equal(off.seen.length, 2);
});

test('per-attempt time limit: a GET times out and is retried; an immediate query times out once', async () => {
  const hang: Step = () => undefined; // never answers
  const s = await scripted([hang]);
  const e = await rejection(client(s.url, { maxAttempts: 2, baseDelayMs: 5 }, 150).getSite(SITE));
  assert.equal(e.kind, 'timeout');
  assert.equal(e.status, 0);
  assert.equal(s.seen.length, 2);
  const i = await scripted([hang]);
  const ie = await rejection(client(i.url, { maxAttempts: 3, baseDelayMs: 5 }, 150).immediate(SITE, 'SELECT 1'));
  assert.equal(ie.kind, 'timeout');
  assert.equal(i.seen.length, 1);
});

test('network errors: a refused connection is retried even for a POST (nothing was sent); a reset one only for a GET', async () => {
  const closed = await new Promise<number>((r) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => r(port));
    });
  });
  const delays: number[] = [];
  const e = await rejection(client(`http://127.0.0.1:${closed}`, { maxAttempts: 3, baseDelayMs: 5, onRetry: (x) => delays.push(x.attempt) }).immediate(SITE, 'SELECT 1'));
  assert.equal(e.kind, 'network');
  assert.equal(e.attempts, 3);
  assert.deepEqual(delays, [1, 2]);

  const reset: Step = (req) => req.socket.destroy();
  const s = await scripted([reset, reply(200, okSite)]);
  await client(s.url).getSite(SITE);
  assert.equal(s.seen.length, 2);
  const p = await scripted([reset, reply(200, okImmediate)]);
  assert.equal((await rejection(client(p.url).immediate(SITE, 'SELECT 1'))).kind, 'network');
  assert.equal(p.seen.length, 1);
});

test('the caller can abort during a Retry-After wait; a custom fetch is used for every request', async () => {
  const s = await scripted([reply(429, envelope(429, 'x'), { 'retry-after': '30' })]);
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 100);
  const started = Date.now();
  const e = await rejection(client(s.url).getSite(SITE, { signal: ctl.signal }));
  assert.equal(e.kind, 'aborted');
  assert.ok(Date.now() - started < 5000);

  const ok = await scripted([reply(200, okSite)]);
  const calls: string[] = [];
  const c = new ConduitClient({
    baseUrl: `${ok.url}/`, apiKey: 'k', headers: { 'user-agent': 'sdk-test' },
    fetch: async (url, init) => {
      calls.push(`${init.method} ${url} ${(init.headers as Record<string, string>)['user-agent']}`);
      return fetch(url, init);
    },
  });
  await c.getSite(SITE);
  assert.deepEqual(calls, [`GET ${ok.url}/integrator/sites/${SITE} sdk-test`]);
});

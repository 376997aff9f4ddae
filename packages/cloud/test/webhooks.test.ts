import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, webcrypto } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteStore } from '../src/store/sqlite.js';
import { createIntegrator } from '../src/admin.js';
import {
  WebhookService, configureWebhook, webhookSecret, signWebhook, verifyWebhook, expandUrlTemplate, validateUrlTemplate, nextDelay,
  MASTER_KEY_SETTING, type WebhookServiceOptions,
} from '../src/webhooks/index.js';
import type { WebhookEvent } from '../src/webhooks/types.js';

// ---------------------------------------------------------------- helpers

interface Received { headers: IncomingHttpHeaders; body: string; url: string; at: number }
type Reply = number | 'hang';

/** A real HTTP receiver on loopback; `reply` decides each answer from the request number (0-based) and request. */
async function receiver(reply: (n: number, r: Received) => Reply = () => 200) {
  const got: Received[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '', at: Date.now() };
      const n = got.push(r) - 1;
      const a = reply(n, r);
      if (a === 'hang') held.push(res);
      else res.writeHead(a, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, got,
    async close() {
      for (const h of held) h.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function tmpStore(): { store: SqliteStore; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-webhooks-')), 'cloud.db');
  return { store: new SqliteStore(file), file };
}

const FAST: Partial<WebhookServiceOptions> = { baseDelayMs: 20, capDelayMs: 80, timeoutMs: 1_000, leaseMs: 2_000, pollMs: 50 };

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function event(integratorId: string, over: Partial<WebhookEvent> = {}): WebhookEvent {
  return {
    integratorId, siteId: '12345678-abcd-4f01-a345-6789abcdef01', queryId: crypto.randomUUID(), source: 'async',
    occurredAt: '2026-03-05T14:30:00.000Z', ...over,
  };
}

async function setup(reply?: (n: number, r: Received) => Reply, opts: Partial<WebhookServiceOptions> = {}) {
  const { store, file } = tmpStore();
  const rx = await receiver(reply);
  const integ = await createIntegrator(store, 'Acme');
  const hook = await configureWebhook(store, integ.id, `${rx.base}/hooks/{siteId}/{source}?q={queryId}`);
  const svc = new WebhookService(store, { ...FAST, ...opts });
  return {
    store, file, rx, integ, hook, svc,
    async close() {
      await svc.stop();
      await rx.close();
      await store.close();
    },
  };
}

function assertSigned(r: Received, secret: string): void {
  const ts = r.headers['x-halo-timestamp'] as string;
  const sig = r.headers['x-halo-signature-256'] as string;
  assert.match(sig, /^[0-9a-f]{64}$/);
  assert.equal(sig, createHmac('sha256', secret).update(`${r.body}.${ts}`).digest('hex'));
  assert.ok(verifyWebhook(secret, r.body, ts, sig));
}

// ---------------------------------------------------------------- pure helpers

test('URL templates expand {siteId}, {queryId} and {source}, percent-encoded', () => {
  const e = { siteId: 's-1', queryId: 'q/2', source: 'registered' as const };
  assert.equal(expandUrlTemplate('https://x.example/h/{siteId}?q={queryId}&s={source}', e), 'https://x.example/h/s-1?q=q%2F2&s=registered');
  assert.equal(expandUrlTemplate('https://x.example/{siteId}/{siteId}', e), 'https://x.example/s-1/s-1');
  assert.equal(expandUrlTemplate('https://x.example/plain', e), 'https://x.example/plain');
});

test('URL templates must be absolute http(s) URLs of at most 2048 characters with known placeholders', () => {
  assert.equal(validateUrlTemplate(' https://x.example/{siteId} '), 'https://x.example/{siteId}');
  assert.equal(validateUrlTemplate('http://127.0.0.1:9000/h'), 'http://127.0.0.1:9000/h');
  assert.throws(() => validateUrlTemplate('/relative/{siteId}'), /absolute/);
  assert.throws(() => validateUrlTemplate('ftp://x.example/h'), /http or https/);
  assert.throws(() => validateUrlTemplate('https://x.example/{patientId}'), /unknown placeholder \{patientId\}/);
  assert.throws(() => validateUrlTemplate('https://user:pw@x.example/h'), /user name or password/);
  assert.throws(() => validateUrlTemplate(''), /empty/);
  const long = `https://x.example/${'a'.repeat(2048)}`;
  assert.throws(() => validateUrlTemplate(long), /2048/);
  assert.doesNotThrow(() => validateUrlTemplate(long.slice(0, 2048)));
});

test('the signature matches an independent HMAC-SHA256 of "<body>.<timestamp>"', async () => {
  const secret = 'a'.repeat(64);
  const body = '{"id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","occurredAt":"2026-03-05T14:30:00.0000000+00:00","siteId":"s","queryId":"q","webhookSource":"async"}';
  const ts = '2026-03-05T14:30:01.123Z';
  const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = Buffer.from(await webcrypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${body}.${ts}`))).toString('hex');
  assert.equal(signWebhook(secret, body, ts), mac);
  assert.equal(signWebhook(secret, Buffer.from(body), ts), mac, 'raw bytes and string sign the same');
  assert.match(mac, /^[0-9a-f]{64}$/);
});

test('verification accepts a fresh signature and rejects old or future timestamps, altered bodies and wrong secrets', () => {
  const secret = 'b'.repeat(64);
  const body = '{"id":"x"}';
  const now = Date.parse('2026-03-05T14:30:00.000Z');
  const ts = new Date(now - 60_000).toISOString();
  const sig = signWebhook(secret, body, ts);
  assert.equal(verifyWebhook(secret, body, ts, sig, now), true);
  assert.equal(verifyWebhook(secret, body, ts, sig, new Date(now)), true);
  assert.equal(verifyWebhook(secret, body, ts, sig, now + 3 * 60_000 + 59_000), true, 'just under 5 minutes old');
  assert.equal(verifyWebhook(secret, body, ts, sig, now + 4 * 60_000 + 1), false, 'just over 5 minutes old');
  assert.equal(verifyWebhook(secret, body, ts, sig, now + 10 * 60_000, 15 * 60_000), true, 'custom tolerance');
  assert.equal(verifyWebhook(secret, body, ts, sig, now - 10 * 60_000), false, 'timestamp far in the future');
  assert.equal(verifyWebhook(secret, '{"id":"y"}', ts, sig, now), false, 'altered body');
  assert.equal(verifyWebhook(secret, `${body} `, ts, sig, now), false, 'one extra byte');
  const ts2 = new Date(now - 59_000).toISOString();
  assert.equal(verifyWebhook(secret, body, ts2, sig, now), false, 'altered timestamp');
  assert.equal(verifyWebhook('c'.repeat(64), body, ts, sig, now), false, 'wrong secret');
  assert.equal(verifyWebhook(secret, body, ts, sig.toUpperCase(), now), false, 'not lowercase hex');
  assert.equal(verifyWebhook(secret, body, ts, sig.slice(2), now), false, 'short');
  assert.equal(verifyWebhook(secret, body, 'not a time', signWebhook(secret, body, 'not a time'), now), false, 'bad timestamp');
});

test('backoff is decorrelated jitter: between base and 3x the previous delay, never above the cap', () => {
  const o = { baseMs: 5_000, capMs: 30 * 60_000 };
  assert.equal(nextDelay(0, o, () => 0), 5_000);
  assert.equal(nextDelay(0, o, () => 0.999999), 15_000);
  assert.equal(nextDelay(20 * 60_000, o, () => 0.999999), 30 * 60_000);
  let prev = 0;
  let seen = 0;
  for (let i = 0; i < 10_000; i++) {
    const d = nextDelay(prev, o);
    assert.ok(d >= o.baseMs && d <= Math.min(o.capMs, 3 * Math.max(prev, o.baseMs)), `delay ${d} after ${prev}`);
    seen = Math.max(seen, d);
    prev = i % 12 === 0 ? 0 : d;
  }
  assert.equal(seen, o.capMs, 'the cap is reached');
});

// ---------------------------------------------------------------- configuration

test('the secret is derived from the master key and never stored; --rotate and the first setting change it', async () => {
  const { store, file } = tmpStore();
  const a = await createIntegrator(store, 'A');
  const b = await createIntegrator(store, 'B');
  const first = await configureWebhook(store, a.id, 'https://a.example/{siteId}');
  assert.equal(first.secretVersion, 1);
  assert.equal(first.rotated, true);
  const master = Buffer.from((await store.getSetting(MASTER_KEY_SETTING))!, 'hex');
  assert.equal(master.length, 32);
  assert.equal(first.secret, createHmac('sha256', master).update(`webhook\n${a.id}\n1`).digest('hex'));
  const same = await configureWebhook(store, a.id, 'https://a.example/v2/{siteId}');
  assert.equal(same.secret, first.secret);
  assert.equal(same.rotated, false);
  assert.equal(same.urlTemplate, 'https://a.example/v2/{siteId}');
  const rotated = await configureWebhook(store, a.id, 'https://a.example/v2/{siteId}', { rotate: true });
  assert.equal(rotated.secretVersion, 2);
  assert.notEqual(rotated.secret, first.secret);
  assert.equal(await webhookSecret(store, a.id), rotated.secret);
  const other = await configureWebhook(store, b.id, 'https://b.example/');
  assert.notEqual(other.secret, rotated.secret);
  assert.equal(await webhookSecret(store, 'nobody'), undefined);
  await assert.rejects(configureWebhook(store, 'nobody', 'https://x.example/'), /no integrator/);
  await assert.rejects(configureWebhook(store, a.id, 'nope'), /absolute/);
  // Nothing in the database holds a secret.
  const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  const dump = JSON.stringify(tables.map((t) => store.db.prepare(`SELECT * FROM "${t}"`).all()));
  for (const s of [first.secret, rotated.secret, other.secret]) assert.ok(!dump.includes(s), 'a secret is stored');
  const audit = await store.listAudit({ kind: 'admin.webhookConfigured' });
  assert.equal(audit.length, 4);
  assert.deepEqual(audit[2]!.details, { url: 'https://a.example/v2/{siteId}', secretVersion: 2, rotated: true });
  await store.close();
  // The master key, and so every secret, survives a reopen.
  const again = new SqliteStore(file);
  assert.equal(await webhookSecret(again, a.id), rotated.secret);
  await again.close();
});

// ---------------------------------------------------------------- delivery with a real receiver

test('enqueue stores nothing for an integrator without a webhook', async () => {
  const { store } = tmpStore();
  const integ = await createIntegrator(store, 'No hooks');
  const svc = new WebhookService(store, FAST);
  await svc.enqueue(event(integ.id));
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM webhook_outbox').get() as { n: number }).n, 0);
  await store.close();
});

test('a 200 is delivered once, with the contract headers, the exact body and a valid signature', async () => {
  const t = await setup();
  try {
    t.svc.start();
    const e = event(t.integ.id, { source: 'registered' });
    const before = Date.now();
    await t.svc.enqueue(e);
    await until(() => t.svc.stats().delivered === 1, 'delivery');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(t.rx.got.length, 1, 'delivered exactly once');
    const r = t.rx.got[0]!;
    assert.equal(r.url, `/hooks/${e.siteId}/registered?q=${e.queryId}`);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = JSON.parse(r.body) as Record<string, string>;
    assert.deepEqual(Object.keys(body), ['id', 'occurredAt', 'siteId', 'queryId', 'webhookSource']);
    assert.deepEqual(body, { id: body.id, occurredAt: e.occurredAt, siteId: e.siteId, queryId: e.queryId, webhookSource: 'registered' });
    assert.match(body.id!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.headers['x-halo-id'], body.id);
    const ts = r.headers['x-halo-timestamp'] as string;
    assert.equal(new Date(ts).toISOString(), ts, 'ISO 8601');
    assert.ok(Date.parse(ts) >= before - 5 && Date.parse(ts) <= Date.now(), 'send time');
    assertSigned(r, t.hook.secret);
    const row = t.svc.outbox.row(body.id!)!;
    assert.equal(row.body, r.body, 'the stored bytes are the sent bytes');
    assert.equal(row.status, 'delivered');
    assert.equal(row.attempts, 1);
    assert.equal(row.lastStatus, 200);
    const s = t.svc.stats();
    assert.equal(s.delivered, 1);
    assert.equal(s.pending, 0);
    assert.equal(s.failed, 0);
    assert.equal(s.attempts, 1);
    assert.equal(s.lastSuccessAt, row.deliveredAt);
  } finally {
    await t.close();
  }
});

test('500 then 200: retried and delivered with the same X-Halo-Id and body, freshly signed', async () => {
  const t = await setup((n) => (n === 0 ? 500 : 200));
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.svc.stats().delivered === 1, 'delivery');
    assert.equal(t.rx.got.length, 2);
    const [a, b] = t.rx.got as [Received, Received];
    assert.equal(a.headers['x-halo-id'], b.headers['x-halo-id']);
    assert.equal(a.body, b.body);
    assert.ok(b.at - a.at >= FAST.baseDelayMs! - 5, 'waited at least the base delay');
    assertSigned(a, t.hook.secret);
    assertSigned(b, t.hook.secret);
    const s = t.svc.stats();
    assert.deepEqual([s.delivered, s.pending, s.failed, s.attempts], [1, 0, 0, 2]);
  } finally {
    await t.close();
  }
});

test('a 400 fails at once without a retry, with the status recorded', async () => {
  const t = await setup(() => 400);
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.svc.stats().failed === 1, 'failure');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.rx.got.length, 1, 'no retry');
    const s = t.svc.stats();
    assert.deepEqual([s.delivered, s.pending, s.failed, s.attempts], [0, 0, 1, 1]);
    assert.equal(s.recentFailures.length, 1);
    const f = s.recentFailures[0]!;
    assert.equal(f.id, t.rx.got[0]!.headers['x-halo-id']);
    assert.equal(f.lastStatus, 400);
    assert.equal(f.attempts, 1);
    assert.match(f.url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\//);
    assert.ok(!Number.isNaN(Date.parse(f.failedAt)));
  } finally {
    await t.close();
  }
});

test('429 and 408 are retried like 5xx; other 4xx (404, 410) are not', async () => {
  const t = await setup((n) => [429, 408, 503, 204][n] ?? 200);
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.svc.stats().delivered === 1, 'delivery');
    assert.deepEqual(t.rx.got.map((r) => r.headers['x-halo-id']), Array(4).fill(t.rx.got[0]!.headers['x-halo-id']));
    assert.equal(t.svc.outbox.row(t.rx.got[0]!.headers['x-halo-id'] as string)!.lastStatus, 204);
  } finally {
    await t.close();
  }
  for (const status of [404, 410]) {
    const u = await setup(() => status);
    try {
      u.svc.start();
      await u.svc.enqueue(event(u.integ.id));
      await until(() => u.svc.stats().failed === 1, 'failure');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(u.rx.got.length, 1);
    } finally {
      await u.close();
    }
  }
});

test('a receiver that hangs past the timeout is retried', async () => {
  const t = await setup((n) => (n === 0 ? 'hang' : 200), { timeoutMs: 300, leaseMs: 1_000 });
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.svc.stats().delivered === 1, 'delivery');
    assert.equal(t.rx.got.length, 2);
    assert.ok(t.rx.got[1]!.at - t.rx.got[0]!.at >= 300, 'the second attempt came after the timeout');
    assert.equal(t.rx.got[0]!.body, t.rx.got[1]!.body);
    assert.equal(t.svc.stats().attempts, 2);
  } finally {
    await t.close();
  }
});

test('gives up after maxAttempts; the failure says why; backoff delays stay within bounds', async () => {
  const t = await setup(() => 503, { maxAttempts: 4 });
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.svc.stats().failed === 1, 'failure');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.rx.got.length, 4);
    const gaps = t.rx.got.slice(1).map((r, i) => r.at - t.rx.got[i]!.at);
    for (const g of gaps) assert.ok(g >= FAST.baseDelayMs! - 5 && g < FAST.capDelayMs! + 500, `gap ${g}`);
    const s = t.svc.stats();
    assert.deepEqual([s.delivered, s.pending, s.failed, s.attempts], [0, 0, 1, 4]);
    assert.equal(s.recentFailures[0]!.lastStatus, 503);
    assert.match(s.recentFailures[0]!.lastError!, /HTTP 503 \(gave up after 4 attempts\)/);
  } finally {
    await t.close();
  }
});

test('an unreachable receiver is retried with the network error recorded', async () => {
  const t = await setup(() => 200, { maxAttempts: 2 });
  try {
    await t.rx.close();
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.svc.stats().failed === 1, 'failure');
    const f = t.svc.stats().recentFailures[0]!;
    assert.equal(f.attempts, 2);
    assert.equal(f.lastStatus, null);
    assert.match(f.lastError!, /ECONNREFUSED/);
  } finally {
    await t.close();
  }
});

test('stats count per integrator and overall, newest failures first', async () => {
  const t = await setup((_n, r) => (r.url.startsWith('/bad') ? 400 : 200));
  const b = await createIntegrator(t.store, 'B');
  await configureWebhook(t.store, b.id, `${t.rx.base}/bad/{queryId}`);
  try {
    t.svc.start();
    for (let i = 0; i < 3; i++) await t.svc.enqueue(event(t.integ.id));
    for (let i = 0; i < 2; i++) await t.svc.enqueue(event(b.id));
    await until(() => t.svc.stats().delivered === 3 && t.svc.stats().failed === 2, 'all outcomes');
    const all = t.svc.stats();
    assert.deepEqual([all.delivered, all.pending, all.failed, all.attempts], [3, 0, 2, 5]);
    assert.equal(all.recentFailures.length, 2);
    assert.ok(all.recentFailures[0]!.failedAt >= all.recentFailures[1]!.failedAt);
    const sa = t.svc.stats(t.integ.id);
    assert.deepEqual([sa.delivered, sa.failed, sa.recentFailures.length], [3, 0, 0]);
    assert.ok(sa.lastSuccessAt);
    const sb = t.svc.stats(b.id);
    assert.deepEqual([sb.delivered, sb.failed, sb.lastSuccessAt], [0, 2, null]);
    assert.ok(sb.recentFailures.every((f) => f.integratorId === b.id && f.lastStatus === 400));
  } finally {
    await t.close();
  }
});

test('pending retries are signed with the new secret after a rotation; the body does not change', async () => {
  const t = await setup((n) => (n === 0 ? 500 : 200), { baseDelayMs: 300, capDelayMs: 300 });
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.rx.got.length === 1, 'first attempt');
    const rotatedSecret = (await configureWebhook(t.store, t.integ.id, `${t.rx.base}/hooks/{siteId}`, { rotate: true })).secret;
    await until(() => t.svc.stats().delivered === 1, 'delivery');
    assertSigned(t.rx.got[0]!, t.hook.secret);
    assertSigned(t.rx.got[1]!, rotatedSecret);
    assert.equal(t.rx.got[0]!.body, t.rx.got[1]!.body);
    assert.equal(t.rx.got[0]!.url, t.rx.got[1]!.url, 'the URL was fixed when the event was queued');
  } finally {
    await t.close();
  }
});

test('two loops on one store file never send the same row at once, and each row is sent once', async () => {
  const active = new Set<string>();
  let overlaps = 0;
  const { store, file } = tmpStore();
  // A slow receiver that notices two sends of one id overlapping.
  const rx = await receiverSlow(active, () => overlaps++);
  const integ = await createIntegrator(store, 'Acme');
  await configureWebhook(store, integ.id, `${rx.base}/h`);
  const other = new SqliteStore(file);
  const a = new WebhookService(store, { ...FAST, concurrency: 4 });
  const b = new WebhookService(other, { ...FAST, concurrency: 4 });
  try {
    for (let i = 0; i < 30; i++) await a.enqueue(event(integ.id));
    a.start();
    b.start();
    await until(() => a.stats().delivered === 30, 'all delivered', 20_000);
    assert.equal(overlaps, 0);
    assert.equal(rx.got.length, 30);
    assert.equal(new Set(rx.got.map((r) => r.headers['x-halo-id'])).size, 30);
  } finally {
    await a.stop();
    await b.stop();
    await rx.close();
    await other.close();
    await store.close();
  }
});

async function receiverSlow(active: Set<string>, overlap: () => void) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers['x-halo-id'] as string;
      if (active.has(id)) overlap();
      active.add(id);
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '', at: Date.now() });
      setTimeout(() => {
        active.delete(id);
        res.writeHead(200).end();
      }, 30);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

test('stop() gives in-flight rows back without counting the attempt; the next start sends them again', async () => {
  const t = await setup((n) => (n === 0 ? 'hang' : 200), { timeoutMs: 5_000, leaseMs: 10_000 });
  try {
    t.svc.start();
    await t.svc.enqueue(event(t.integ.id));
    await until(() => t.rx.got.length === 1, 'first attempt');
    await t.svc.stop();
    const id = t.rx.got[0]!.headers['x-halo-id'] as string;
    const row = t.svc.outbox.row(id)!;
    assert.equal(row.status, 'pending');
    assert.equal(row.attempts, 0);
    const again = new WebhookService(t.store, FAST);
    again.start();
    await until(() => again.stats().delivered === 1, 'delivery after restart');
    await again.stop();
    assert.equal(t.rx.got[1]!.body, t.rx.got[0]!.body);
  } finally {
    await t.close();
  }
});

test('the options are checked', () => {
  const { store } = tmpStore();
  assert.throws(() => new WebhookService(store, { timeoutMs: 5_000, leaseMs: 5_000 }), /leaseMs/);
  assert.throws(() => new WebhookService(store, { baseDelayMs: 10, capDelayMs: 5 }), /capDelayMs/);
  assert.throws(() => new WebhookService(store, { maxAttempts: 0 }), /maxAttempts/);
  void store.close();
});

// Webhook signature verification and the receiver, checked against the Cloud's own signer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook as cloudSign } from '../../cloud/src/index.js';
import { listen } from './support.js';
import { WebhookWaiter, createWebhookHandler, parseWebhook, signWebhook, verifyWebhook, type WebhookPayload } from '../src/index.js';

const secret = 'a3f1c9e0b7d24e6f8a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071';
const body = JSON.stringify({ id: '0f6c7c4e-4a55-4d7c-9b0e-2a1f3c8d9e10', occurredAt: '2026-03-05T14:30:00.000Z', siteId: '12345678-abcd-4f01-a345-6789abcdef01', queryId: 'abcdef01-2345-4789-abcd-ef0123456789', webhookSource: 'async' });
const timestamp = '2026-03-05T14:30:02.417Z';
const now = Date.parse(timestamp) + 1000;

test('verifyWebhook: valid; altered body, timestamp or secret; old or future timestamp; malformed signature', () => {
  const signature = signWebhook(secret, body, timestamp);
  assert.match(signature, /^[0-9a-f]{64}$/);
  assert.equal(signature, cloudSign(secret, body, timestamp), 'the same signature as the Cloud makes');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature, now }), true);
  assert.equal(verifyWebhook({ secret, body: Buffer.from(body), timestamp, signature, now }), true, 'raw bytes');
  assert.equal(verifyWebhook({ secret, body: body.replace('async', 'registered'), timestamp, signature, now }), false, 'altered body');
  assert.equal(verifyWebhook({ secret, body: `${body} `, timestamp, signature, now }), false, 'one byte more');
  assert.equal(verifyWebhook({ secret, body, timestamp: '2026-03-05T14:30:03.417Z', signature, now }), false, 'altered timestamp');
  assert.equal(verifyWebhook({ secret: `${secret}0`, body, timestamp, signature, now }), false, 'wrong secret');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature, now: Date.parse(timestamp) + 5 * 60_000 + 1 }), false, 'older than 5 minutes');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature, now: Date.parse(timestamp) + 5 * 60_000 }), true, 'exactly 5 minutes');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature, now: Date.parse(timestamp) - 6 * 60_000 }), false, 'from the future');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature, now: new Date(now), toleranceMs: 500 }), false, 'custom tolerance');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature: signature.toUpperCase(), now }), false, 'uppercase hex is not the format');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature: signature.slice(0, 62), now }), false, 'short');
  assert.equal(verifyWebhook({ secret, body, timestamp, signature: undefined, now }), false, 'missing');
  assert.equal(verifyWebhook({ secret, body, timestamp: 'yesterday', signature, now }), false, 'bad timestamp');
  assert.equal(verifyWebhook({ secret: ['old-secret', secret], body, timestamp, signature, now }), true, 'either secret during a rotation');
  assert.equal(verifyWebhook({ secret: ['old-secret', ''], body, timestamp, signature, now }), false);
  assert.equal(verifyWebhook({ secret, body, timestamp, signature: cloudSign(secret, body, timestamp), now: Date.now() }), false, 'real clock: the example is long past');
});

test('parseWebhook checks the payload shape', () => {
  assert.equal(parseWebhook(body).webhookSource, 'async');
  assert.throws(() => parseWebhook('{"id":"x"}'), TypeError);
  assert.throws(() => parseWebhook(body.replace('async', 'other')), TypeError);
  assert.throws(() => parseWebhook('not json'), SyntaxError);
});

test('createWebhookHandler: 204 and one callback per delivery id, 401 for a bad signature, 400 for a bad body', async () => {
  const got: WebhookPayload[] = [];
  const { url } = await listen(createWebhookHandler({ secret, onNotification: (p) => void got.push(p) }));
  const send = async (b: string, ts = new Date().toISOString(), sig = signWebhook(secret, b, ts), id = 'delivery-1'): Promise<number> =>
    (await fetch(`${url}/hooks`, { method: 'POST', body: b, headers: { 'content-type': 'application/json', 'x-halo-id': id, 'x-halo-timestamp': ts, 'x-halo-signature-256': sig } })).status;
  assert.equal(await send(body), 204);
  assert.equal(await send(body), 204, 'a repeat is acknowledged');
  assert.equal(await send(body, undefined, undefined, 'delivery-2'), 204);
  assert.equal(await send(body, undefined, 'f'.repeat(64)), 401);
  assert.equal(await send(body, new Date(Date.now() - 10 * 60_000).toISOString()), 401, 'replayed old delivery');
  assert.equal(await send('{"hello":1}', undefined, undefined, 'delivery-3'), 400);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got.length, 2, 'deduplicated on X-Halo-Id');
});

test('WebhookWaiter resolves waits, also for notifications that came first, and honours abort', async () => {
  const w = new WebhookWaiter();
  const queryId = 'ABCDEF01-2345-4789-abcd-ef0123456789';
  const waiting = w.wait(queryId);
  w.notify({ queryId: queryId.toLowerCase() });
  await waiting;
  w.notify({ queryId: '11111111-2345-4789-abcd-ef0123456789' });
  await w.wait('11111111-2345-4789-abcd-ef0123456789');
  const ctl = new AbortController();
  const never = w.wait('22222222-2345-4789-abcd-ef0123456789', ctl.signal);
  ctl.abort(new Error('stop'));
  await assert.rejects(never, /stop/);
});

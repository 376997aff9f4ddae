// The Redis bus against a real redis-server: presence (claim, guarded refresh, release, TTL), inboxes
// (delivery, "nobody listening"), node liveness and reaping locks, and failure counters shared by nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBus } from '../packages/cloud/src/bus/redis.js';
import { encodeFrame, decodeFrame } from '../packages/cloud/src/bus/frame.js';
import { FailureLimiter } from '../packages/cloud/src/practice/rate-limit.js';
import { startRedis, type RedisServer } from './support/redis.js';
import { waitFor } from './support/system.js';

let redis: RedisServer;
const buses: RedisBus[] = [];
let n = 0;
function bus(nodeId: string): RedisBus {
  const b = new RedisBus({ url: redis.url, nodeId, prefix: `t${n}:` });
  buses.push(b);
  return b;
}

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.allSettled(buses.map((b) => b.close()));
  await redis.stop();
});

test('frames carry a JSON header and binary payload unchanged', () => {
  const payload = Buffer.from([0, 1, 2, 255]);
  const { header, payload: back } = decodeFrame<{ t: string }>(encodeFrame({ t: 'x' }, payload));
  assert.deepEqual(header, { t: 'x' });
  assert.deepEqual(back, payload);
  assert.throws(() => decodeFrame(Buffer.from([0, 0, 0, 9, 1])), /overruns/);
});

test('a frame reaches the named node only; sending to a node nobody runs says so', async () => {
  n++;
  const a = bus('a');
  const b = bus('b');
  const gotA: Buffer[] = [];
  const gotB: Buffer[] = [];
  await a.start((f) => gotA.push(f));
  await b.start((f) => gotB.push(f));
  assert.equal(await a.send('b', Buffer.from('hello')), true);
  await waitFor(() => gotB.length === 1, 2000, 'delivery');
  assert.equal(gotB[0]!.toString(), 'hello');
  assert.equal(gotA.length, 0);
  assert.equal(await a.send('c', Buffer.from('x')), false);
  assert.equal(await a.listening('b'), true);
  assert.equal(await a.listening('c'), false);
  await b.close();
  await waitFor(async () => !(await a.listening('b')), 2000, 'b to stop listening');
});

test('presence: a claim wins and reports the previous holder; a refresh never takes a site back; release is guarded; keys lapse', async () => {
  n++;
  const a = bus('a');
  const b = bus('b');
  await a.start(() => undefined);
  await b.start(() => undefined);
  assert.equal(await a.claim('s1', 10_000), undefined);
  assert.equal(await b.holder('s1'), 'a');
  assert.equal(await b.claim('s1', 10_000), 'a');
  await a.refresh(['s1', 's2'], 10_000);
  assert.equal(await a.holder('s1'), 'b', 'a stale refresh must not take s1 back');
  assert.equal(await a.holder('s2'), 'a', 'a refresh records a lapsed site');
  await a.release('s1');
  assert.equal(await a.holder('s1'), 'b', 'a release by the wrong node is ignored');
  await b.release('s1');
  assert.equal(await a.holder('s1'), undefined);
  await a.claim('s3', 150);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await a.holder('s3'), undefined, 'presence lapses with its TTL');
});

test('liveness: a node whose beat lapses is listed once, and exactly one survivor may reap it', async () => {
  n++;
  const a = bus('a');
  const b = bus('b');
  const c = bus('c');
  await Promise.all([a.start(() => undefined), b.start(() => undefined), c.start(() => undefined)]);
  await a.beat(10_000);
  await b.beat(150);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await c.lapsedNodes(), ['b']);
  const claims = await Promise.all([a.claimReap('b'), c.claimReap('b')]);
  assert.deepEqual(claims.filter(Boolean).length, 1);
  await c.forgetNode('b');
  assert.deepEqual(await c.lapsedNodes(), []);
});

test('pairing failures are shared: guesses spread over nodes hit one limit, and a node that joins later knows them', async () => {
  n++;
  const a = bus('a');
  const b = bus('b');
  await a.start(() => undefined);
  await b.start(() => undefined);
  const limit = { max: 3, windowMs: 60_000 };
  const onA = new FailureLimiter({ ...limit, shared: { failures: a.failures, name: 'pair' } });
  const onB = new FailureLimiter({ ...limit, shared: { failures: b.failures, name: 'pair' } });
  await new Promise((r) => setTimeout(r, 100));
  onA.fail('integ-1');
  onB.fail('integ-1');
  assert.equal(onA.retryAfter('integ-1'), 0);
  onA.fail('integ-1');
  await waitFor(() => onB.retryAfter('integ-1') > 0, 2000, 'b to see a\'s failures');
  assert.ok(onA.retryAfter('integ-1') > 0);
  assert.equal(onA.retryAfter('integ-2'), 0, 'other keys are not limited');
  const c = bus('c');
  await c.start(() => undefined);
  const onC = new FailureLimiter({ ...limit, shared: { failures: c.failures, name: 'pair' } });
  await waitFor(() => onC.retryAfter('integ-1') > 0, 2000, 'a late node to load recorded failures');
});

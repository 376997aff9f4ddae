import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, DEFAULT_BACKOFF, MIN_PUSHBACK_MS, parseRetryAfter } from '../src/backoff.js';

test('reconnect delays start in 1-5 s, grow x1.5 to a 60 s cap, and reset after 30 s up', () => {
  const seq = [0, 1];
  let i = 0;
  const b = new Backoff(DEFAULT_BACKOFF, () => seq[i++ % seq.length]!);
  assert.equal(b.next(), 1000);
  assert.equal(b.next(), 1500);
  assert.equal(b.next(), 2250);
  let last = 0;
  for (let k = 0; k < 20; k++) last = b.next();
  assert.equal(last, 60_000);
  b.connectionLasted(10_000);
  assert.equal(b.next(), 60_000, 'a short connection does not reset');
  b.connectionLasted(30_000);
  assert.equal(b.next(), 5000, 'after 30 s up the sequence restarts (random draw 1 -> 5 s)');
  for (let k = 0; k < 5; k++) last = b.next();
  assert.ok(last > 5000);
  b.connectionLasted(3_000, true);
  const first = b.next();
  assert.ok(first >= 1000 && first <= 5000, `a session the Cloud handed back (1001, stopping) restarts the sequence, however short (${first})`);
  for (let k = 0; k < 5; k++) last = b.next();
  b.connectionLasted(0, true);
  assert.ok(b.next() > last, 'an attempt that never opened a session goes on backing off');
});

test('Retry-After is read as delay-seconds or an HTTP-date; anything else is not a pushback', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Thu, 03 Dec 2026 10:00:07 GMT', now), 7000);
  assert.equal(parseRetryAfter('Thu, 03 Dec 2026 09:59:00 GMT', now), 0, 'a date in the past is now');
  for (const bad of [undefined, '', '1.5', '-3', 'soon', '12 Dec'] ) assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  assert.equal(parseRetryAfter(['3', '9'], now), 3000);
});

test("a busy server's pushback: what it asked plus up to as much again, at least 1 s, at most the cap; the sequence is left alone", () => {
  let r = 0;
  const b = new Backoff(DEFAULT_BACKOFF, () => r);
  assert.equal(b.busy(2000), 2000);
  r = 0.5;
  assert.equal(b.busy(2000), 3000);
  r = 0.999;
  assert.equal(b.busy(2000), 3998);
  r = 0;
  assert.equal(b.busy(0), MIN_PUSHBACK_MS, 'Retry-After: 0 does not make a hot loop');
  r = 1;
  assert.equal(b.busy(3_600_000), 60_000, 'capped');
  r = 0;
  assert.equal(b.next(), 1000, 'pushbacks did not advance the exponential sequence');
  assert.equal(b.busy(undefined), 1500, 'no Retry-After: the ordinary next delay');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, DEFAULT_BACKOFF } from '../src/backoff.js';

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
});

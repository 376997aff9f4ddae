import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeOrderedId } from '../src/queries/ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('query ids are version 7 UUIDs: the time in their first 48 bits, then random bits', () => {
  const ms = Date.UTC(2026, 11, 7, 1, 2, 3, 456);
  const id = timeOrderedId(ms);
  assert.match(id, V7);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), ms);
  assert.equal(parseInt(timeOrderedId(0xffffffffffff).replace(/-/g, '').slice(0, 12), 16), 0xffffffffffff);
  assert.equal(timeOrderedId(0).slice(0, 13), '00000000-0000');
});

test('ids sort by time and do not repeat (many pools of random bytes)', () => {
  const seen = new Set<string>();
  let before = '';
  const start = Date.now();
  for (let i = 0; i < 100_000; i++) {
    const id = timeOrderedId(start + Math.floor(i / 100));
    assert.match(id, V7);
    // Within one millisecond the order is random; across milliseconds it follows the clock.
    if (i % 100 === 0) {
      assert.ok(id > before, `${id} after ${before}`);
      before = id.slice(0, 13);
    }
    seen.add(id);
  }
  assert.equal(seen.size, 100_000);
  // The random part is not constant: every hex digit of the last group turns up.
  const lastDigits = new Set([...seen].slice(0, 2000).map((id) => id[35]));
  assert.equal(lastDigits.size, 16);
});

// The collation extension's LIKE, text mapping and index bounds on hostile or unusual input: an integrator's
// pattern must never hang or crash the Link (the C function cannot be interrupted while it runs), invalid
// UTF-8 is kept as it is, and a pattern without a fixed prefix reaches every row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collationSupported } from '../src/collation-extension.js';
import { run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const skip = collationSupported() ? false : 'the collation extension is not built here (no C compiler)';

test('LIKE with many % on a long value answers at once, and a very long pattern does not overflow the stack', { skip, timeout: 20_000 }, () => {
  // Trying every split of every % took 27 s for this on 200 characters (and longer values never ended).
  const t0 = performance.now();
  const n = run(db, 'SELECT CASE WHEN @v LIKE @p THEN 1 ELSE 0 END AS m', { v: 'a'.repeat(5_000), p: '%a%a%a%a%a%a%b' }).rows[0]!.m;
  assert.equal(n, 0);
  assert.ok(performance.now() - t0 < 5_000, `took ${Math.round(performance.now() - t0)} ms`);
  // One recursion level per % was ~170 bytes of stack: 100,000 of them crashed the process.
  const long = run(db, 'SELECT CASE WHEN @v LIKE @p THEN 1 ELSE 0 END AS m', { v: 'a'.repeat(100_000), p: '%a'.repeat(100_000) }).rows[0]!.m;
  assert.equal(long, 1);
  // Backtracking still finds what it must: the last % takes what the rest leaves.
  const some = run(db, "SELECT CASE WHEN 'xaybzc' LIKE '%a%b%c' THEN 1 ELSE 0 END AS a, CASE WHEN 'abcabd' LIKE '%ab_' THEN 1 ELSE 0 END AS b, CASE WHEN 'aXb' LIKE @q THEN 1 ELSE 0 END AS c, CASE WHEN 'ab' LIKE '%a%b%c' THEN 1 ELSE 0 END AS d", { q: 'a%[xy]%b' }).rows[0];
  assert.deepEqual(some, { a: 1, b: 1, c: 1, d: 0 });
});

test('UPPER and LOWER keep invalid UTF-8 bytes as they are', { skip }, () => {
  // A lead byte cut short (0xC9, Latin-1 É) used to become a tab; a stray continuation byte became two bytes.
  assert.equal(db.raw.prepare("SELECT hex(upper(CAST(x'C94142' AS TEXT)))").pluck().get(), 'C94142');
  assert.equal(db.raw.prepare("SELECT hex(lower(CAST(x'80C3894142' AS TEXT)))").pluck().get(), '80C3A96162');
});

test('a LIKE without a fixed prefix reaches values that sort above every letter', { skip }, () => {
  db.raw.prepare("UPDATE PATIENTS SET SURNAME = char(1114111) || 'zz' WHERE INTERNALID = 5").run();
  try {
    const ids = run(db, "SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE '%zz' AND INTERNALID <= 10").rows.map((r) => Number(r.INTERNALID));
    assert.deepEqual(ids, [5]);
  } finally {
    db.raw.prepare("UPDATE PATIENTS SET SURNAME = 'Fifth' WHERE INTERNALID = 5").run();
  }
});

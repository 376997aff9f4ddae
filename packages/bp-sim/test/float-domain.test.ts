// SQRT, LOG and the other float functions: outside their domain SQL Server stops the statement with
// 3623 where SQLite answers NULL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

test('an invalid floating point operation is error 3623', () => {
  for (const sql of ['SELECT SQRT(-1)', 'SELECT LOG(0)', 'SELECT LOG(-1)', 'SELECT LOG10(0)', 'SELECT LOG(8, 1)', 'SELECT POWER(-8, 0.5)',
    'SELECT ASIN(2)', 'SELECT SQRT(INTERNALID - 5) FROM PATIENTS']) {
    sqlError(() => run(db, sql), 3623, /^An invalid floating point operation occurred\.$/);
  }
  // only a row that reaches the operation fails
  assert.deepEqual(run(db, 'SELECT SQRT(-1) AS x FROM PATIENTS WHERE 1 = 0').rows, []);
});

test('the float functions answer as SQL Server does', () => {
  assert.deepEqual(run(db, `SELECT SQRT(4) AS a, LOG(EXP(1)) AS b, LOG(8, 2) AS c, LOG10(1000) AS d, SQUARE(3) AS e, SQRT(NULL) AS f, LOG(NULL) AS g,
    LOG(8, NULL) AS h, PI() AS i, COS(0) AS j, ATN2(0, 1) AS k`).rows,
  [{ a: 2, b: 1, c: 3, d: 3, e: 9, f: null, g: null, h: null, i: Math.PI, j: 1, k: 0 }]);
});

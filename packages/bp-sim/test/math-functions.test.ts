// T-SQL's mathematical functions: POWER and ROUND keep their first argument's type; a float operation
// outside its domain is error 3623.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string, params: Record<string, unknown> = {}): Record<string, unknown> | undefined => run(db, sql, params).rows[0];

test('POWER returns the type of its first argument', () => {
  assert.deepEqual(one(`SELECT POWER(2, -1) AS a, POWER(2.0, -1) AS b, POWER(2, 3) AS c, POWER(2, 0.5) AS d, POWER(CAST(2 AS FLOAT), -1) AS e,
    POWER(2.5, 2) AS f, POWER(10, 2) / 3 AS g, POWER(2, -100.0) AS h, POWER(2.00, -100.0) AS i, POWER(NULL, 2) AS j`),
  { a: 0, b: 0.5, c: 8, d: 1, e: 0.5, f: 6.3, g: 33, h: 0, i: 0, j: null });
  assert.deepEqual(one('DECLARE @i INT = 3, @f FLOAT = 2.5; SELECT POWER(@i, 2) / 2 AS i, POWER(@f, 3) AS f'), { i: 4, f: 15.625 });
});

test('ROUND keeps the type of its first argument, rounds left of the point and truncates on request', () => {
  assert.deepEqual(one(`SELECT ROUND(2.5, 0) AS a, ROUND(-2.5, 0) AS b, ROUND(123.456, 1) AS c, ROUND(125, -1) AS d, ROUND(-125, -1) AS e,
    ROUND(1234, -2) AS f, ROUND(7, 0) / 2 AS g, ROUND(1.005, 2) AS h, ROUND(748.58, -1) AS i, ROUND(748.58, -4) AS j,
    ROUND(123.9995, 3) AS k, ROUND(NULL, 1) AS l`),
  { a: 3, b: -3, c: 123.5, d: 130, e: -130, f: 1200, g: 3, h: 1.01, i: 750, j: 0, k: 124, l: null });
  assert.deepEqual(one('SELECT ROUND(2.56, 1, 1) AS a, ROUND(-2.56, 1, 1) AS b, ROUND(129, -1, 1) AS c, ROUND(2.56, 1, 0) AS d, ROUND(150.75, 0, 1) AS e'),
    { a: 2.5, b: -2.5, c: 120, d: 2.6, e: 150 });
  assert.deepEqual(one('SELECT TOP 1 ROUND(APPOINTMENTLENGTH, -3) / 7 AS r FROM APPOINTMENTS WHERE APPOINTMENTLENGTH = 900'), { r: 142 });
});

// Division as SQL Server does it: a zero divisor is error 8134, and integers divide as integers
// whether they come from columns, literals, variables, parameters or functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string, params: Record<string, unknown> = {}): Record<string, unknown> | undefined => run(db, sql, params).rows[0];

test('dividing by zero is error 8134, for / and %, integers and decimals', () => {
  for (const sql of ['SELECT 1/0 AS X', 'SELECT 5 % 0 AS X', 'SELECT 1.0/0 AS X', 'SELECT 1 / 0.0 AS X', 'SELECT INTERNALID / 0 AS x FROM PATIENTS',
    'SELECT INTERNALID FROM PATIENTS WHERE 10 / (INTERNALID - INTERNALID) = 1', 'SELECT 10 / -0 AS X', 'SELECT 4 * 3 / 0 + 1 AS X']) {
    sqlError(() => run(db, sql), 8134, /^Divide by zero error encountered\.$/);
  }
  sqlError(() => run(db, 'SELECT @a / @b AS x', { a: 1, b: 0 }), 8134);
  sqlError(() => run(db, 'DECLARE @n INT = 0; SELECT 10 % @n AS x'), 8134);
  sqlError(() => run(db, 'DECLARE @n INT; SET @n = 3 / 0'), 8134);
  sqlError(() => run(db, "UPDATE REMINDERREASONS SET INTERVALMONTHS = 12 / 0 WHERE REMINDERREASONID = 1"), 8134);
  // only a row that divides by zero fails; a NULL operand gives NULL
  assert.deepEqual(run(db, 'SELECT 1/0 AS x FROM PATIENTS WHERE 1 = 0').rows, []);
  assert.deepEqual(one('SELECT 10 / NULL AS a, NULL / 0 AS b, 10 % NULL AS c, 7 / NULLIF(0, 0) AS d'), { a: null, b: null, c: null, d: null });
  assert.deepEqual(one('SELECT CASE WHEN 1 = 0 THEN 1/0 ELSE 2 END AS x'), { x: 2 });
});

test('integer division truncates toward zero; anything decimal divides exactly', () => {
  assert.deepEqual(one('SELECT 7/2 AS a, -7/2 AS b, 7 % 3 AS c, -7 % 3 AS d, 7.0/2 AS e, 7/2.0 AS f, 7 / -2 AS g'),
    { a: 3, b: -3, c: 1, d: -1, e: 3.5, f: 3.5, g: -3 });
  assert.deepEqual(one('SELECT INTERNALID / 2 AS h, (INTERNALID + 2) / 2 AS s, (INTERNALID - 8) / 2 AS d FROM PATIENTS WHERE INTERNALID = 7'), { h: 3, s: 4, d: 0 });
});

test('integer variables and parameters divide as integers', () => {
  assert.deepEqual(one('SELECT @a / @b AS x, @a % @b AS m', { a: 7, b: 2 }), { x: 3, m: 1 });
  assert.deepEqual(one('DECLARE @a INT = 7, @b BIGINT = 2, @f FLOAT = 7, @d DECIMAL(5, 1) = 7; SELECT @a / @b AS i, @f / @b AS f, @d / 2 AS d'),
    { i: 3, f: 3.5, d: 3.5 });
  const typed = db.execute({ text: 'SELECT @a / @b AS i, @c / @b AS f', type: 'text', params: [
    { name: 'a', direction: 'input', value: 7, sqlType: 'Int' },
    { name: 'b', direction: 'input', value: 2, sqlType: 'SmallInt' },
    { name: 'c', direction: 'input', value: 7, sqlType: 'Float' },
  ] });
  assert.deepEqual([...typed.rows], [{ i: 3, f: 3.5 }]);
  // the values read back are still plain numbers
  assert.deepEqual(one('DECLARE @a INT = 7; SELECT @a AS a, @a + 1 AS b'), { a: 7, b: 8 });
});

test('integer-valued functions divide as integers', () => {
  assert.deepEqual(one(`SELECT DATEDIFF(day, '2026-01-01', '2026-01-10') / 7 AS w, LEN('abcde') / 2 AS l, CHARINDEX('c', 'abcde') / 2 AS c,
    YEAR('2026-01-05') / 100 AS y, DATEPART(month, '2026-07-01') / 2 AS m, CAST('7' AS INT) / 2 AS i, CAST(7 AS FLOAT) / 2 AS f,
    FLOOR(7) / 2 AS fl, FLOOR(7.5) / 2 AS ff, ASCII('A') / 2 AS a, ('5' + 2) / 2 AS sa, (2.5 + 0.5) / 2 AS da`),
  { w: 1, l: 2, c: 1, y: 20, m: 3, i: 3, f: 3.5, fl: 3, ff: 3.5, a: 32, sa: 3, da: 1.5 });
});

test('AVG of integers is an integer, as in T-SQL', () => {
  const lengths = run(db, 'SELECT APPOINTMENTLENGTH AS l FROM APPOINTMENTS').rows.map((r) => Number(r.l));
  const exact = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  assert.equal(one('SELECT AVG(APPOINTMENTLENGTH) AS a FROM APPOINTMENTS')?.a, Math.trunc(exact));
  const avgs = one('SELECT AVG(x) AS i, AVG(CAST(x AS FLOAT)) AS f, AVG(DISTINCT x) AS d FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 2) t');
  assert.deepEqual(avgs, { i: 1, f: 5 / 3, d: 1 });
  assert.deepEqual(one('SELECT AVG(x) AS n FROM (SELECT 1 AS x) t WHERE x = 0'), { n: null });
  // over a window AVG stays SQLite's (see src/tsql/translate.ts)
  assert.deepEqual(run(db, 'SELECT AVG(x) OVER () AS a FROM (SELECT 1 AS x UNION ALL SELECT 2) t').rows, [{ a: 1.5 }, { a: 1.5 }]);
});

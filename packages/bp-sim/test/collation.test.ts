// Bp's collation, SQL_Latin1_General_CP1_CI_AS, is case-insensitive and accent-sensitive: the string
// functions that search text honour it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string): Record<string, unknown> | undefined => run(db, sql).rows[0];

test('REPLACE finds its pattern without regard to case', () => {
  assert.deepEqual(one(`SELECT REPLACE('ABC', 'b', 'x') AS a, REPLACE('aAaA', 'a', '') AS b, REPLACE('Étéé', 'é', 'e') AS c,
    REPLACE('cafe', 'é', 'x') AS d, REPLACE('abc', '', 'x') AS e, REPLACE(NULL, 'a', 'b') AS f, REPLACE('a', 'A', NULL) AS g,
    REPLACE('aaa', 'aa', 'b') AS h, REPLACE(12323, 23, 9) AS i`),
  { a: 'AxC', b: '', c: 'etee', d: 'cafe', e: 'abc', f: null, g: null, h: 'ba', i: '199' });
  const surname = run(db, 'SELECT TOP 1 SURNAME FROM PATIENTS ORDER BY INTERNALID').rows[0]?.SURNAME as string;
  assert.equal(one(`SELECT REPLACE(SURNAME, '${surname.toLowerCase()}', 'x') AS r FROM PATIENTS WHERE INTERNALID = 1`)?.r, 'x');
});

test('CHARINDEX and LIKE ignore case too', () => {
  assert.deepEqual(one(`SELECT CHARINDEX('B', 'abcb') AS a, CHARINDEX('B', 'abcb', 3) AS b, CHARINDEX('é', 'CAFÉ') AS c, CHARINDEX('e', 'café') AS d,
    CASE WHEN 'ABC' LIKE '%b%' THEN 1 ELSE 0 END AS e`), { a: 2, b: 4, c: 4, d: 0, e: 1 });
});

test('comparisons ignore case also where SQLite would not: computed view columns, functions of columns, literals, variables', () => {
  const count = (where: string, params: Record<string, unknown> = {}): unknown => run(db, `SELECT COUNT(*) AS n FROM BPS_Patients WHERE ${where}`, params).rows[0]?.n;
  const males = count("Sex = 'Male'");
  assert.ok(Number(males) > 0);
  for (const where of ["Sex = 'male'", "'MALE' = Sex", "Sex IN ('male', 'x')", "Sex BETWEEN 'male' AND 'male'", 'Sex = @s']) {
    assert.equal(count(where, { s: 'MALE' }), males, where);
  }
  assert.equal(count("Sex NOT IN ('male')"), count("Sex <> 'Male'"));
  const surname = run(db, 'SELECT Surname FROM BPS_Patients WHERE InternalID = 1').rows[0]?.Surname as string;
  assert.equal(count(`LTRIM(RTRIM(Surname)) = '${surname.toUpperCase()}' AND InternalID = 1`), 1);
  assert.deepEqual(one("SELECT CASE WHEN 'abc' = 'ABC' THEN 1 ELSE 0 END AS a, CASE WHEN 'b' BETWEEN 'A' AND 'C' THEN 1 ELSE 0 END AS b, CASE WHEN 'a' < 'B' THEN 1 ELSE 0 END AS c"),
    { a: 1, b: 1, c: 1 });
  // an UPDATE's SET assigns (APPOINTMENTS.BOOKEDBY shares its name with a computed column of BPS_Appointments)
  assert.equal(run(db, 'BEGIN TRAN; UPDATE APPOINTMENTS SET BOOKEDBY = BOOKEDBY, URGENT = URGENT WHERE RECORDID = 1; ROLLBACK').rowsAffected, 1);
  // parenthesised operands and subqueries too
  assert.deepEqual(one("SELECT CASE WHEN ('abc') = 'ABC' THEN 1 ELSE 0 END AS a, CASE WHEN (SELECT MAX(Sex) FROM BPS_Patients WHERE Sex = 'Male') = 'MALE' THEN 1 ELSE 0 END AS b"),
    { a: 1, b: 1 });
});

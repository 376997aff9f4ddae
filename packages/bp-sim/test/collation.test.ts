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

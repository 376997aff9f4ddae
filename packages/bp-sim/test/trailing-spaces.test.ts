// SQL Server pads the shorter string with spaces before comparing (=, <>, <, >, IN, BETWEEN, GROUP BY,
// DISTINCT): 'abc' = 'abc   ' is true. LIKE does not pad its pattern; LEN ignores trailing spaces and
// DATALENGTH counts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string, params: Record<string, unknown> = {}): Record<string, unknown> | undefined => run(db, sql, params).rows[0];
const ids = (sql: string, params: Record<string, unknown> = {}): number[] => run(db, sql, params).rows.map((r) => Number(Object.values(r)[0]));

run(db, "UPDATE PATIENTS SET SURNAME = 'Padded  ', FIRSTNAME = 'Ann' WHERE INTERNALID = 1");
run(db, "UPDATE PATIENTS SET SURNAME = 'padded' WHERE INTERNALID = 2");

test('literals and expressions compare as if the shorter were padded with spaces', () => {
  assert.deepEqual(one(`SELECT CASE WHEN 'abc' = 'abc   ' THEN 1 ELSE 0 END AS a, CASE WHEN 'abc' <> 'abc ' THEN 1 ELSE 0 END AS b,
    CASE WHEN 'abc ' > 'abc' THEN 1 ELSE 0 END AS c, CASE WHEN 'abc' < 'abc ' THEN 1 ELSE 0 END AS d,
    CASE WHEN 'ABC  ' = 'abc' THEN 1 ELSE 0 END AS e, CASE WHEN '' = '   ' THEN 1 ELSE 0 END AS f,
    CASE WHEN 'abc ' IN ('x', 'ABC') THEN 1 ELSE 0 END AS g, CASE WHEN 'ab' < 'ab!' THEN 1 ELSE 0 END AS h,
    CASE WHEN ' abc' = 'abc' THEN 1 ELSE 0 END AS i`),
  { a: 1, b: 0, c: 0, d: 0, e: 1, f: 1, g: 1, h: 1, i: 0 });
  assert.equal(one('SELECT CASE WHEN @a = @b THEN 1 ELSE 0 END AS x', { a: 'x ', b: 'X' })?.x, 1);
});

test('table and view columns match values that differ only in trailing spaces', () => {
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME = 'Padded' ORDER BY INTERNALID"), [1, 2]);
  assert.deepEqual(ids("SELECT InternalID FROM BPS_Patients WHERE Surname = 'PADDED     ' ORDER BY InternalID"), [1, 2]);
  assert.deepEqual(ids('SELECT InternalID FROM BPS_Patients WHERE Surname = @s ORDER BY InternalID', { s: 'padded ' }), [1, 2]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME IN ('padded   ') AND FIRSTNAME = 'ann ' "), [1]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME <> 'padded' AND INTERNALID <= 2"), []);
  assert.deepEqual(ids("SELECT p.INTERNALID FROM PATIENTS p JOIN PATIENTS q ON q.SURNAME = p.SURNAME WHERE q.INTERNALID = 2 ORDER BY p.INTERNALID"), [1, 2]);
});

test('GROUP BY and DISTINCT treat values that differ only in trailing spaces as one', () => {
  assert.deepEqual(run(db, "SELECT SURNAME, COUNT(*) AS n FROM PATIENTS WHERE INTERNALID <= 2 GROUP BY SURNAME").rows.map((r) => r.n), [2]);
  assert.equal(run(db, 'SELECT DISTINCT SURNAME FROM PATIENTS WHERE INTERNALID <= 2').rows.length, 1);
});

test('GROUP BY and DISTINCT of expressions and derived columns ignore case and trailing spaces too', () => {
  const letters = "(SELECT 'a' AS x UNION ALL SELECT 'A  ' UNION ALL SELECT 'b') t";
  assert.deepEqual(run(db, `SELECT COUNT(*) AS n FROM ${letters} GROUP BY x ORDER BY n`).rows.map((r) => r.n), [1, 2]);
  assert.equal(run(db, `SELECT DISTINCT x FROM ${letters}`).rows.length, 2);
  assert.equal(run(db, 'SELECT DISTINCT LTRIM(SURNAME) AS s FROM PATIENTS WHERE INTERNALID <= 2').rows.length, 1);
  assert.deepEqual(run(db, 'SELECT UPPER(SURNAME) + \'\' AS s, COUNT(*) AS n FROM PATIENTS WHERE INTERNALID <= 2 GROUP BY UPPER(SURNAME) + \'\'').rows.map((r) => r.n), [2]);
});

test('LEN ignores trailing spaces, DATALENGTH counts them', () => {
  assert.deepEqual(one('SELECT LEN(SURNAME) AS l, DATALENGTH(SURNAME) AS d FROM PATIENTS WHERE INTERNALID = 1'), { l: 6, d: 8 });
  assert.deepEqual(one("SELECT LEN('a  ') AS l, DATALENGTH('a  ') AS d, DATALENGTH(NULL) AS n, DATALENGTH('') AS e"), { l: 1, d: 3, n: null, e: 0 });
});

test('LIKE does not pad: spaces in the pattern must be there', () => {
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE 'padded %' ORDER BY INTERNALID"), [1]);
  assert.deepEqual(ids('SELECT InternalID FROM BPS_Patients WHERE Surname LIKE @p ORDER BY InternalID', { p: 'PADDED %' }), [1]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE 'padded  %' ESCAPE '!' ORDER BY INTERNALID"), [1]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE 'pad%' AND INTERNALID <= 2 ORDER BY INTERNALID"), [1, 2]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE NOT SURNAME LIKE 'padded %' AND INTERNALID <= 2"), [2]);
  assert.equal(one("SELECT CASE WHEN 'abc' LIKE 'abc ' THEN 1 ELSE 0 END AS x")?.x, 0);
});

test("LIKE with a varchar pattern literal need not match the value's trailing spaces; with an nvarchar parameter it must", () => {
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE 'padded' ORDER BY INTERNALID"), [1, 2]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE 'padded ' ORDER BY INTERNALID"), [1]);
  assert.deepEqual(ids('SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE @p ORDER BY INTERNALID', { p: 'padded' }), [2]);
  assert.deepEqual(one(`SELECT CASE WHEN 'a_c' LIKE 'a!_c' ESCAPE '!' THEN 1 ELSE 0 END AS a, CASE WHEN 'abc' LIKE 'a!_c' ESCAPE '!' THEN 1 ELSE 0 END AS b,
    CASE WHEN 'B' LIKE @p THEN 1 ELSE 0 END AS c, CASE WHEN 'd' LIKE @p THEN 1 ELSE 0 END AS d, CASE WHEN 'd' LIKE @q THEN 1 ELSE 0 END AS e,
    CASE WHEN 'x%y' LIKE '%!%%' ESCAPE '!' THEN 1 ELSE 0 END AS f, CASE WHEN NULL LIKE '%' THEN 1 ELSE 0 END AS g`, { p: '[a-c]', q: '[^a-c]' }),
  { a: 1, b: 0, c: 1, d: 0, e: 1, f: 1, g: 0 });
});

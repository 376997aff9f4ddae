// NULL in aggregates and arithmetic, and the type of ISNULL / COALESCE, as SQL Server answers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string): Record<string, unknown> | undefined => run(db, sql).rows[0];

test('aggregates over no rows: COUNT is 0, the others NULL; NULL in arithmetic is NULL', () => {
  assert.deepEqual(one('SELECT SUM(INTERNALID) AS s, COUNT(*) AS c, COUNT(INTERNALID) AS ci, AVG(INTERNALID) AS a, MAX(SURNAME) AS m FROM PATIENTS WHERE 1 = 0'),
    { s: null, c: 0, ci: 0, a: null, m: null });
  assert.deepEqual(one("SELECT NULL + 1 AS a, 1 - NULL AS b, NULL * 2 AS c, 'a' + NULL AS d, CONCAT('a', NULL) AS e, ISNULL(NULL, 1) / 2 AS f"),
    { a: null, b: null, c: null, d: null, e: 'a', f: 0 });
});

test('ISNULL and COALESCE convert a replacement to the type of an int or date column', () => {
  const where = 'FROM PATIENTS WHERE DATEOFDEATH IS NULL AND HEADOFFAMILYID IS NULL AND IHIVALIDATED IS NULL';
  assert.deepEqual(one(`SELECT TOP 1 ISNULL(HEADOFFAMILYID, '') AS a, COALESCE(HEADOFFAMILYID, '') AS b, COALESCE('', HEADOFFAMILYID) AS c,
    ISNULL(DATEOFDEATH, '') AS d, COALESCE(DATEOFDEATH, '') AS e, ISNULL(IHIVALIDATED, '') AS f, ISNULL(HEADOFFAMILYID, '7') + 1 AS g,
    ISNULL('', HEADOFFAMILYID) AS h, ISNULL(SURNAME, '') AS i ${where}`),
  { a: 0, b: 0, c: 0, d: '1900-01-01', e: '1900-01-01', f: '1900-01-01', g: 8, h: '', i: run(db, `SELECT TOP 1 SURNAME ${where}`).rows[0]?.SURNAME });
});

test('COALESCE takes the type of highest precedence: with an int argument a string is converted to int (245 when it cannot be)', () => {
  sqlError(() => run(db, "SELECT COALESCE('abc', 1) AS x"), 245, /^Conversion failed when converting the varchar value 'abc' to data type int\.$/);
  const surname = String(run(db, 'SELECT SURNAME FROM PATIENTS WHERE INTERNALID = 1').rows[0]?.SURNAME);
  sqlError(() => run(db, 'SELECT COALESCE(SURNAME, 0) AS x FROM PATIENTS WHERE INTERNALID = 1'), 245, new RegExp(`'${surname}' to data type int`));
  assert.deepEqual(one("SELECT COALESCE('5', 1) AS a, COALESCE(NULL, '7', 2) AS b, COALESCE(1, 'abc') AS c, ISNULL('abc', 1) AS d, COALESCE('x', 'y') AS e"),
    { a: 5, b: 7, c: 1, d: 'abc', e: 'x' });
  assert.equal(run(db, 'SELECT COALESCE(@p, 0) + 1 AS x', { p: '12' }).rows[0]?.x, 13);
});

test("ISNULL converts its replacement to the first argument's type, cutting a string to its declared length", () => {
  run(db, 'UPDATE PATIENTS SET POSTCODE = NULL, MEDICARELINENO = NULL WHERE INTERNALID = 1');
  const postcode = run(db, 'SELECT POSTCODE FROM PATIENTS WHERE INTERNALID = 2').rows[0]?.POSTCODE;
  assert.deepEqual(one(`SELECT ISNULL(CAST(NULL AS varchar(3)), 'abcdef') AS a, ISNULL(CONVERT(varchar(2), NULL), 'xyz') AS b,
    ISNULL(CAST(NULL AS varchar(3)), 12345) AS c, COALESCE(CAST(NULL AS varchar(3)), 'abcdef') AS d, ISNULL(CAST(NULL AS varchar(8)), 'abc') AS e`),
  { a: 'abc', b: 'xy', c: '123', d: 'abcdef', e: 'abc' });
  assert.deepEqual(one("SELECT ISNULL(POSTCODE, '123456') AS p, ISNULL(MEDICARELINENO, 'abc') AS m FROM PATIENTS WHERE INTERNALID = 1"), { p: '1234', m: 'a' });
  assert.deepEqual(run(db, 'SELECT ISNULL(Postcode, @r) AS p FROM BPS_Patients WHERE InternalID = 1', { r: 'ABCDEFG' }).rows[0], { p: 'ABCD' });
  assert.deepEqual(one("SELECT ISNULL(POSTCODE, '123456') AS p FROM PATIENTS WHERE INTERNALID = 2"), { p: postcode });
});

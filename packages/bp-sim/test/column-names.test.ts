// Result column names as SQL Server sends them: a derived column without an alias has an empty name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_VALUE } from '../src/index.js';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

test('a derived column without an alias has an empty name', () => {
  for (const sql of ['SELECT 1', 'SELECT COUNT(*) FROM PATIENTS', 'SELECT GETDATE()', "SELECT 'a' + 'b'", 'SELECT UPPER(SURNAME) FROM PATIENTS',
    'SELECT INTERNALID + 1 FROM PATIENTS', 'SELECT CASE WHEN 1 = 1 THEN 2 END', 'SELECT @x', 'SELECT NULL', 'SELECT 1 UNION SELECT 2',
    'SELECT ROW_NUMBER() OVER (ORDER BY INTERNALID) FROM PATIENTS', 'SELECT (SELECT MAX(INTERNALID) FROM PATIENTS)']) {
    assert.deepEqual(run(db, sql, { x: 1 }).columns, [''], sql);
  }
  assert.deepEqual(run(db, 'SELECT COUNT(*) FROM PATIENTS').rows, [{ '': 200 }]);
});

test('several unnamed columns are all named empty; the row object keeps the last value, as a driver keyed by name does', () => {
  const r = run(db, "SELECT 1, 2 AS b, 'x', MAX(INTERNALID) FROM PATIENTS");
  assert.deepEqual(r.columns, ['', 'b', '', '']);
  assert.deepEqual(r.rows, [{ '': 200, b: 2 }]);
  // the first column's value, which a scalar call returns, is kept under FIRST_VALUE (streamed or not)
  assert.equal((r.rows[0] as Record<symbol, unknown>)[FIRST_VALUE], 1);
  const early = run(db, "SELECT 1, 2 FROM PATIENTS WHERE INTERNALID < 3; SELECT 'later'");
  assert.deepEqual(early.rows.map((row) => [row[''], (row as Record<symbol, unknown>)[FIRST_VALUE]]), [[2, 1], [2, 1]]);
  // a result without repeated names has no such key
  assert.equal(FIRST_VALUE in (run(db, 'SELECT 1, 2 AS b').rows[0] ?? {}), false);
});

test('columns, aliases and stars keep their names', () => {
  assert.deepEqual(run(db, "SELECT SURNAME, p.FIRSTNAME, (INTERNALID), 1 AS a, 2 b, 3 'c', d = 4, COUNT(*) OVER () AS e FROM PATIENTS p WHERE INTERNALID = 1").columns,
    ['SURNAME', 'FIRSTNAME', 'INTERNALID', 'a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(run(db, 'SELECT * FROM (SELECT 1 AS n) t').columns, ['n']);
  assert.equal(run(db, 'SELECT TOP 1 p.* FROM PATIENTS p').columns?.[0], 'INTERNALID');
});

test('an incomplete select item fails at the caller\'s own next token', () => {
  sqlError(() => run(db, 'SELECT 1 + FROM PATIENTS'), 156, /^Incorrect syntax near the keyword 'FROM'\.$/);
  sqlError(() => run(db, 'SELECT 1 +'), 102);
});

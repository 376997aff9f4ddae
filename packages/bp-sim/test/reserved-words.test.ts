// SQL Server's reserved keywords cannot be unquoted names (156); words T-SQL does not reserve can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

test('a reserved keyword used as a name is error 156, naming the word as typed', () => {
  for (const [sql, word] of [
    ['SELECT from FROM BPS_Patients', 'from'],
    ['SELECT * FROM BPS_Patients WHERE order = 1', 'order'],
    ['SELECT InternalID AS key FROM BPS_Patients', 'key'],
    ['SELECT InternalID table FROM BPS_Patients', 'table'],
    ['SELECT 1 AS end', 'end'],
    ['SELECT 1 AS Group', 'Group'],
    ['SELECT InternalID FROM BPS_Patients WHERE InternalID = 1 AND Primary = 2', 'Primary'],
    ['SELECT InternalID FROM BPS_Patients ORDER BY InternalID desc desc', 'desc'],
    ['SELECT 1 AS x FROM BPS_Patients AS user', 'user'],
  ] as const) {
    sqlError(() => run(db, sql), 156, new RegExp(`^Incorrect syntax near the keyword '${word}'\\.$`));
  }
});

test('delimited reserved words and unreserved words are names', () => {
  assert.deepEqual(run(db, 'SELECT InternalID AS [order], 2 AS "key" FROM BPS_Patients WHERE InternalID = 1').rows, [{ order: 1, key: 2 }]);
  assert.deepEqual(run(db, 'SELECT 1 AS rows, 2 AS first, 3 AS next, 4 AS only, 5 AS partition, 6 AS range, 7 AS ties, 8 AS preceding, 9 AS date').rows,
    [{ rows: 1, first: 2, next: 3, only: 4, partition: 5, range: 6, ties: 7, preceding: 8, date: 9 }]);
  assert.deepEqual(run(db, 'SELECT rows FROM (SELECT 1 AS [rows]) t WHERE rows = 1').rows, [{ rows: 1 }]);
  // ... and the same words keep their meaning as keywords
  assert.deepEqual(run(db, `SELECT SUM(x) OVER (PARTITION BY x ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s
    FROM (SELECT 1 AS x) t`).rows, [{ s: 1 }]);
  assert.deepEqual(run(db, 'SELECT InternalID FROM BPS_Patients ORDER BY InternalID OFFSET 1 ROWS FETCH FIRST 1 ROWS ONLY').rows, [{ InternalID: 2 }]);
});

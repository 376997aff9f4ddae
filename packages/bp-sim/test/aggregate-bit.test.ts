// SUM and AVG take numeric expressions "except for the bit data type", and MAX / MIN refuse bit too:
// SQL Server answers 8117 when it compiles the statement, whatever the rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

test('SUM, AVG, MAX and MIN of a bit value are error 8117', () => {
  sqlError(() => run(db, 'SELECT SUM(CAST(URGENT AS bit)) FROM APPOINTMENTS'), 8117, /^Operand data type bit is invalid for sum operator\.$/);
  sqlError(() => run(db, 'SELECT AVG(CONVERT(bit, URGENT)) FROM APPOINTMENTS WHERE 1 = 0'), 8117, /for avg operator/);
  sqlError(() => run(db, 'SELECT MAX(CAST(1 AS BIT)) AS m'), 8117, /for max operator/);
  sqlError(() => run(db, 'SELECT USERID, MIN(DISTINCT CAST(URGENT AS bit)) FROM APPOINTMENTS GROUP BY USERID'), 8117, /for min operator/);
});

test('COUNT of a bit value, and SUM of one converted to int, are fine', () => {
  assert.deepEqual(run(db, 'SELECT SUM(CAST(CAST(1 AS bit) AS int)) AS s, COUNT(CAST(RECORDID AS bit)) AS c FROM APPOINTMENTS WHERE RECORDID <= 3').rows[0], { s: 3, c: 3 });
});

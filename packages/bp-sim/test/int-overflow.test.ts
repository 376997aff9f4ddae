// int arithmetic stays int on SQL Server: a result outside -2^31 .. 2^31-1 is error 8115, where SQLite
// would widen to 64 bits. bigint, decimal and float operands are not int, and do not overflow there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();
const OVERFLOW = /^Arithmetic overflow error converting expression to data type int\.$/;

test('+, - and * of int literals and int columns overflow with 8115', () => {
  sqlError(() => run(db, 'SELECT 2147483647 + 1 AS x'), 8115, OVERFLOW);
  sqlError(() => run(db, 'SELECT 0 - 2147483647 - 2 AS x'), 8115, OVERFLOW);
  sqlError(() => run(db, 'SELECT 65536 * 65536 AS x'), 8115, OVERFLOW);
  sqlError(() => run(db, 'SELECT INTERNALID * 2147483647 AS x FROM PATIENTS WHERE INTERNALID = 2'), 8115, OVERFLOW);
  sqlError(() => run(db, 'SELECT APPOINTMENTTIME + 2147483000 AS x FROM APPOINTMENTS WHERE RECORDID = 1'), 8115, OVERFLOW);
  sqlError(() => run(db, 'SELECT (INTERNALID + 1) * 2000000000 AS x FROM PATIENTS WHERE INTERNALID = 1'), 8115, OVERFLOW);
});

test('SUM of an int expression is int: a total beyond int is 8115', () => {
  sqlError(() => run(db, 'SELECT SUM(INTERNALID + 2000000000) AS s FROM PATIENTS WHERE INTERNALID <= 2'), 8115, OVERFLOW);
  assert.equal(run(db, 'SELECT SUM(CAST(INTERNALID AS bigint) * 100000000) AS s FROM PATIENTS WHERE INTERNALID <= 2').rows[0]?.s, 300000000);
});

test('bigint, decimal and larger literals do not overflow as int; results in range are unchanged', () => {
  assert.deepEqual(run(db, `SELECT CAST(2147483647 AS bigint) + 1 AS a, 2147483647 + 1.0 AS b, 2147483648 + 1 AS c, 2147483647 - 1 AS d,
    46340 * 46340 AS e, 0 - 2147483647 - 1 AS f, 7 / 2 * 3 AS g`).rows[0],
  { a: 2147483648, b: 2147483648, c: 2147483649, d: 2147483646, e: 2147395600, f: -2147483648, g: 9 });
});

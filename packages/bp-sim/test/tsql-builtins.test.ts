// T-SQL that SQL Server runs and the simulator used to refuse or answer differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string): Record<string, unknown> | undefined => run(db, sql).rows[0];

test('CHAR, NCHAR, ASCII, UNICODE and REVERSE as in T-SQL', () => {
  assert.deepEqual(one(`SELECT CHAR(65) AS a, CHAR(128) AS euro, CHAR(256) AS outside, CHAR(-1) AS negative, CHAR(NULL) AS n,
    NCHAR(8364) AS ne, NCHAR(65536) AS nout, ASCII('Abc') AS asc1, ASCII('€') AS asc2, ASCII('') AS asc3, ASCII(N'ā') AS asc4,
    UNICODE(N'€uro') AS u1, UNICODE('') AS u2, REVERSE('abc') AS r1, REVERSE(123) AS r2, REVERSE(NULL) AS r3`), {
    a: 'A', euro: '€', outside: null, negative: null, n: null, ne: '€', nout: null, asc1: 65, asc2: 128, asc3: null, asc4: 63,
    u1: 8364, u2: null, r1: 'cba', r2: '321', r3: null,
  });
  assert.equal(one("SELECT SURNAME + CHAR(13) + CHAR(10) AS s FROM PATIENTS WHERE INTERNALID = 1")?.s,
    `${String(one('SELECT SURNAME FROM PATIENTS WHERE INTERNALID = 1')?.SURNAME)}\r\n`);
});

test('TRIM with characters FROM, and LTRIM/RTRIM with characters (SQL Server 2022)', () => {
  assert.deepEqual(one(`SELECT TRIM('  a  ') AS t, TRIM('x' FROM 'xxaxx') AS f, TRIM(LEADING 'x' FROM 'xxaxx') AS l,
    TRIM(TRAILING 'x' FROM 'xxaxx') AS r, LTRIM('xxa', 'x') AS lt`), { t: 'a', f: 'a', l: 'axx', r: 'xxa', lt: 'a' });
});

test('INSERT without INTO and DELETE without FROM', () => {
  assert.equal(run(db, "INSERT REMINDERREASONS (REMINDERREASONID, RECORDSTATUS, REASONTEXT) VALUES (960, 1, 'no into')").rowsAffected, 1);
  assert.equal(one('SELECT REASONTEXT FROM REMINDERREASONS WHERE REMINDERREASONID = 960')?.REASONTEXT, 'no into');
  assert.equal(run(db, 'DELETE dbo.REMINDERREASONS WHERE REMINDERREASONID = 960').rowsAffected, 1);
  assert.equal(one('SELECT COUNT(*) AS n FROM REMINDERREASONS WHERE REMINDERREASONID = 960')?.n, 0);
  // the column lists of INSERT INTO and of CTEs are still column lists
  assert.equal(run(db, "INSERT INTO REMINDERREASONS (REMINDERREASONID, RECORDSTATUS, REASONTEXT) VALUES (961, 1, 'x')").rowsAffected, 1);
  assert.deepEqual(run(db, 'WITH a AS (SELECT 1 AS x), b (y) AS (SELECT 2) SELECT x, y FROM a, b').rows, [{ x: 1, y: 2 }]);
});

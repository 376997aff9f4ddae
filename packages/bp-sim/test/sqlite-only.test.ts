// SQL that SQLite accepts and SQL Server refuses must be refused here too, with SQL Server's number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

test('LIMIT is not T-SQL: SQL Server reads it as an alias or fails at it (102)', () => {
  sqlError(() => run(db, 'SELECT InternalID FROM BPS_Patients LIMIT 2'), 102, /^Incorrect syntax near '2'\.$/);
  sqlError(() => run(db, 'SELECT InternalID FROM BPS_Patients WHERE InternalID > 1 LIMIT 2'), 102, /near 'LIMIT'/);
  sqlError(() => run(db, 'SELECT InternalID FROM BPS_Patients ORDER BY InternalID LIMIT 2 OFFSET 1'), 102, /near 'LIMIT'/);
  sqlError(() => run(db, 'SELECT InternalID FROM BPS_Patients p LIMIT 2'), 102, /near 'LIMIT'/);
  // as an identifier it is fine, as on SQL Server, and so are other words SQLite reserves and T-SQL does not
  assert.deepEqual(run(db, 'SELECT 1 AS Limit, 2 AS [limit2], 3 AS Temp, 4 Action, 5 AS Glob').rows, [{ Limit: 1, limit2: 2, Temp: 3, Action: 4, Glob: 5 }]);
});

test('OFFSET needs ORDER BY before it and ROWS after it', () => {
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS OFFSET 2 ROWS'), 102, /near '2'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS WHERE INTERNALID > 0 OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY'), 102, /near 'OFFSET'/);
  assert.deepEqual(run(db, 'SELECT INTERNALID FROM PATIENTS ORDER BY INTERNALID OFFSET 2 ROWS FETCH NEXT 1 ROW ONLY').rows, [{ INTERNALID: 3 }]);
});

test("SQLite's catalog and table-valued functions are not objects of SQL Server (208)", () => {
  for (const [sql, name] of [
    ['SELECT name FROM sqlite_master', 'sqlite_master'],
    ['SELECT name FROM sqlite_schema', 'sqlite_schema'],
    ['SELECT * FROM dbo.sqlite_sequence', 'dbo.sqlite_sequence'],
    ['SELECT * FROM pragma_table_list', 'pragma_table_list'],
    ["SELECT * FROM pragma_table_info('PATIENTS')", 'pragma_table_info'],
    ["SELECT p.SURNAME FROM PATIENTS p, pragma_table_info('PATIENTS') t", 'pragma_table_info'],
    ["SELECT * FROM PATIENTS p JOIN json_each('[1]') j ON 1 = 1", 'json_each'],
    ['SELECT 1 FROM PATIENTS WHERE EXISTS (SELECT 1 FROM sqlite_master)', 'sqlite_master'],
    ['SELECT INTERNALID FROM PATIENTS UNION SELECT 1 FROM sqlite_temp_master', 'sqlite_temp_master'],
    ['SELECT * FROM main.PATIENTS', 'main.PATIENTS'],
    ['SELECT * FROM temp.sqlite_master', 'temp.sqlite_master'],
    ['DELETE FROM sqlite_stat1', 'sqlite_stat1'],
  ] as const) {
    sqlError(() => run(db, sql), 208, new RegExp(`^Invalid object name '${name.replace('.', '\\.')}'\\.$`));
  }
});

test('SQLite-only functions are not built-ins (195), wherever they appear', () => {
  for (const sql of [
    'SELECT sqlite_version()', 'SELECT sqlite_version() AS v', 'SELECT 1 AS a, sqlite_version() AS v', 'SELECT [sqlite_version]() AS v',
    'SELECT COALESCE(NULL, typeof(1)) AS v', "SELECT ISNULL(NULL, ifnull(NULL, 'x')) AS v", "SELECT 1 AS a, instr('abc', 'b') AS i",
    "SELECT 1 AS a, substr('abc', 2, 1) AS s", 'SELECT 1 AS a, random() AS r', "SELECT 1 AS a, printf('%d', 1) AS p",
    "SELECT 1 AS a, json_object('a', 1) AS j", 'SELECT 1 AS a, group_concat(SURNAME) AS g FROM PATIENTS', 'SELECT 1 AS a, total(1) AS t',
    'SELECT 1 AS a, zeroblob(2) AS z', 'SELECT 1 AS a, last_insert_rowid() AS l', 'SELECT 1 AS a, changes() AS c',
    "SELECT 1 AS a, glob('a*', 'abc') AS g", "SELECT 1 AS a, hex('a') AS h", "SELECT 1 AS a, date('now') AS d",
  ]) {
    sqlError(() => run(db, sql), 195, /is not a recognized built-in function name\.$/);
  }
  sqlError(() => run(db, 'SELECT dbo.sqlite_version() AS v'), 4121,
    /^Cannot find either column "dbo" or the user-defined function or aggregate "dbo\.sqlite_version", or the name is ambiguous\.$/);
  sqlError(() => run(db, "SELECT like('a%', 'abc') AS l"), 156, /^Incorrect syntax near the keyword 'like'\.$/);
});

test("SQLite's forms of T-SQL functions take T-SQL's argument counts (174)", () => {
  sqlError(() => run(db, 'SELECT max(1, 2) AS m'), 174, /The max function requires 1 argument/);
  sqlError(() => run(db, 'SELECT min(1, 2) AS m'), 174, /The min function requires 1 argument/);
  sqlError(() => run(db, 'SELECT round(2.5) AS r'), 174, /The round function requires 2 to 3 argument/);
  sqlError(() => run(db, "SELECT trim('xxa', 'x') AS t"), 174, /The trim function requires 1 argument/);
  sqlError(() => run(db, 'SELECT char(65, 66) AS c'), 174, /The char function requires 1 argument/);
});

test('SQLite operators and clauses are syntax errors', () => {
  sqlError(() => run(db, "SELECT INTERNALID FROM PATIENTS WHERE SURNAME GLOB 'A*'"), 102, /near 'GLOB'/);
  sqlError(() => run(db, "SELECT INTERNALID FROM PATIENTS WHERE SURNAME REGEXP 'A'"), 102, /near 'REGEXP'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS WHERE SURNAME ISNULL'), 102, /near 'ISNULL'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS WHERE SURNAME NOTNULL'), 102, /near 'NOTNULL'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS WHERE INTERNALID IS NOT 1'), 102, /near '1'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS WHERE INTERNALID IS 1'), 102, /near '1'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS ORDER BY SURNAME NULLS FIRST'), 102, /near 'NULLS'/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS INDEXED BY IX_PATIENTS_NAME'), 156, /near the keyword 'BY'/);
  sqlError(() => run(db, "SELECT 'a' || 'b' AS x"), 102);
  sqlError(() => run(db, 'SELECT `SURNAME` FROM PATIENTS'), 102, /near '`'/);
  sqlError(() => run(db, "INSERT OR REPLACE INTO REMINDERREASONS (REMINDERREASONID, RECORDSTATUS, REASONTEXT) VALUES (950, 1, 'x')"), 156,
    /near the keyword 'OR'/);
  sqlError(() => run(db, "INSERT INTO REMINDERREASONS (REMINDERREASONID, RECORDSTATUS, REASONTEXT) VALUES (951, 1, 'x') ON CONFLICT DO NOTHING"), 102,
    /near 'CONFLICT'/);
  sqlError(() => run(db, "UPDATE REMINDERREASONS SET REASONTEXT = 'y' WHERE REMINDERREASONID = 1 RETURNING *"), 102, /near 'RETURNING'/);
  assert.equal(run(db, 'SELECT COUNT(*) AS n FROM REMINDERREASONS WHERE REMINDERREASONID IN (950, 951)').rows[0]?.n, 0);
  assert.equal(run(db, 'SELECT COUNT(*) AS n FROM PATIENTS WHERE SURNAME IS NOT NULL AND SURNAME NOT LIKE \'Zz%\'').rows[0]?.n, 200);
});

test('TRUE, FALSE and rowid are not columns on SQL Server (207) unless the query names one so', () => {
  sqlError(() => run(db, 'SELECT TRUE AS x'), 207, /^Invalid column name 'TRUE'\.$/);
  sqlError(() => run(db, 'SELECT rowid FROM PATIENTS'), 207, /^Invalid column name 'rowid'\.$/);
  sqlError(() => run(db, 'SELECT p.oid FROM PATIENTS p'), 207, /'oid'/);
  sqlError(() => run(db, 'SELECT SURNAME FROM PATIENTS WHERE _rowid_ = 1'), 207, /'_rowid_'/);
  assert.deepEqual(run(db, 'SELECT TOP 1 INTERNALID AS oid FROM PATIENTS ORDER BY oid').rows, [{ oid: 1 }]);
  assert.deepEqual(run(db, 'SELECT rowid FROM (SELECT INTERNALID rowid FROM PATIENTS) x WHERE rowid = 2').rows, [{ rowid: 2 }]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlServerError } from '../src/index.js';
import { run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

test('unsupported constructs are rejected by name with error 102', () => {
  const cases: Array<[string, RegExp]> = [
    ['MERGE INTO PATIENTS USING USERS ON 1 = 1 WHEN MATCHED THEN DELETE;', /construct: MERGE/],
    ['SELECT * FROM PATIENTS p CROSS APPLY (SELECT 1 AS x) y', /CROSS\/OUTER APPLY/],
    ['SELECT * FROM (SELECT CITY, SEXCODE FROM PATIENTS) s PIVOT (COUNT(SEXCODE) FOR SEXCODE IN ([1], [2])) p', /PIVOT/],
    ['SELECT INTERNALID FROM PATIENTS FOR XML PATH', /FOR XML/],
    ['SELECT INTERNALID FROM PATIENTS FOR JSON AUTO', /FOR JSON/],
    ['SELECT * INTO #t FROM PATIENTS', /temporary table #t|SELECT … INTO/],
    ['SELECT * INTO NEWTABLE FROM PATIENTS', /SELECT … INTO/],
    ['SELECT TOP 10 PERCENT * FROM PATIENTS', /TOP … PERCENT/],
    ['SELECT TOP 5 WITH TIES * FROM PATIENTS ORDER BY CITY', /WITH TIES/],
    ['SELECT TOP 1 SURNAME FROM PATIENTS UNION SELECT SURNAME FROM USERS', /TOP in a UNION/],
    ['DELETE TOP (5) FROM PATIENTS', /TOP in DELETE/],
    ["SELECT FORMAT(GETDATE(), 'dd/MM/yyyy')", /FORMAT\(\)/],
    ["SELECT * FROM PATIENTS WHERE SURNAME LIKE '[A-C]%'", /LIKE pattern/],
    ['SELECT SURNAME COLLATE Latin1_General_CS_AS FROM PATIENTS', /COLLATE/],
    ['DECLARE @t TABLE (id INT)', /table variables/],
    ["IF 1 = 1 SELECT 1", /construct: IF/],
    ['WHILE 1 = 0 SELECT 1', /WHILE/],
    ['CREATE TABLE X (A INT)', /CREATE/],
    ['DROP TABLE PATIENTS', /DROP/],
    ['TRUNCATE TABLE PATIENTS', /TRUNCATE/],
    ["EXEC ('SELECT 1')", /dynamic SQL/],
    ["EXEC sp_executesql N'SELECT 1'", /sp_executesql/],
    ['SET ROWCOUNT 10', /SET ROWCOUNT/],
    ['SELECT @x = 1', /variable assignment/],
    ['SELECT 0x1F', /binary literal/],
    ['SELECT CAST(1 AS UNIQUEIDENTIFIER)', /CAST\/CONVERT to UNIQUEIDENTIFIER/],
    ["SELECT DATEADD(fortnight, 1, '2026-01-01')", /date part fortnight/],
    ['SELECT CITY, COUNT(*) FROM PATIENTS GROUP BY ROLLUP (CITY)', /ROLLUP/],
    ['INSERT INTO REMINDERREASONS EXEC BP_GetAllUsers', /INSERT … EXEC/],
    ['UPDATE USERS SET PAGER = 1 OUTPUT inserted.USERID', /OUTPUT clause/],
    ['GO', /GO/],
  ];
  for (const [sql, message] of cases) {
    sqlError(() => run(db, sql), 102, message);
  }
});

test('SQLite errors map to SQL Server numbers', () => {
  sqlError(() => run(db, 'SELECT * FROM NOSUCHTABLE'), 208, /Invalid object name 'NOSUCHTABLE'\./);
  sqlError(() => run(db, 'SELECT * FROM OtherDb.dbo.PATIENTS'), 208, /Invalid object name 'OtherDb.dbo.PATIENTS'/);
  sqlError(() => run(db, 'SELECT * FROM sys.tables'), 208);
  sqlError(() => run(db, 'SELECT NOSUCHCOLUMN FROM PATIENTS'), 207, /Invalid column name 'NOSUCHCOLUMN'\./);
  sqlError(() => run(db, 'SELECT p.NOPE FROM PATIENTS p'), 207, /'NOPE'/);
  sqlError(() => run(db, 'SELECT FROM WHERE'), 156, /^Incorrect syntax near the keyword 'FROM'\.$/);
  sqlError(() => run(db, 'SELECT * FROM PATIENTS WHERE'), 102);
  sqlError(() => run(db, 'SELECT (1'), 102);
  sqlError(() => run(db, "SELECT 'unclosed"), 105);
  sqlError(() => run(db, 'SELECT NOSUCHFUNC(1)'), 195, /'NOSUCHFUNC' is not a recognized built-in function name/);
  sqlError(() => run(db, 'SELECT INTERNALID FROM PATIENTS p JOIN APPOINTMENTS a ON a.INTERNALID = p.INTERNALID'), 209, /Ambiguous column name 'INTERNALID'/);
  sqlError(() => run(db, 'SELECT @undeclared AS x'), 137, /Must declare the scalar variable "@undeclared"/);
  sqlError(() => run(db, 'FROB THE DATABASE'), 102, /near 'FROB'/);
  sqlError(() => run(db, 'USE master'), 911);
});

test('conversion failures are 245 / 241 / 8114', () => {
  sqlError(() => run(db, "SELECT 'abc' + 1 AS x"), 245, /Conversion failed when converting the varchar value 'abc' to data type int/);
  sqlError(() => run(db, "SELECT CAST('abc' AS INT)"), 245);
  sqlError(() => run(db, "SELECT * FROM APPOINTMENTS WHERE APPOINTMENTDATE = 'yesterday'"), 241);
  sqlError(() => run(db, "SELECT CAST('31/31/2024' AS DATE)"), 241);
  sqlError(() => run(db, "DECLARE @n INT = 'x'"), 245);
  sqlError(() => db.execute({ text: 'SELECT @d', type: 'text', params: [{ name: 'd', direction: 'input', value: 'nope', sqlType: 'Date' }] }), 8114);
});

test('procedure errors and RAISERROR/THROW keep their numbers; errors are SqlServerError instances', () => {
  sqlError(() => run(db, 'EXEC BP_Missing'), 2812);
  sqlError(() => run(db, "RAISERROR('custom failure', 16, 1)"), 50000, /custom failure/);
  sqlError(() => run(db, "THROW 51000, 'thrown', 1"), 51000, /thrown/);
  try { run(db, 'SELECT * FROM NOPE'); } catch (e) {
    assert.ok(e instanceof SqlServerError);
    assert.equal(e.severity, 16);
  }
});

test('a failed batch rolls back the transaction it opened', () => {
  sqlError(() => run(db, "BEGIN TRAN; UPDATE USERS SET PAGER = 'zz' WHERE USERID = 2; SELECT * FROM NOPE; COMMIT"), 208);
  assert.equal(run(db, 'SELECT PAGER FROM USERS WHERE USERID = 2').rows[0]?.PAGER, null);
  sqlError(() => run(db, "BEGIN TRAN; UPDATE USERS SET PAGER = 'zz' WHERE USERID = 2"), 266);
  assert.equal(run(db, 'SELECT PAGER FROM USERS WHERE USERID = 2').rows[0]?.PAGER, null);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '@conduit/protocol';
import { type AllowList, checkAllowList } from '../src/permissions/allow-list.js';

const allowList: AllowList = {
  tables: ['BPS_Patients', 'BPS_Users', 'Patients', 'Visits', 'vw_Appointments'],
  procedures: ['BP_AddPatient', 'BP_GetPatient'],
};

const text = (sql: string): Command => ({ text: sql, executionMode: 'reader', type: 'text', parameters: [] });
const proc = (name: string): Command => ({ text: name, executionMode: 'nonQuery', type: 'storedProcedure', parameters: [] });

const notListed = (name: string): RegExp => new RegExp(`^table ${name} is not on the allow-list for this integration$`);
const procNotListed = (name: string): RegExp => new RegExp(`^procedure ${name} is not on the allow-list for this integration$`);
const dynamic = /^dynamic SQL \(.+\) cannot be checked against the allow-list, so it was refused$/;
const cannot = (why: RegExp): RegExp => new RegExp(`^the SQL could not be checked against the allow-list \\(.*${why.source}.*\\), so it was refused$`);

/** [description, command, expected, allow-list?]: 'ok' or a pattern the refusal reason must match. */
const cases: [string, Command, 'ok' | RegExp, AllowList?][] = [
  // ---- allowed ----
  ['SELECT from a listed view with TOP', text('SELECT TOP 10 * FROM vw_Appointments'), 'ok'],
  ['WITH (NOLOCK) hint', text('SELECT TOP 10 PatientID FROM dbo.BPS_Patients WITH (NOLOCK) WHERE StatusCode = 1'), 'ok'],
  ['brackets and database prefix', text('SELECT * FROM [BPSPatients].[dbo].[BPS_Patients] AS p'), 'ok'],
  ['database..name', text('SELECT * FROM BPSPatients..Patients'), 'ok'],
  ['case-insensitive names', text('select * from PATIENTS p where p.Surname like N\'%smith%\''), 'ok'],
  ['join of two listed tables', text('SELECT p.*, v.VisitDate FROM dbo.Patients AS p LEFT OUTER JOIN dbo.Visits AS v ON v.PatientID = p.PatientID ORDER BY v.VisitDate DESC'), 'ok'],
  ['CTE over a listed table', text('WITH recent AS (SELECT PatientID FROM Visits WHERE VisitDate > GETDATE() - 30) SELECT * FROM recent r JOIN Patients p ON p.PatientID = r.PatientID'), 'ok'],
  ['CTE referring to an earlier CTE', text('WITH a AS (SELECT * FROM Patients), b AS (SELECT * FROM a) SELECT * FROM b'), 'ok'],
  ['subquery over listed tables', text('SELECT * FROM Patients WHERE PatientID IN (SELECT PatientID FROM Visits)'), 'ok'],
  ['UPDATE … FROM with an alias target', text('UPDATE p SET Surname = @s FROM Patients p JOIN Visits v ON v.PatientID = p.PatientID'), 'ok'],
  ['DELETE alias FROM listed table', text('DELETE p FROM Patients p WHERE p.PatientID = @id'), 'ok'],
  ['INSERT … VALUES into a listed table', text("INSERT INTO Patients (FirstName) VALUES ('it''s')"), 'ok'],
  ['bracketed alias with a space and a "--" inside', text('SELECT FirstName AS [First -- Name] FROM Patients'), 'ok'],
  ['trailing comment', text('SELECT * FROM Patients -- just the patients'), 'ok'],
  ['variables without FROM', text('DECLARE @x INT; SET @x = 5; SELECT @x AS Name'), 'ok'],
  ['SET NOCOUNT ON', text('SET NOCOUNT ON; SELECT * FROM Patients;'), 'ok'],
  ['listed procedure as storedProcedure', proc('BP_AddPatient'), 'ok'],
  ['listed procedure with prefixes/brackets', proc('[BPSPatients].[dbo].[bp_addpatient]'), 'ok'],
  ['listed procedure via dbo.', proc('dbo.BP_GetPatient'), 'ok'],
  ['EXEC of a listed procedure', text("EXEC BP_AddPatient @a = 1, @b = 'x'"), 'ok'],
  ['EXECUTE with positional args and OUTPUT', text("EXECUTE dbo.BP_GetPatient 42, N'x', @out OUTPUT"), 'ok'],
  ['DECLARE / EXEC @ret = / SELECT', text("DECLARE @x INT; EXEC @x = BPSPatients.dbo.BP_AddPatient @firstname='a'; SELECT @x AS Id"), 'ok'],

  // ---- tables not on the list ----
  ['plain table', text('SELECT * FROM Secrets'), notListed('Secrets')],
  ['system view', text('SELECT * FROM sys.tables'), notListed('tables')],
  ['in a subquery', text('SELECT * FROM Patients WHERE PatientID IN (SELECT PatientID FROM Secrets)'), notListed('Secrets')],
  ['in a scalar subquery', text('SELECT (SELECT TOP 1 x FROM Secrets) AS s FROM Patients'), notListed('Secrets')],
  ['in an EXISTS', text('SELECT * FROM Patients WHERE EXISTS (SELECT 1 FROM Secrets)'), notListed('Secrets')],
  ['in a JOIN', text('SELECT * FROM Patients p JOIN dbo.Secrets s ON s.id = p.PatientID'), notListed('Secrets')],
  ['in a comma join with hints', text('SELECT * FROM Patients WITH (NOLOCK), Secrets WITH (NOLOCK)'), notListed('Secrets')],
  ['in CROSS APPLY', text('SELECT * FROM Patients p CROSS APPLY (SELECT * FROM Secrets) s'), notListed('Secrets')],
  ['in a UNION arm', text('SELECT FirstName FROM Patients UNION ALL SELECT Name FROM Secrets'), notListed('Secrets')],
  ['in a CTE body', text('WITH x AS (SELECT * FROM Secrets) SELECT * FROM x'), notListed('Secrets')],
  ['schema-qualified name that looks like a CTE', text('WITH x AS (SELECT * FROM Patients) SELECT * FROM dbo.x'), notListed('x')],
  ['INSERT … SELECT source', text('INSERT INTO Patients (a) SELECT a FROM Secrets'), notListed('Secrets')],
  ['INSERT target', text('INSERT Secrets VALUES (1)'), notListed('Secrets')],
  ['UPDATE target', text('UPDATE Secrets SET a = 1'), notListed('Secrets')],
  ['UPDATE TOP (n) target (absent from the parser table list)', text('UPDATE TOP (5) Secrets SET a = 1'), notListed('Secrets')],
  ['UPDATE target named like an alias in a subquery only', text('UPDATE Secrets SET a = (SELECT 1 FROM Patients Secrets)'), notListed('Secrets')],
  ['DELETE target', text('DELETE FROM Secrets WHERE id = 1'), notListed('Secrets')],
  ['DELETE TOP target', text('DELETE TOP (1) FROM Secrets'), notListed('Secrets')],
  ['SELECT … INTO a new table', text('SELECT * INTO Copied FROM Patients'), notListed('Copied')],
  ['quoted identifier', text('SELECT * FROM "Secrets"'), notListed('Secrets')],
  ['bracketed odd name', text('SELECT * FROM [Secret Stuff]'), notListed('Secret Stuff')],
  ['table-valued function', text('SELECT * FROM dbo.fn_Secrets(1)'), /^function fn_Secrets is not on the allow-list for this integration$/],
  ['scalar user-defined function', text('SELECT dbo.fn_Age(DOB) FROM Patients'), /^function fn_Age is not on the allow-list for this integration$/],
  ['linked server', text('SELECT * FROM Other.BPSPatients.dbo.Patients'), cannot(/linked server/)],

  // ---- bypass attempts ----
  ['WITH … DELETE', text('WITH x AS (SELECT * FROM Patients) DELETE FROM x'), cannot(/DELETE after WITH/)],
  ['CTE forward reference to a real table', text('WITH a AS (SELECT * FROM b), b AS (SELECT * FROM Patients) SELECT * FROM a'), cannot(/before it is defined/)],
  ['stacked statements', text('SELECT * FROM Patients; DELETE FROM PATIENTS_ARCHIVE'), notListed('PATIENTS_ARCHIVE')],
  ['stacked without a semicolon', text('SELECT * FROM Patients DELETE FROM Visits'), cannot(/unexpected DELETE inside a statement/)],
  ['stacked after EXEC arguments', text('EXEC BP_AddPatient @a = 1 SELECT * FROM Secrets'), cannot(/after an EXEC argument/)],
  ['stacked after DECLARE', text('DECLARE @x INT SELECT * FROM Secrets'), cannot(/in DECLARE/)],
  ['block comment then DROP', text('SELECT * FROM BPS_Users /* */ ; DROP TABLE X'), notListed('X')],
  ['DROP of a listed table', text('SELECT * FROM BPS_Users; DROP TABLE Patients'), cannot(/DROP TABLE statements are not supported/)],
  ['line comment hides nothing on the next line', text('-- comment\nDELETE FROM Secrets'), notListed('Secrets')],
  ['line comment ended by CR', text('SELECT * FROM Patients -- x\rDELETE FROM Secrets'), cannot(/unexpected DELETE/)],
  ['"--" inside a string literal', text("SELECT '--' AS a FROM Patients; DELETE FROM Secrets"), notListed('Secrets')],
  ['"/*" inside a string literal', text("SELECT '/*' FROM Patients; DELETE FROM Secrets; SELECT '*/'"), notListed('Secrets')],
  ['backslash is not an escape in T-SQL', text("SELECT 'a\\'; DROP TABLE X; --' FROM Patients"), notListed('X')],
  ['nested block comment', text('SELECT * FROM Patients /* /* */ DELETE FROM Secrets */'), cannot(/nested block comment/)],
  ['unlisted procedure via EXEC', text('EXEC BP_DeleteEverything @all = 1'), procNotListed('BP_DeleteEverything')],
  ['unlisted procedure via EXEC @ret =', text('DECLARE @r INT; EXEC @r = dbo.BP_DeleteEverything'), procNotListed('BP_DeleteEverything')],
  ['unlisted procedure as storedProcedure', proc('dbo.BP_DeleteEverything'), procNotListed('BP_DeleteEverything')],
  ['storedProcedure text that is not a name', proc('BP_AddPatient; DROP TABLE X'), cannot(/is not a procedure name/)],
  ['EXEC inside INSERT', text('INSERT INTO Patients EXEC BP_GetPatient 1'), cannot(/unexpected EXEC inside a statement/)],
  ['EXECUTE AS', text("EXECUTE AS USER = 'dbo'"), cannot(/EXECUTE AS/)],
  ["EXEC('…')", text("EXEC('DELETE FROM Patients')"), dynamic],
  ['EXEC (@sql)', text('DECLARE @sql NVARCHAR(MAX); EXEC (@sql)'), dynamic],
  ['EXEC @procname', text('EXEC @proc'), dynamic],
  ['sp_executesql', text("EXEC sp_executesql N'SELECT * FROM Secrets'"), dynamic],
  ['sp_executesql as storedProcedure even if listed', proc('sp_executesql'), dynamic, { tables: [], procedures: ['sp_executesql'] }],
  ['OPENROWSET', text("SELECT * FROM OPENROWSET('SQLNCLI', 'Server=x', 'SELECT 1')"), dynamic],
  ['OPENQUERY', text("SELECT * FROM OPENQUERY(srv, 'SELECT 1')"), dynamic],
  ['OPENDATASOURCE', text("SELECT * FROM OPENDATASOURCE('SQLNCLI', 'Data Source=x').db.dbo.t"), dynamic],
  ['SET of an unsupported option', text('SET QUOTED_IDENTIFIER OFF; SELECT * FROM Patients'), cannot(/SET QUOTED_IDENTIFIER is not supported/)],
  ['SET @x from an unlisted table', text('DECLARE @n INT; SET @n = (SELECT COUNT(*) FROM Secrets)'), notListed('Secrets')],
  ['DECLARE default from an unlisted table', text('DECLARE @n INT = (SELECT COUNT(*) FROM Secrets)'), notListed('Secrets')],
  ['table variable', text('DECLARE @t TABLE (a INT)'), cannot(/DECLARE of a table type/)],

  // ---- unparseable ----
  ['garbage', text('SELEC * FORM Patients'), cannot(/parse error near/)],
  ['unterminated string', text("SELECT * FROM Patients WHERE a = 'x"), cannot(/unterminated string literal/)],
  ['unbalanced parentheses', text('SELECT * FROM Patients WHERE ((a = 1)'), cannot(/unbalanced parentheses/)],
  ['only a comment', text('/* nothing */'), cannot(/there is no statement/)],
  ['characters outside T-SQL', text('SELECT * FROM `Patients`'), cannot(/unexpected character/)],
  ['T-SQL the parser does not know', text('SELECT * FROM Patients OPTION (MAXDOP 1)'), cannot(/parse error near "MAXDOP/)],
];

for (const [name, command, expected, list] of cases) {
  test(`allow-list: ${name}`, () => {
    const sql = command.text;
    const verdict = checkAllowList(command, list ?? allowList);
    if (expected === 'ok') {
      assert.deepEqual(verdict, { ok: true }, `expected ${JSON.stringify(sql)} to be allowed`);
    } else {
      assert.equal(verdict.ok, false, `expected ${JSON.stringify(sql)} to be refused`);
      if (!verdict.ok) assert.match(verdict.reason, expected);
    }
  });
}

test('allow-list: an empty allow-list refuses every object', () => {
  const empty: AllowList = { tables: [], procedures: [] };
  assert.equal(checkAllowList(text('SELECT * FROM Patients'), empty).ok, false);
  assert.equal(checkAllowList(proc('BP_AddPatient'), empty).ok, false);
  assert.deepEqual(checkAllowList(text('SELECT 1 AS One'), empty), { ok: true });
});

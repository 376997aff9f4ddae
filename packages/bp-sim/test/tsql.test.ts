import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFreeSlot, run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const count = (sql: string, params: Record<string, unknown> = {}): number => Number(Object.values(run(db, sql, params).rows[0] ?? {})[0]);
const today = (): string => {
  const n = new Date();
  return `${n.getFullYear()}-${String(n.getMonth() + 1).padStart(2, '0')}-${String(n.getDate()).padStart(2, '0')}`;
};

test('SELECT TOP n, prefixes, brackets and NOLOCK', () => {
  const r = run(db, 'SELECT TOP 5 [INTERNALID], [SURNAME] FROM [BPSPatients].[dbo].[PATIENTS] WITH (NOLOCK) ORDER BY [INTERNALID] DESC');
  assert.equal(r.rows.length, 5);
  assert.deepEqual(r.columns, ['INTERNALID', 'SURNAME']);
  assert.equal(r.rows[0]?.INTERNALID, 200);
  assert.equal(run(db, 'SELECT TOP (2) * FROM BPSPATIENTS.dbo.USERS (NOLOCK)').rows.length, 2);
  assert.equal(run(db, 'SELECT TOP 1 p.SURNAME FROM dbo.PATIENTS AS p WITH (NOLOCK, READUNCOMMITTED) WHERE p.INTERNALID IN (SELECT TOP 3 INTERNALID FROM dbo.PATIENTS)').rows.length, 1);
  assert.equal(run(db, 'SELECT DISTINCT TOP 3 CITY FROM PATIENTS').rows.length, 3);
  assert.equal(count('SELECT COUNT(*) FROM BPSPatients..PATIENTS'), 200);
});

test('columns keep the caller\'s spelling and T-SQL alias forms', () => {
  const r = run(db, "SELECT surname, FullName = FIRSTNAME + ' ' + SURNAME, 'Label' = 1, [Date Of Birth] = DOB FROM PATIENTS WHERE INTERNALID = 1");
  assert.deepEqual(r.columns, ['surname', 'FullName', 'Label', 'Date Of Birth']);
  assert.equal(r.rows[0]?.FullName, `${String(run(db, 'SELECT FIRSTNAME FROM PATIENTS WHERE INTERNALID = 1').rows[0]?.FIRSTNAME)} ${String(r.rows[0]?.surname)}`);
});

test('@parameters bind case-insensitively, typed dates are normalised', () => {
  const slot = findFreeSlot(db);
  const n = count('SELECT COUNT(*) FROM APPOINTMENTS WHERE USERID = @UserId AND APPOINTMENTDATE = @date', { userid: slot.userId, '@DATE': slot.date });
  assert.ok(n > 0);
  const typed = db.execute({ text: 'SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE USERID = @u AND APPOINTMENTDATE = @d', type: 'text', params: [
    { name: 'u', direction: 'input', value: slot.userId, sqlType: 'Int' },
    { name: 'd', direction: 'input', value: `${slot.date}T00:00:00.000Z`, sqlType: 'DateTime' },
  ] });
  assert.equal([...typed.rows][0]?.n, n);
  // an untyped string parameter compared with a date column is normalised as well
  assert.equal(count('SELECT COUNT(*) FROM APPOINTMENTS WHERE USERID = @u AND APPOINTMENTDATE = @d', { u: slot.userId, d: slot.date.replace(/-/g, '') }), n);
});

test("date literals like '20260105' compare with date columns", () => {
  const iso = count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE > '2026-01-05' AND RECORDSTATUS = 1");
  assert.ok(iso > 0);
  assert.equal(count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE > '20260105' AND RECORDSTATUS = 1"), iso);
  assert.equal(count("SELECT COUNT(*) FROM APPOINTMENTS WHERE '20260105' < APPOINTMENTDATE AND RECORDSTATUS = 1"), iso);
  const day = count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE = '2026-01-06'");
  assert.equal(count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE = '2026-01-06T00:00:00'"), day);
  assert.equal(count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE BETWEEN '20260106' AND '20260106'"), day);
  assert.equal(count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE IN ('20260106', '20260107')"),
    day + count("SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE = '2026-01-07'"));
});

test('GETDATE, CAST, CONVERT, DATEADD, DATEDIFF and string functions', () => {
  const r = run(db, `SELECT CAST(GETDATE() AS DATE) AS d, CONVERT(date, '20240105') AS c, DATEADD(day, 14, '2026-01-05') AS plus,
    DATEADD(month, 1, '2024-01-31') AS eom, DATEDIFF(day, '2026-01-01', '2026-01-05') AS diff, DATEDIFF(year, '1980-12-31', '2026-01-01') AS yrs,
    ISNULL(NULL, 'x') AS isn, LEN('abc  ') AS len, UPPER('a') + LOWER('B') AS ul, LTRIM('  a') + RTRIM('b  ') AS tr,
    CONVERT(varchar(10), CAST('2024-01-05' AS DATE), 103) AS au, CAST('42' AS INT) + 1 AS i, LEFT('Smith', 3) AS l, RIGHT('Smith', 2) AS r,
    SUBSTRING('Smith', 2, 3) AS s, CHARINDEX('i', 'Smith') AS ci, YEAR('2024-03-01') AS y, DATEPART(weekday, '2026-01-05') AS wd`);
  assert.deepEqual(r.rows[0], { d: today(), c: '2024-01-05', plus: '2026-01-19', eom: '2024-02-29', diff: 4, yrs: 46, isn: 'x', len: 3, ul: 'Ab',
    tr: 'ab', au: '05/01/2024', i: 43, l: 'Smi', r: 'th', s: 'mit', ci: 3, y: 2024, wd: 2 });
  assert.match(String(run(db, 'SELECT GETDATE() AS now').rows[0]?.now), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  const future = count('SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE >= CAST(GETDATE() AS DATE) AND APPOINTMENTDATE < DATEADD(day, 14, CAST(GETDATE() AS DATE))');
  assert.ok(future >= 0);
  assert.equal(run(db, "SELECT '5' + 1 AS n, 'a' + 'b' AS s, 10 - 3 AS m, DATEADD(day, 1, '2026-01-05') - 1 AS back").rows[0]?.back, '2026-01-05');
});

test('EXEC with named and positional arguments', () => {
  const slot = findFreeSlot(db);
  const named = run(db, `EXEC BPSPatients.dbo.BP_GetFreeAppointments @userid = ${slot.userId}, @aptdate = '${slot.date.replace(/-/g, '')}'`);
  assert.deepEqual(named.columns?.slice(0, 2), ['AppointmentTime', 'AppointmentLength']);
  const positional = run(db, `EXECUTE dbo.BP_GetFreeAppointments ${slot.userId}, '${slot.date}'`);
  assert.deepEqual(positional.rows, named.rows);
  const viaParams = run(db, 'EXEC BP_GetFreeAppointments @userid = @u, @aptdate = @d', { u: slot.userId, d: slot.date });
  assert.deepEqual(viaParams.rows, named.rows);
});

test('DECLARE / EXEC @x = proc / SELECT @x batch, with and without semicolons', () => {
  const patient = Number(run(db, 'SELECT TOP 1 INTERNALID FROM PATIENTS').rows[0]?.INTERNALID);
  const slot = findFreeSlot(db);
  const text = `DECLARE @AppointmentId INT; EXEC @AppointmentId = BPSPATIENTS.dbo.BP_AddAppointment @aptdate = @d, @apttime = @t, @aptlen = 900,
    @practitionerid = @u, @patientid = ${patient}, @locationid = 1; SELECT @AppointmentId AS AppointmentId;`;
  const first = run(db, text, { d: slot.date, t: slot.time, u: slot.userId });
  assert.deepEqual(first.columns, ['AppointmentId']);
  assert.ok(Number(first.rows[0]?.AppointmentId) > 0);
  assert.equal(first.rowsAffected, 1);
  const again = run(db, text.replace(/;/g, ' '), { d: slot.date, t: slot.time, u: slot.userId });
  assert.equal(again.rows[0]?.AppointmentId, 0);
  const set = run(db, "DECLARE @n INT = 2, @s VARCHAR(20); SET @n = @n * 5; SET @s = 'x' + CAST(@n AS VARCHAR(5)); SELECT @n AS n, @s AS s");
  assert.deepEqual(set.rows, [{ n: 10, s: 'x10' }]);
});

test('output parameters receive the final variable values', () => {
  const o = db.execute({ text: 'SET NOCOUNT ON; EXEC @rc = BP_IsAppointmentBooked 1, \'2026-01-06\', 28800; SET @twice = @rc * 2', type: 'text', params: [
    { name: '@rc', direction: 'output', value: null, sqlType: 'Int' },
    { name: '@twice', direction: 'inputOutput', value: 5, sqlType: 'Int' },
  ] });
  assert.ok(o.output['@rc'] === 0 || o.output['@rc'] === 1);
  assert.equal(o.output['@twice'], Number(o.output['@rc']) * 2);
  assert.equal(o.columns, null);
});

test('INSERT / UPDATE / DELETE report rows affected and normalise dates', () => {
  const ins = run(db, "INSERT INTO dbo.REMINDERREASONS (REMINDERREASONID, RECORDSTATUS, REASONTEXT) VALUES (900, 1, 'Test a'), (901, 1, 'Test b')");
  assert.equal(ins.rowsAffected, 2);
  assert.equal(ins.columns, null);
  run(db, "INSERT INTO DAYSAWAY (RECORDSTATUS, USERID, STARTDATE, FINISHDATE, AWAYREASON) VALUES (1, 1, '20300101', '20300102', 'x')");
  assert.equal(run(db, "SELECT STARTDATE FROM DAYSAWAY WHERE AWAYREASON = 'x'").rows[0]?.STARTDATE, '2030-01-01');
  assert.equal(run(db, "UPDATE REMINDERREASONS SET REASONTEXT = REASONTEXT + '!' WHERE REMINDERREASONID >= 900").rowsAffected, 2);
  assert.equal(run(db, "SELECT REASONTEXT FROM REMINDERREASONS WHERE REMINDERREASONID = 900").rows[0]?.REASONTEXT, 'Test a!');
  assert.equal(run(db, 'DELETE FROM REMINDERREASONS WHERE REMINDERREASONID >= 900; SELECT 1 AS x').rowsAffected, 2);
  assert.equal(run(db, 'SELECT COUNT(*) AS n FROM PATIENTS').rowsAffected, -1);
});

test('a single SELECT streams lazily', () => {
  const o = db.execute({ text: 'SELECT * FROM APPOINTMENTS', type: 'text', params: [] });
  assert.ok(!Array.isArray(o.rows));
  let n = 0;
  for (const _ of o.rows) if (++n === 3) break;
  assert.equal(n, 3);
  assert.equal(count('SELECT COUNT(*) FROM PATIENTS'), 200); // the connection is usable again after an early break
});

test('OFFSET/FETCH, CASE, IIF, window functions, CTEs, UNION and transactions', () => {
  assert.deepEqual(run(db, 'SELECT INTERNALID FROM PATIENTS ORDER BY INTERNALID OFFSET 10 ROWS FETCH NEXT 2 ROWS ONLY').rows.map((r) => r.INTERNALID), [11, 12]);
  assert.equal(run(db, "SELECT CASE WHEN 1 = 1 THEN 'a' + 'b' ELSE 'c' END AS v, IIF(2 > 1, 'y', 'n') AS w").rows[0]?.v, 'ab');
  assert.equal(run(db, 'SELECT TOP 1 ROW_NUMBER() OVER (ORDER BY INTERNALID DESC) AS rn FROM PATIENTS').rows[0]?.rn, 1);
  assert.equal(count('WITH x AS (SELECT TOP 3 INTERNALID FROM PATIENTS) SELECT COUNT(*) FROM x'), 3);
  assert.equal(run(db, 'SELECT USERID FROM USERS WHERE USERID = 1 UNION ALL SELECT USERID FROM USERS WHERE USERID = 2').rows.length, 2);
  run(db, "BEGIN TRANSACTION; UPDATE USERS SET PAGER = 'p' WHERE USERID = 1; ROLLBACK TRANSACTION");
  assert.equal(run(db, 'SELECT PAGER FROM USERS WHERE USERID = 1').rows[0]?.PAGER, null);
});

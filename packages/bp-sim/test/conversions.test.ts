// SQL Server conversion rules (src/conversions.ts), one test per rule of docs/sql-server-conversions.md,
// first on the function, then through procedure calls and text batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertValue, parseSqlDateString, sourceTypeOf } from '../src/conversions.js';
import { proc, run, smallPractice, sqlError } from './helpers.js';

const P = { context: 'parameter' } as const;
const E = { context: 'expression' } as const;

test('NULL converts to NULL for every type, in both contexts', () => {
  for (const t of ['int', 'bit', 'date', 'datetime', 'money', 'decimal(10,2)', 'float', 'varchar(10)', 'smallint']) {
    assert.equal(convertValue(null, t, P), null);
    assert.equal(convertValue(undefined, t, E), null);
  }
});

test("varchar → int: blanks trimmed, '' is 0, '1.5' and 'abc' refused (245 in expressions, 8114 for parameters)", () => {
  assert.equal(convertValue('12', 'int', P), 12);
  assert.equal(convertValue(' 12 ', 'int', E), 12);
  assert.equal(convertValue('-7', 'int', E), -7);
  assert.equal(convertValue('', 'int', P), 0);
  assert.equal(convertValue('   ', 'int', E), 0);
  sqlError(() => convertValue('1.5', 'int', E), 245, /^Conversion failed when converting the varchar value '1.5' to data type int\.$/);
  sqlError(() => convertValue('abc', 'int', E), 245);
  sqlError(() => convertValue('1.5', 'int', P), 8114, /^Error converting data type varchar to int\.$/);
  sqlError(() => convertValue('abc', 'int', { context: 'parameter', from: 'nvarchar' }), 8114, /nvarchar to int/);
});

test('integer overflow: 248 for a varchar into int, 244 for smaller types, 8115 for numbers; 8114 for parameters', () => {
  sqlError(() => convertValue('3000000000', 'int', E), 248, /overflowed an int column/);
  sqlError(() => convertValue('300', 'tinyint', E), 244, /overflowed a tinyint column/);
  sqlError(() => convertValue(3000000000, 'int', E), 8115, /Arithmetic overflow error converting expression to data type int/);
  sqlError(() => convertValue('3000000000', 'int', P), 8114);
  sqlError(() => convertValue(3000000000, 'int', P), 8114, /numeric to int/);
});

test('numbers → int truncate toward zero; booleans are 0/1', () => {
  assert.equal(convertValue(1.9, 'int', P), 1);
  assert.equal(convertValue(-1.9, 'int', E), -1);
  assert.equal(convertValue(true, 'int', P), 1);
  assert.equal(convertValue(5n, 'int', P), 5);
});

test("varchar → bit: '' 0, 'true'/'false', any non-zero integer 1; others 245 / 8114", () => {
  assert.equal(convertValue('', 'bit', P), 0);
  assert.equal(convertValue('TRUE', 'bit', E), 1);
  assert.equal(convertValue('false', 'bit', E), 0);
  assert.equal(convertValue('2', 'bit', E), 1);
  assert.equal(convertValue(0, 'bit', P), 0);
  sqlError(() => convertValue('yes', 'bit', E), 245, /to data type bit/);
  sqlError(() => convertValue('yes', 'bit', P), 8114, /varchar to bit/);
});

test("varchar → decimal: '' and commas refused with 8114 in both contexts; rounding to the scale; 8115 when too large", () => {
  assert.equal(convertValue('12.345', 'decimal(10,2)', E), 12.35);
  assert.equal(convertValue(' 7 ', 'decimal', E), 7);
  sqlError(() => convertValue('', 'decimal(10,2)', E), 8114, /^Error converting data type varchar to numeric\.$/);
  sqlError(() => convertValue('1,000', 'decimal(10,2)', P), 8114);
  sqlError(() => convertValue('1e3', 'decimal(10,2)', E), 8114);
  sqlError(() => convertValue('123456', 'decimal(5,2)', E), 8115);
});

test("varchar → money: '' is 0, currency sign and commas ignored, garbage 235 (8114 for parameters)", () => {
  assert.equal(convertValue('', 'money', E), 0);
  assert.equal(convertValue('$1,234.5', 'money', E), 1234.5);
  assert.equal(convertValue('12.34567', 'money', P), 12.3457);
  sqlError(() => convertValue('abc', 'money', E), 235, /Cannot convert a char value to money/);
  sqlError(() => convertValue('abc', 'money', P), 8114, /varchar to money/);
});

test("varchar → float: '' is 0, exponents accepted, garbage 8114", () => {
  assert.equal(convertValue('', 'float', E), 0);
  assert.equal(convertValue('1.5e2', 'float', E), 150);
  sqlError(() => convertValue('x', 'float', E), 8114, /varchar to float/);
});

test("varchar → date/datetime: '' is 1900-01-01; ISO, YYYYMMDD, ISO with T and time, space and time", () => {
  assert.equal(convertValue('', 'date', P), '1900-01-01');
  assert.equal(convertValue('', 'datetime', E), '1900-01-01 00:00:00');
  assert.equal(convertValue('2024-01-05', 'date', P), '2024-01-05');
  assert.equal(convertValue('20240105', 'date', P), '2024-01-05');
  assert.equal(convertValue('2024-01-05T08:15:00', 'datetime', P), '2024-01-05 08:15:00');
  assert.equal(convertValue('2024-01-05T08:15:00.123', 'date', P), '2024-01-05');
  assert.equal(convertValue('2024-01-05 08:15:30', 'datetime', E), '2024-01-05 08:15:30');
  assert.equal(convertValue('20240105 14:00', 'datetime', E), '2024-01-05 14:00:00');
  assert.equal(convertValue('08:30', 'datetime', E), '1900-01-01 08:30:00');
  assert.equal(convertValue('2024-01-05', 'time', E), '00:00:00');
});

test('numeric date strings follow DATEFORMAT: mdy by default (us_english), dmy when set', () => {
  assert.deepEqual(parseSqlDateString('03/14/1985', 'mdy'), { y: 1985, m: 3, d: 14, H: 0, M: 0, S: 0 });
  assert.equal(parseSqlDateString('14/03/1985', 'mdy'), 'range');
  assert.deepEqual(parseSqlDateString('14/03/1985', 'dmy'), { y: 1985, m: 3, d: 14, H: 0, M: 0, S: 0 });
  assert.deepEqual(parseSqlDateString('5.1.24', 'dmy'), { y: 2024, m: 1, d: 5, H: 0, M: 0, S: 0 });
  assert.deepEqual(parseSqlDateString('1/5/75 2:30 PM', 'mdy'), { y: 1975, m: 1, d: 5, H: 14, M: 30, S: 0 });
  assert.equal(parseSqlDateString('yesterday'), 'invalid');
});

test('bad dates: 241 for date, 242 for a datetime out of range, 8114 for parameters', () => {
  sqlError(() => convertValue('yesterday', 'date', E), 241, /^Conversion failed when converting date and\/or time from character string\.$/);
  sqlError(() => convertValue('2024-02-30', 'date', E), 241);
  sqlError(() => convertValue('2024-02-30', 'datetime', E), 242, /out-of-range value/);
  sqlError(() => convertValue('1700-01-01', 'datetime', E), 242);
  sqlError(() => convertValue('yesterday', 'date', P), 8114, /^Error converting data type varchar to date\.$/);
  sqlError(() => convertValue('2024-02-30', 'datetime', P), 8114, /varchar to datetime/);
});

test('type clashes: a number is no date (206 for parameters, 529 in CAST); a date is no int', () => {
  sqlError(() => convertValue(5, 'date', P), 206, /int is incompatible with date/);
  sqlError(() => convertValue(5, 'date', E), 529);
  assert.equal(convertValue(1, 'datetime', E), '1900-01-02 00:00:00');
  sqlError(() => convertValue('2024-01-01', 'int', { context: 'parameter', from: 'date' }), 206, /date is incompatible with int/);
});

test('source types: the declared Halo SqlDbType wins, else the JS value decides', () => {
  assert.equal(sourceTypeOf('x', 'VarChar'), 'varchar');
  assert.equal(sourceTypeOf('x', 'NVarChar'), 'nvarchar');
  assert.equal(sourceTypeOf(1.5, 'Decimal'), 'numeric');
  assert.equal(sourceTypeOf(1.5), 'numeric');
  assert.equal(sourceTypeOf(12), 'int');
  assert.equal(sourceTypeOf('x', 'VARCHAR(20)'), 'varchar');
});

const { db } = smallPractice();

/** The public Halo client's BP_AddPatient: 28 parameters, VarChar except a few Int/Date, '' for unused, one Date null. */
function haloAddPatient(extra: Record<string, { type: string; value: string | null }> = {}): ReturnType<typeof proc> {
  const v = (value: string | null, type = 'VarChar'): { type: string; value: string | null } => ({ type, value });
  const fields: Record<string, { type: string; value: string | null }> = {
    titlecode: v('0', 'Int'), firstname: v('Mirri'), middlename: v(''), surname: v('Halotest'), preferredname: v(''), address1: v(''),
    address2: v(''), city: v(''), postcode: v(''), postaladdress: v(''), postalcity: v(''), postalpostcode: v(''), dob: v('1990-07-04', 'Date'),
    sexcode: v('0', 'Int'), homephone: v(''), workphone: v(''), mobilephone: v('0412 000 111'), medicareno: v(''), medicarelineno: v(''),
    medicareexpiry: v(''), pensioncode: v('0', 'Int'), pensionno: v(''), pensionexpiry: v(null, 'Date'), dvacode: v('0', 'Int'), dvano: v(''),
    recordno: v(''), externalid: v(''), email: v(''), ...extra,
  };
  // values as the Link's decodeParameterValue hands them over: Int → number, others as text
  return proc(db, 'BPSPATIENTS.dbo.BP_AddPatient', Object.entries(fields).map(([name, f]) => ({
    name: `@${name}`, direction: 'input' as const, sqlType: f.type, value: f.value === null ? null : f.type === 'Int' ? Number(f.value) : f.value,
  })));
}

test("BP_AddPatient as the public Halo client calls it: '' for unused fields, a null Date, Int codes", () => {
  const r = haloAddPatient();
  assert.ok(Number(r.returnValue) > 0);
  const p = run(db, 'SELECT FIRSTNAME, SURNAME, DOB, MOBILEPHONE, MEDICAREEXPIRY, PENSIONEXPIRY, TITLECODE, CITY FROM PATIENTS WHERE INTERNALID = @id', { id: r.returnValue }).rows[0];
  assert.deepEqual(p, { FIRSTNAME: 'Mirri', SURNAME: 'Halotest', DOB: '1990-07-04', MOBILEPHONE: '0412 000 111', MEDICAREEXPIRY: '', PENSIONEXPIRY: null, TITLECODE: 0, CITY: '' });
});

test("a VarChar '' for a date procedure parameter is 1900-01-01; garbage is 8114; numeric strings reach int parameters", () => {
  const r = haloAddPatient({ pensionexpiry: { type: 'VarChar', value: '' }, sexcode: { type: 'VarChar', value: ' 2 ' } });
  const p = run(db, 'SELECT PENSIONEXPIRY, SEXCODE FROM PATIENTS WHERE INTERNALID = @id', { id: r.returnValue }).rows[0];
  assert.deepEqual(p, { PENSIONEXPIRY: '1900-01-01', SEXCODE: 2 });
  sqlError(() => haloAddPatient({ pensionexpiry: { type: 'VarChar', value: 'soon' } }), 8114, /varchar to date/);
  sqlError(() => haloAddPatient({ sexcode: { type: 'VarChar', value: '1.5' } }), 8114, /varchar to int/);
  sqlError(() => run(db, "EXEC BP_GetPatientByInternalID @patientid = 'x'"), 8114, /varchar to int/);
  assert.equal(run(db, "EXEC BP_GetPatientByInternalID @patientid = ''").rows.length, 0);
});

test('text batches: typed variables, CAST and DATEADD follow the expression rules', () => {
  assert.deepEqual(run(db, "DECLARE @n INT = ''; DECLARE @d DATE = ''; SELECT @n AS n, @d AS d").rows, [{ n: 0, d: '1900-01-01' }]);
  assert.deepEqual(run(db, "SELECT CAST('' AS DATETIME) AS a, CAST(' 12 ' AS INT) AS b, CAST('' AS MONEY) AS c, DATEADD(day, 1, '') AS e").rows,
    [{ a: '1900-01-01 00:00:00', b: 12, c: 0, e: '1900-01-02' }]);
  sqlError(() => run(db, "SELECT CAST('' AS DECIMAL(5,2))"), 8114, /varchar to numeric/);
  sqlError(() => run(db, "SELECT CAST('1.5' AS INT)"), 245);
  sqlError(() => run(db, "SELECT CAST('abc' AS MONEY)"), 235);
});

test('SET DATEFORMAT dmy / SET LANGUAGE british read DD/MM/YYYY for the rest of the batch only', () => {
  assert.deepEqual(run(db, "SET DATEFORMAT dmy; SELECT CAST('14/03/1985' AS DATE) AS d").rows, [{ d: '1985-03-14' }]);
  assert.deepEqual(run(db, "SET LANGUAGE british; DECLARE @d DATE = '05/03/2024'; SELECT @d AS d").rows, [{ d: '2024-03-05' }]);
  assert.deepEqual(run(db, "SELECT CAST('05/03/2024' AS DATE) AS d").rows, [{ d: '2024-05-03' }]);
  sqlError(() => run(db, "SELECT CAST('14/03/1985' AS DATE)"), 241);
  sqlError(() => run(db, "SET DATEFORMAT xyz"), 2741);
});

const vc = (value: string | null) => ({ direction: 'input' as const, sqlType: 'VarChar', value });

test("text queries: a VarChar compared with an int column converts ('12', ' 12 ' match; '' is 0; '1.5' / 'abc' are 245)", () => {
  const one = (v: string) => run(db, 'SELECT InternalID FROM PATIENTS WHERE InternalID = @id', [{ name: '@id', ...vc(v) }]).rows;
  assert.deepEqual(one('12'), [{ InternalID: 12 }]);
  assert.deepEqual(one(' 12 '), [{ InternalID: 12 }]);
  assert.deepEqual(one(''), []);
  sqlError(() => one('1.5'), 245, /varchar value '1.5' to data type int/);
  sqlError(() => one('abc'), 245);
  assert.deepEqual(run(db, "SELECT InternalID FROM BPS_Patients WHERE InternalID IN ('3', @a) ORDER BY InternalID", [{ name: '@a', ...vc('4') }]).rows,
    [{ InternalID: 3 }, { InternalID: 4 }]);
  assert.equal(run(db, "SELECT COUNT(*) AS n FROM PATIENTS WHERE INTERNALID BETWEEN '1' AND @b", [{ name: '@b', ...vc('5') }]).rows[0]?.n, 5);
  sqlError(() => run(db, "SELECT 1 FROM APPOINTMENTS WHERE '1.5' = USERID"), 245);
  // a view column named like an int column but holding text is compared as text
  const type = run(db, 'SELECT TOP 1 AppointmentType FROM BPS_Appointments WHERE AppointmentType IS NOT NULL').rows[0]?.AppointmentType;
  assert.ok(run(db, 'SELECT TOP 1 1 AS x FROM BPS_Appointments WHERE AppointmentType = @t', [{ name: '@t', ...vc(String(type)) }]).rows.length === 1);
});

test("text queries: '' compared with a date column is 1900-01-01; a non-date is 241", () => {
  assert.equal(run(db, 'SELECT COUNT(*) AS n FROM PATIENTS WHERE DOB = @d', [{ name: '@d', ...vc('') }]).rows[0]?.n, 0);
  assert.ok(Number(run(db, 'SELECT COUNT(*) AS n FROM PATIENTS WHERE DOB > @d', [{ name: '@d', ...vc('') }]).rows[0]?.n) > 100);
  sqlError(() => run(db, 'SELECT 1 FROM PATIENTS WHERE DOB = @d', [{ name: '@d', ...vc('soon') }]), 241);
});

test('INSERT and UPDATE convert text into the int and date columns of the target table', () => {
  const id = Number(run(db, `INSERT INTO PATIENTS (FIRSTNAME, SURNAME, DOB, SEXCODE, TITLECODE, PENSIONEXPIRY, RECORDSTATUS, POSTCODE, PATIENTSTATUS)
    VALUES ('Typed', 'Insert', '19800102', @sex, '', @pe, ' 1 ', @pc, 1); SELECT SCOPE_IDENTITY() AS id`,
  [{ name: '@sex', ...vc('2') }, { name: '@pe', ...vc('') }, { name: '@pc', ...vc('2000') }]).rows[0]?.id);
  const row = () => run(db, 'SELECT DOB, SEXCODE, TITLECODE, PENSIONEXPIRY, RECORDSTATUS, POSTCODE FROM PATIENTS WHERE INTERNALID = @id', { id }).rows[0];
  assert.deepEqual(row(), { DOB: '1980-01-02', SEXCODE: 2, TITLECODE: 0, PENSIONEXPIRY: '1900-01-01', RECORDSTATUS: 1, POSTCODE: '2000' });
  run(db, 'UPDATE PATIENTS SET SEXCODE = @s, PENSIONEXPIRY = @e, CITY = @c WHERE INTERNALID = @id',
    [{ name: '@s', ...vc('1') }, { name: '@e', ...vc('2030-06-30') }, { name: '@c', ...vc('Ryde') }, { name: '@id', ...vc(String(id)) }]);
  assert.deepEqual(row(), { DOB: '1980-01-02', SEXCODE: 1, TITLECODE: 0, PENSIONEXPIRY: '2030-06-30', RECORDSTATUS: 1, POSTCODE: '2000' });
  sqlError(() => run(db, 'UPDATE PATIENTS SET SEXCODE = @s WHERE INTERNALID = @id', [{ name: '@s', ...vc('x') }, { name: '@id', ...vc(String(id)) }]), 245);
  sqlError(() => run(db, "INSERT INTO PATIENTS (FIRSTNAME, DOB, RECORDSTATUS, PATIENTSTATUS) VALUES ('A', 'someday', 1, 1)"), 241);
});

test('NULL into a NOT NULL column is 515 naming the statement, and changes nothing', () => {
  const id = Number(run(db, 'SELECT TOP 1 INTERNALID FROM PATIENTS ORDER BY INTERNALID').rows[0]?.INTERNALID);
  sqlError(() => run(db, 'UPDATE PATIENTS SET RECORDSTATUS = NULL WHERE INTERNALID = @id', { id }), 515,
    /^Cannot insert the value NULL into column 'RECORDSTATUS', table 'BPSPatients\.dbo\.PATIENTS'; column does not allow nulls\. UPDATE fails\.$/);
  assert.equal(run(db, 'SELECT RECORDSTATUS FROM PATIENTS WHERE INTERNALID = @id', { id }).rows[0]?.RECORDSTATUS, 1);
  sqlError(() => run(db, "INSERT INTO PATIENTS (FIRSTNAME, SURNAME, PATIENTSTATUS) VALUES ('No', 'Status', 1)"), 515, /'RECORDSTATUS'.*INSERT fails\.$/);
  sqlError(() => run(db, "INSERT INTO APPOINTMENTS (INTERNALID, RECORDSTATUS, USERID, APPOINTMENTDATE, APPOINTMENTTIME, APPOINTMENTLENGTH, APPOINTMENTCODE) VALUES (1, 1, 1, '2026-01-06', 0, 900, 1)"),
    515, /'APPOINTMENTTYPE', table 'BPSPatients\.dbo\.APPOINTMENTS'/);
});

test('every view column treated as an integer column holds only integers', async () => {
  const { INT_COLUMN_NAMES, VIEWS } = await import('../src/views.js');
  for (const view of Object.keys(VIEWS)) {
    const cols = run(db, `SELECT TOP 1 * FROM ${view}`).columns ?? [];
    for (const c of cols.filter((x) => INT_COLUMN_NAMES.has(x.toUpperCase()))) {
      const values = run(db, `SELECT DISTINCT ${c} AS v FROM ${view}`).rows.map((r) => r.v);
      assert.ok(values.every((v) => v === null || Number.isInteger(v)), `${view}.${c} holds non-integers`);
    }
  }
});

test("int → datetime in date functions: DATEDIFF(dd, 0, x) is a day number, DATEADD(dd, n, <int>) a midnight ('today' idiom)", () => {
  assert.deepEqual(run(db, "SELECT DATEDIFF(dd, 0, '2026-01-05') AS n, DATEADD(dd, 0, DATEDIFF(dd, 0, '2026-01-05 14:30:00')) AS d").rows,
    [{ n: 46025, d: '2026-01-05' }]);
  const today = run(db, 'SELECT DATEADD(dd, @days, DATEDIFF(dd, 0, GETDATE())) AS d', [{ name: '@days', direction: 'input', sqlType: 'Int', value: 0 }]).rows[0]?.d;
  const n = new Date();
  assert.equal(today, `${n.getFullYear()}-${String(n.getMonth() + 1).padStart(2, '0')}-${String(n.getDate()).padStart(2, '0')}`);
  const count = (sql: string) => Number(run(db, sql).rows[0]?.n);
  assert.equal(count("SELECT COUNT(*) AS n FROM APPOINTMENTS a WHERE a.APPOINTMENTDATE = DATEADD(dd, 0, DATEDIFF(dd, 0, '2026-01-06'))"),
    count("SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE APPOINTMENTDATE = '2026-01-06'"));
});

test('a string meeting a column: 241 for an impossible day against a date column, 242 against a datetime column', () => {
  // PATIENTS.DOB is date; APPOINTMENTS.CREATED is datetime (schema.ts).
  sqlError(() => run(db, "SELECT InternalID FROM BPS_Patients WHERE DOB = '2024-02-31'"), 241);
  sqlError(() => run(db, "SELECT RECORDID FROM APPOINTMENTS WHERE CREATED = '2024-02-31'"), 242);
  assert.equal(run(db, "SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE CREATED > '2000-01-01'").rows.length, 1);
});

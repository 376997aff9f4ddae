// What SQL Server refuses, replayed through a real Cloud and a real Link: the refusal comes back as
// the Halo failed-query answer (HTTP 400, status executionFailed) with errorDetails carrying SQL
// Server's own error number, and nothing is written. Next to each refusal, the value SQL Server would
// accept in the same place is accepted.
//
// The patient this file works on is added with the text-batch form of BP_AddPatient that a public
// Python Halo client keeps in its SQL file: EXEC BPSPATIENTS.dbo.BP_AddPatient with one named
// argument per line, literal 0 for the codes, '' for unused fields, `@pensionexpiry = null`, and a
// `-- comment` after every argument.
//
// Error numbers (SQL Server 2005–2022; e.g. codewithsql.com/errors/8114 and Microsoft's
// "Database engine events and errors"): 8114 "Error converting data type varchar to int/date." when a
// procedure parameter cannot take the value; 245 "Conversion failed when converting the varchar value
// '…' to data type int." when a comparison converts a string to int; 241 "Conversion failed when
// converting date and/or time from character string." for a comparison with a date column (242
// "…resulted in an out-of-range value." when the column is a datetime, sql-server-helper.com msg-242); 515 "Cannot insert the
// value NULL into column …; column does not allow nulls." (PATIENTS.RECORDSTATUS is NOT NULL in Bp: a
// non-nullable int in the EF Core scaffold of a real BPSPatients database,
// github.com/2tajshariff/nrme.Booking.Api Models/BPPatients/Patients.cs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openReplayTarget, type ReplayTarget } from './support/replay/target.js';
import { input, ok, rowsOf, sqlErrorOf, type HaloClient } from './support/replay/halo.js';
import { localDate, uniqueName, type PracticeDb } from './support/replay/practice.js';

let target: ReplayTarget;
let halo: HaloClient;
let practice: PracticeDb;

before(async () => {
  target = await openReplayTarget();
  halo = target.halo;
  practice = target.practice;
});
after(async () => {
  await target?.close();
});

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const firstname = cap(uniqueName(''));
const surname = cap(uniqueName('refusal'));
const dob = '1979-11-23';
let patientId: number | undefined;
function need(): number {
  if (patientId === undefined) throw new Error('this step needs "1. add patient (text batch)" to have passed');
  return patientId;
}

const ADD_PATIENT = `
EXEC BPSPATIENTS.dbo.BP_AddPatient
    @titlecode = 0,
    @firstname = @firstname, -- replace with actual first name
    @middlename = '', -- empty value
    @surname = @surname, -- replace with actual surname
    @preferredname = '', -- empty value
    @address1 = '', -- empty value
    @address2 = '', -- empty value
    @city = '', -- empty value
    @postcode = '', -- empty value
    @postaladdress = '', -- empty value
    @postalcity = '', -- empty value
    @postalpostcode = '', -- empty value
    @dob = @dob, -- yyyy-mm-dd
    @sexcode = 0, -- default value
    @homephone = '', -- empty value
    @workphone = '', -- empty value
    @mobilephone = @mobilephone,
    @medicareno = '', -- empty value
    @medicarelineno = '', -- empty value
    @medicareexpiry = '', -- empty value
    @pensioncode = 0, -- default value
    @pensionno = '', -- empty value
    @pensionexpiry = null, -- null value
    @dvacode = 0, -- default value
    @dvano = '', -- empty value
    @recordno = '', -- empty value
    @externalid = '', -- empty value
    @email = ''; -- empty value
`;

test('1. add patient (text batch): literal 0, \'\' and null arguments are accepted', async () => {
  ok(await halo.call(ADD_PATIENT, [
    input('@firstname', 'VarChar', firstname),
    input('@surname', 'VarChar', surname),
    input('@dob', 'VarChar', dob),
    input('@mobilephone', 'VarChar', '0411222333'),
  ], { mode: 'nonQuery' }));
  const rows = practice.all('SELECT * FROM PATIENTS WHERE SURNAME = ?', surname);
  assert.equal(rows.length, 1);
  const p = rows[0]!;
  assert.deepEqual([p.FIRSTNAME, p.DOB, p.MOBILEPHONE, p.TITLECODE, p.SEXCODE, p.MEDICAREEXPIRY, p.PENSIONEXPIRY, p.RECORDSTATUS],
    [firstname, dob, '0411222333', 0, 0, '', null, 1]);
  patientId = Number(p.INTERNALID);
});

test('2. a numeric string into an Int procedure parameter is converted; \'abc\' is refused with 8114', async () => {
  const id = need();
  const asInt = rowsOf(await halo.proc('BP_GetPatientByInternalID', [input('@patientid', 'Int', String(id))]));
  const asText = rowsOf(await halo.proc('BP_GetPatientByInternalID', [input('@patientid', 'VarChar', String(id))]));
  assert.equal(asInt.length, 1);
  assert.deepEqual(asText, asInt);
  const e = sqlErrorOf(await halo.proc('BP_GetPatientByInternalID', [input('@patientid', 'VarChar', 'abc')]));
  assert.deepEqual([e.errorType, e.errorCode], ['mssql', 8114]);
  assert.match(e.errorMessage, /Error converting data type varchar to int/);
});

test('3. \'abc\' compared with an int column in a text query is refused with 245, as a parameter and as a literal', async () => {
  const id = need();
  const sql = 'SELECT InternalID, Surname FROM BPS_Patients WHERE InternalID = @id';
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@id', 'VarChar', String(id))])), [{ InternalID: id, Surname: surname }]);
  const e = sqlErrorOf(await halo.call(sql, [input('@id', 'VarChar', 'abc')]));
  assert.deepEqual([e.errorType, e.errorCode], ['mssql', 245]);
  assert.match(e.errorMessage, /Conversion failed when converting the varchar value 'abc' to data type int/);
  const l = sqlErrorOf(await halo.call("SELECT InternalID FROM BPS_Patients WHERE InternalID = 'abc'"));
  assert.equal(l.errorCode, 245);
});

test('4. \'31/02/2024\' for a date procedure parameter is refused with 8114; an ISO date string is accepted', async () => {
  const doctor = rowsOf(await halo.proc('BP_GetAppointmentBookUsers'))[0]!;
  const userid = input('@userid', 'Int', String(doctor.UserID));
  // An ISO date string converts; the first day the practitioner is not away answers 200 (Bp raises an
  // error on a day away, which the generated practice has now and then).
  let accepted = false;
  for (let day = 1; day <= 28 && !accepted; day++) {
    const reply = await halo.proc('BP_GetFreeAppointments', [userid, input('@aptdate', 'VarChar', localDate(day))]);
    if (reply.status !== 200 && /away on that date/.test(String(reply.body?.errorDetails?.errorMessage))) continue;
    ok(reply);
    accepted = true;
  }
  assert.ok(accepted, 'the practitioner is away on each of the next 28 days');
  const e = sqlErrorOf(await halo.proc('BP_GetFreeAppointments', [userid, input('@aptdate', 'VarChar', '31/02/2024')]));
  assert.deepEqual([e.errorType, e.errorCode], ['mssql', 8114]);
  assert.match(e.errorMessage, /Error converting data type varchar to date/);
});

test('5. \'31/02/2024\' compared with a date column is refused with 241 (242 for a datetime), as a parameter and as a literal', async () => {
  const id = need();
  const sql = 'SELECT InternalID FROM BPS_Patients WHERE Surname = @s AND DOB = @dob';
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@s', 'VarChar', surname), input('@dob', 'VarChar', dob)])), [{ InternalID: id }]);
  // SQL Server raises 241 when the target is a date and 242 (out of range) when it is a datetime;
  // the simulated column's declared type says which the practice has.
  const declared = String(practice.all('PRAGMA table_info(PATIENTS)').find((c) => c.name === 'DOB')?.type).toLowerCase();
  const [code, message] = declared === 'date'
    ? [241, /Conversion failed when converting date and\/or time from character string/]
    : [242, /conversion of a varchar data type to a datetime data type resulted in an out-of-range value/];
  const p = sqlErrorOf(await halo.call(sql, [input('@s', 'VarChar', surname), input('@dob', 'VarChar', '31/02/2024')]));
  assert.deepEqual([p.errorType, p.errorCode], ['mssql', code], `DOB is declared ${declared}`);
  assert.match(p.errorMessage, message);
  const l = sqlErrorOf(await halo.call("SELECT InternalID FROM BPS_Patients WHERE DOB = '31/02/2024'"));
  assert.equal(l.errorCode, code);
});

test('6. NULL into a NOT NULL column is refused with 515 and changes nothing', async () => {
  const id = need();
  const e = sqlErrorOf(await halo.call('UPDATE PATIENTS SET RECORDSTATUS = NULL WHERE INTERNALID = @id', [input('@id', 'Int', String(id))], { mode: 'nonQuery' }));
  assert.deepEqual([e.errorType, e.errorCode], ['mssql', 515]);
  assert.match(e.errorMessage, /Cannot insert the value NULL into column 'RECORDSTATUS'/);
  assert.equal(practice.patient(id)!.RECORDSTATUS, 1);
});

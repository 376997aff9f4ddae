// Replay of a booking product's call sequence, end to end through a real Cloud and a real Link.
//
// Client style reproduced: a public Python Halo Connect client of an automated booking receptionist
// (an httpx class with one method per step). It posts every call to the immediate-query endpoint with
// parameters written as {name, value, direction: "input", type} and every value a string: ids as
// str(n) typed "Int", dates typed "Date", and for BP_AddPatient all 28 parameters, most typed
// "VarChar" with '' for unused fields (even @medicareexpiry, a date), "0" for the Int codes and one
// "Date" (@pensionexpiry) whose value is null. Procedures are called with type "storedProcedure"
// (some as BPSPATIENTS.dbo.BP_…); patient lookups are text queries with LIKE patterns made of the
// first three letters of each name and CAST(DOB AS DATE) = CAST(@dob AS DATE); the booking is a text
// batch DECLARE @AppointmentId INT; EXEC @AppointmentId = BPSPATIENTS.dbo.BP_AddAppointment
// @aptdate = @aptdate, …; SELECT @AppointmentId AS AppointmentId. The same project's SQL file spells
// the batch with `SELECT appointment_id = @return_value` and searches with TOP (40) and an optional
// DOB (@dob IS NULL OR …); those shapes are replayed too. Reporting-view lookups (BPS_Patients with
// VarChar parameters for the surname pattern and the DOB) are the form the issue reports.
//
// Each step is one test and is checked against the practice database read directly (PracticeDb).
// CONDUIT_REPLAY_DEMO=.conduit/demo.json runs the same steps against a running `npm start` demo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openReplayTarget, type ReplayTarget } from './support/replay/target.js';
import { input, ok, rowsOf, type HaloClient } from './support/replay/halo.js';
import { localDate, uniqueName, type PracticeDb, type Row } from './support/replay/practice.js';

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
// This run's patient: letters-only names and a random date of birth, so a demo that has seen earlier
// runs still finds exactly one match.
const firstname = cap(uniqueName(''));
const surname = cap(uniqueName('replay'));
const dob = `${1950 + Math.floor(Math.random() * 50)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`;
const mobile = `04${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

interface Slot { time: number; length: number }
const state: {
  doctors?: Row[];
  doctor?: Row;
  date?: string;
  free?: Slot[];
  patientId?: number;
  appointmentId?: number;
  bookedTime?: number;
} = {};

function need<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`this step needs "${step}" to have passed`);
  return value;
}

const freeTimes = async (userId: number, date: string): Promise<Row[]> =>
  rowsOf(await halo.proc('BP_GetFreeAppointments', [input('@userid', 'Int', String(userId)), input('@aptdate', 'Date', date)]));

/** Slots a practitioner's weekly (non-rotating) sessions offer on a date that no active appointment overlaps. */
function expectedFreeSlots(userId: number, date: string): Slot[] {
  const booked = practice.bookedRanges(userId, date);
  const out: Slot[] = [];
  for (const s of practice.sessionsOn(userId, date)) {
    const [start, end, len] = [Number(s.STARTTIME), Number(s.ENDTIME), Number(s.LENGTH)];
    if (!(len > 0)) continue;
    for (let t = start; t + len <= end; t += len) {
      if (!booked.some(([a, b]) => a < t + len && b > t)) out.push({ time: t, length: len });
    }
  }
  return out;
}

test('1. doctors: BP_GetAppointmentBookUsers lists the practitioners with an appointment book', async () => {
  const rows = rowsOf(await halo.proc('BPSPATIENTS.dbo.BP_GetAppointmentBookUsers'));
  const db = practice.all(`SELECT USERID, FIRSTNAME, SURNAME, LOCATIONID FROM USERS
    WHERE APPOINTMENTS = 1 AND RECORDSTATUS = 1 AND COALESCE(USERSTATUS, 1) <> 999 ORDER BY USERID`);
  assert.ok(db.length > 0, 'the practice has practitioners');
  const got = rows.map((r) => [r.UserID, r.Firstname, r.Surname, r.LocationID]).sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(got, db.map((u) => [u.USERID, u.FIRSTNAME, u.SURNAME, u.LOCATIONID]));
  state.doctors = rows;
});

test('2. free times: BP_GetFreeAppointments with @userid "Int" as a string and @aptdate "Date"', async () => {
  const doctors = need(state.doctors, '1. doctors');
  // The first practitioner and day (from tomorrow) that the database says has free weekly slots.
  for (let day = 1; day <= 21 && !state.date; day++) {
    const date = localDate(day);
    for (const d of doctors) {
      const userId = Number(d.UserID);
      if (practice.get('SELECT 1 FROM DAYSAWAY WHERE USERID = ? AND RECORDSTATUS = 1 AND STARTDATE <= ? AND FINISHDATE >= ?', userId, date, date)) continue;
      const weekly = practice.all('SELECT 1 FROM SESSIONS WHERE USERID = ? AND RECORDSTATUS = 1 AND COALESCE(WEEKS, 1) > 1', userId);
      if (weekly.length > 0) continue; // rotating rosters: keep the expectation simple and exact
      const expected = expectedFreeSlots(userId, date);
      if (expected.length < 2) continue;
      const rows = await freeTimes(userId, date);
      assert.deepEqual(rows.map((r) => [r.AppointmentTime, r.AppointmentLength]), expected.map((s) => [s.time, s.length]),
        `free slots of practitioner ${userId} on ${date}`);
      state.doctor = d;
      state.date = date;
      state.free = expected;
      break;
    }
  }
  assert.ok(state.date, 'some practitioner has at least two free slots in the next three weeks');
});

test('3. add patient: BP_AddPatient with 28 string-typed parameters, \'\' for unused fields and a null Date', async () => {
  const reply = await halo.proc('BPSPATIENTS.dbo.BP_AddPatient', [
    input('@titlecode', 'Int', '0'),
    input('@firstname', 'VarChar', firstname),
    input('@middlename', 'VarChar', ''),
    input('@surname', 'VarChar', surname),
    input('@preferredname', 'VarChar', ''),
    input('@address1', 'VarChar', ''),
    input('@address2', 'VarChar', ''),
    input('@city', 'VarChar', ''),
    input('@postcode', 'VarChar', ''),
    input('@postaladdress', 'VarChar', ''),
    input('@postalcity', 'VarChar', ''),
    input('@postalpostcode', 'VarChar', ''),
    input('@dob', 'Date', dob),
    input('@sexcode', 'Int', '0'),
    input('@homephone', 'VarChar', ''),
    input('@workphone', 'VarChar', ''),
    input('@mobilephone', 'VarChar', mobile),
    input('@medicareno', 'VarChar', ''),
    input('@medicarelineno', 'VarChar', ''),
    input('@medicareexpiry', 'VarChar', ''),
    input('@pensioncode', 'Int', '0'),
    input('@pensionno', 'VarChar', ''),
    input('@pensionexpiry', 'Date', null),
    input('@dvacode', 'Int', '0'),
    input('@dvano', 'VarChar', ''),
    input('@recordno', 'VarChar', ''),
    input('@externalid', 'VarChar', ''),
    input('@email', 'VarChar', ''),
  ], 'nonQuery');
  ok(reply);
  const rows = practice.all('SELECT * FROM PATIENTS WHERE SURNAME = ?', surname);
  assert.equal(rows.length, 1, 'one new patient');
  const p = rows[0]!;
  assert.deepEqual(
    [p.FIRSTNAME, p.SURNAME, p.DOB, p.MOBILEPHONE, p.TITLECODE, p.SEXCODE, p.PENSIONCODE, p.DVACODE, p.MIDDLENAME, p.MEDICARENO, p.RECORDSTATUS],
    [firstname, surname, dob, mobile, 0, 0, 0, 0, '', '', 1],
  );
  // MEDICAREEXPIRY is a varchar column in Bp (the EF Core scaffold of a real BPSPatients database,
  // github.com/2tajshariff/nrme.Booking.Api Models/BPPatients/Patients.cs, maps it to string while
  // DOB and PENSIONEXPIRY are DateTime?), which is why clients send it as VarChar '': it is kept as
  // given. The Date parameter sent as null stays NULL.
  assert.equal(p.MEDICAREEXPIRY, '');
  assert.equal(p.PENSIONEXPIRY, null);
  state.patientId = Number(p.INTERNALID);
});

test('4. find the patient: FIRSTNAME/SURNAME LIKE \'%abc%\' and CAST(DOB AS DATE) = CAST(@dob AS DATE) on PATIENTS', async () => {
  const id = need(state.patientId, '3. add patient');
  const rows = rowsOf(await halo.call(`SELECT 
    InternalID, MedicareLineNo, MedicareExpiry, PensionCode, DVACode
FROM 
    BPSPATIENTS.dbo.PATIENTS 
WHERE 
    FIRSTNAME LIKE @firstname 
    AND SURNAME LIKE @surname 
    AND CAST(DOB AS DATE) = CAST(@dob AS DATE)
    AND RECORDSTATUS = 1 AND PATIENTSTATUS = 1`, [
    input('@firstname', 'VarChar', `%${firstname.slice(0, 3)}%`),
    input('@surname', 'VarChar', `%${surname.slice(0, 3)}%`),
    input('@dob', 'Date', dob),
  ]));
  const p = practice.patient(id)!;
  const mine = rows.filter((r) => r.InternalID === id);
  assert.deepEqual(mine, [{ InternalID: id, MedicareLineNo: p.MEDICARELINENO, MedicareExpiry: p.MEDICAREEXPIRY, PensionCode: p.PENSIONCODE, DVACode: p.DVACODE }]);
  // Every other row matches the same pattern in the database (other patients born that day with those letters).
  const others = practice.all(`SELECT INTERNALID FROM PATIENTS WHERE FIRSTNAME LIKE ? AND SURNAME LIKE ? AND DOB = ? AND RECORDSTATUS = 1 AND PATIENTSTATUS = 1 ORDER BY INTERNALID`,
    `%${firstname.slice(0, 3)}%`, `%${surname.slice(0, 3)}%`, dob);
  assert.deepEqual(rows.map((r) => r.InternalID).sort((a, b) => Number(a) - Number(b)), others.map((o) => o.INTERNALID));
});

test('4b. find the patient: EXECUTE BPSPATIENTS.dbo.BP_GetPatientByNameDOB @firstname = @firstname, @surname = @surname, @dob = @dob', async () => {
  const id = need(state.patientId, '3. add patient');
  const rows = rowsOf(await halo.call('EXECUTE BPSPATIENTS.dbo.BP_GetPatientByNameDOB \n    @firstname = @firstname, \n    @surname = @surname, \n    @dob = @dob;', [
    input('@firstname', 'VarChar', firstname),
    input('@surname', 'VarChar', surname),
    input('@dob', 'VarChar', dob),
  ]));
  const p = practice.patient(id)!;
  assert.deepEqual(rows.map((r) => [r.InternalID, r.Firstname, r.Surname, r.DOB, r.MobilePhone]), [[id, p.FIRSTNAME, p.SURNAME, p.DOB, p.MOBILEPHONE]]);
});

test('5. find the patient on BPS_Patients: Surname LIKE @s AND DOB = @dob with VarChar parameters', async () => {
  const id = need(state.patientId, '3. add patient');
  const sql = 'SELECT InternalID, Firstname, Surname, DOB, MobilePhone FROM BPS_Patients WHERE Surname LIKE @s AND DOB = @dob';
  const expected = [{ InternalID: id, Firstname: firstname, Surname: surname, DOB: dob, MobilePhone: mobile }];
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@s', 'VarChar', `${surname.slice(0, -2)}%`), input('@dob', 'VarChar', dob)])), expected);
  // SQL Server also reads the unseparated ISO form YYYYMMDD as a date, whatever the DATEFORMAT.
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@s', 'VarChar', `${surname.slice(0, -2)}%`), input('@dob', 'VarChar', dob.replace(/-/g, ''))])), expected);
});

test('6. search by name with an optional DOB: TOP (40), @dob IS NULL OR …, ORDER BY DOB DESC', async () => {
  const id = need(state.patientId, '3. add patient');
  const sql = `SELECT TOP (40)
    InternalID, FIRSTNAME, SURNAME, DOB, MOBILEPHONE
FROM BPSPATIENTS.dbo.PATIENTS
WHERE RECORDSTATUS = 1 AND PATIENTSTATUS = 1
    AND FIRSTNAME LIKE @firstname
    AND SURNAME LIKE @surname
    AND (@dob IS NULL OR CAST(DOB AS DATE) = CAST(@dob AS DATE))
ORDER BY DOB DESC;`;
  const mineOnly = [{ InternalID: id, FIRSTNAME: firstname, SURNAME: surname, DOB: dob, MOBILEPHONE: mobile }];
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@firstname', 'VarChar', `%${firstname}%`), input('@surname', 'VarChar', `%${surname}%`), input('@dob', 'Date', null)])), mineOnly);
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@firstname', 'VarChar', `%${firstname}%`), input('@surname', 'VarChar', `%${surname}%`), input('@dob', 'Date', dob)])), mineOnly);
  assert.deepEqual(rowsOf(await halo.call(sql, [input('@firstname', 'VarChar', `%${firstname}%`), input('@surname', 'VarChar', `%${surname}%`), input('@dob', 'Date', '1901-01-01')])), []);
});

test('7. book: DECLARE @AppointmentId INT; EXEC @AppointmentId = BPSPATIENTS.dbo.BP_AddAppointment @aptdate = @aptdate, …; SELECT', async () => {
  const patientId = need(state.patientId, '3. add patient');
  const doctor = need(state.doctor, '2. free times');
  const date = need(state.date, '2. free times');
  const slot = need(state.free, '2. free times')[0]!;
  const rows = rowsOf(await halo.call(
    'DECLARE @AppointmentId INT; EXEC @AppointmentId = BPSPATIENTS.dbo.BP_AddAppointment @aptdate = @aptdate, @apttime = @apttime, @aptlen = @aptlen, ' +
    '@practitionerid = @practitionerid, @patientid = @patientid, @locationid = @locationid; SELECT @AppointmentId AS AppointmentId;', [
      input('@aptdate', 'Date', date),
      input('@apttime', 'Int', String(slot.time)),
      input('@aptlen', 'Int', String(slot.length)),
      input('@practitionerid', 'Int', String(doctor.UserID)),
      input('@patientid', 'Int', String(patientId)),
      input('@locationid', 'Int', String(doctor.LocationID)),
    ]));
  assert.equal(rows.length, 1);
  const id = Number(rows[0]!.AppointmentId);
  assert.ok(id > 0, `a new appointment id, got ${JSON.stringify(rows)}`);
  const a = practice.appointment(id)!;
  assert.deepEqual(
    [a.INTERNALID, a.USERID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, a.APPOINTMENTLENGTH, a.LOCATIONID, a.RECORDSTATUS, a.APPOINTMENTCODE],
    [patientId, doctor.UserID, date, slot.time, slot.length, doctor.LocationID, 1, 1],
  );
  const free = await freeTimes(Number(doctor.UserID), date);
  assert.ok(!free.some((r) => r.AppointmentTime === slot.time), 'the booked slot is no longer free');
  state.appointmentId = id;
  state.bookedTime = slot.time;
});

test('8. a second booking of the same slot (SELECT appointment_id = @return_value) answers 0 and books nothing', async () => {
  const patientId = need(state.patientId, '3. add patient');
  const doctor = need(state.doctor, '2. free times');
  const date = need(state.date, '2. free times');
  const time = need(state.bookedTime, '7. book');
  const before = practice.all('SELECT RECORDID FROM APPOINTMENTS WHERE USERID = ? AND APPOINTMENTDATE = ? AND APPOINTMENTTIME = ? AND RECORDSTATUS = 1', doctor.UserID, date, time);
  const rows = rowsOf(await halo.call(`
    DECLARE @return_value INT;
    EXEC @return_value = BPSPATIENTS.dbo.BP_AddAppointment 
        @aptdate=@aptdate, @apttime=@apttime, @aptlen=@aptlen, 
        @practitionerid=@practitionerid, @patientid=@patientid, @locationid=@locationid;
    SELECT appointment_id = @return_value;`, [
    input('@aptdate', 'Date', date),
    input('@apttime', 'Int', String(time)),
    input('@aptlen', 'Int', String(need(state.free, '2. free times')[0]!.length)),
    input('@practitionerid', 'Int', String(doctor.UserID)),
    input('@patientid', 'Int', String(patientId)),
    input('@locationid', 'Int', String(doctor.LocationID)),
  ]));
  assert.deepEqual(rows, [{ appointment_id: 0 }]);
  const after = practice.all('SELECT RECORDID FROM APPOINTMENTS WHERE USERID = ? AND APPOINTMENTDATE = ? AND APPOINTMENTTIME = ? AND RECORDSTATUS = 1', doctor.UserID, date, time);
  assert.deepEqual(after, before);
});

const patientAppointments = async (patientId: number): Promise<Row[]> =>
  rowsOf(await halo.proc('BP_GetPatientAppointments', [input('@patientid', 'Int', String(patientId))]));

const statusText = (code: number): unknown => practice.get('SELECT DESCRIPTION FROM APPOINTMENTCODES WHERE APPOINTMENTCODE = ?', code)?.DESCRIPTION;

test('9. list: BP_GetPatientAppointments shows the booking as the database holds it', async () => {
  const patientId = need(state.patientId, '3. add patient');
  const id = need(state.appointmentId, '7. book');
  const a = practice.appointment(id)!;
  const rows = await patientAppointments(patientId);
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.deepEqual(
    [r.RecordID, r.UserID, r.AppointmentDate, r.AppointmentTime, r.AppointmentLength, r.AppointmentCode, r.Status, r.LocationID],
    [id, a.USERID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, a.APPOINTMENTLENGTH, a.APPOINTMENTCODE, statusText(Number(a.APPOINTMENTCODE)), a.LOCATIONID],
  );
  assert.equal(r.Status, 'Booked');
});

test('10. update the patient: BP_UpdatePatientContacts, BP_UpdatePatientAddress and BP_UpdatePatientEmail with VarChar values', async () => {
  const patientId = need(state.patientId, '3. add patient');
  const pid = input('@patientid', 'Int', String(patientId));
  const newMobile = `04${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  ok(await halo.proc('BPSPATIENTS.dbo.BP_UpdatePatientContacts', [pid, input('@homephone', 'VarChar', '0398765432'), input('@workphone', 'VarChar', ''), input('@mobilephone', 'VarChar', newMobile)], 'nonQuery'));
  ok(await halo.proc('BPSPATIENTS.dbo.BP_UpdatePatientAddress', [pid, input('@address1', 'VarChar', '12 Replay Street'), input('@address2', 'VarChar', ''), input('@city', 'VarChar', 'Carlton'), input('@postcode', 'VarChar', '3053')], 'nonQuery'));
  ok(await halo.proc('BPSPATIENTS.dbo.BP_UpdatePatientEmail', [pid, input('@email', 'VarChar', `${firstname.toLowerCase()}@example.com`)], 'nonQuery'));
  const p = practice.patient(patientId)!;
  assert.deepEqual(
    [p.HOMEPHONE, p.WORKPHONE, p.MOBILEPHONE, p.ADDRESS1, p.ADDRESS2, p.CITY, p.POSTCODE, p.EMAIL, p.FIRSTNAME, p.SURNAME, p.DOB],
    ['0398765432', '', newMobile, '12 Replay Street', '', 'Carlton', '3053', `${firstname.toLowerCase()}@example.com`, firstname, surname, dob],
  );
  const found = rowsOf(await halo.call('SELECT InternalID, MobilePhone, Address1, City, Postcode, Email FROM BPS_Patients WHERE InternalID = @id', [input('@id', 'Int', String(patientId))]));
  assert.deepEqual(found, [{ InternalID: patientId, MobilePhone: newMobile, Address1: '12 Replay Street', City: 'Carlton', Postcode: '3053', Email: `${firstname.toLowerCase()}@example.com` }]);
});

test('11. move: BP_MoveAppointment to the next free slot that day', async () => {
  const id = need(state.appointmentId, '7. book');
  const doctor = need(state.doctor, '2. free times');
  const date = need(state.date, '2. free times');
  const target = need(state.free, '2. free times')[1]!;
  ok(await halo.proc('BPSPATIENTS.dbo.BP_MoveAppointment', [
    input('@aptid', 'Int', String(id)),
    input('@aptdate', 'Date', date),
    input('@apttime', 'Int', String(target.time)),
    input('@practitionerid', 'Int', String(doctor.UserID)),
    input('@locationid', 'Int', String(doctor.LocationID)),
  ], 'nonQuery'));
  const a = practice.appointment(id)!;
  assert.deepEqual([a.APPOINTMENTDATE, a.APPOINTMENTTIME, a.USERID, a.RECORDSTATUS], [date, target.time, doctor.UserID, 1]);
  const free = (await freeTimes(Number(doctor.UserID), date)).map((r) => r.AppointmentTime);
  assert.ok(free.includes(state.bookedTime), 'the old slot is free again');
  assert.ok(!free.includes(target.time), 'the new slot is taken');
  state.bookedTime = target.time;
});

test('12. arrive: BP_ArriveAppointment marks the patient waiting', async () => {
  const patientId = need(state.patientId, '3. add patient');
  const id = need(state.appointmentId, '7. book');
  ok(await halo.proc('BPSPATIENTS.dbo.BP_ArriveAppointment', [input('@aptid', 'Int', String(id))], 'nonQuery'));
  const a = practice.appointment(id)!;
  assert.equal(a.APPOINTMENTCODE, 2);
  assert.equal(typeof a.ARRIVALTIME, 'number');
  const rows = await patientAppointments(patientId);
  assert.deepEqual(rows.map((r) => [r.RecordID, r.AppointmentCode, r.Status]), [[id, 2, statusText(2)]]);
  assert.equal(rows[0]!.Status, 'Waiting');
});

test('13. cancel: BP_CancelAppointment keeps the record as cancelled, logs it, and frees the slot', async () => {
  const patientId = need(state.patientId, '3. add patient');
  const id = need(state.appointmentId, '7. book');
  const doctor = need(state.doctor, '2. free times');
  const date = need(state.date, '2. free times');
  ok(await halo.proc('BPSPATIENTS.dbo.BP_CancelAppointment', [input('@aptid', 'Int', String(id))], 'nonQuery'));
  assert.notEqual(practice.appointment(id)!.RECORDSTATUS, 1);
  assert.equal(practice.all('SELECT * FROM CANCELLEDAPPOINTMENTS WHERE APPOINTMENTID = ?', id).length, 1);
  assert.deepEqual(await patientAppointments(patientId), []);
  const free = (await freeTimes(Number(doctor.UserID), date)).map((r) => r.AppointmentTime);
  assert.ok(free.includes(state.bookedTime), 'the slot is free again');
});

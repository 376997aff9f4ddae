// Replay of a reminders / recall product's call sequence, end to end through a real Cloud and a real Link.
//
// Client styles reproduced, both different from the booking replay:
// - Reporting-view SQL as public Bp practice-analytics and "running late" notifier tools write it:
//   BPS_Appointments read by its view columns (Patient, InternalID, AppointmentDate, AppointmentTime,
//   Provider, Status) over a date range, the day computed in SQL with
//   DATEADD(dd, n, DATEDIFF(dd, 0, GETDATE())), and BPS_Reminders for recalls, with dates passed as
//   'YYYYMMDD' strings.
// - A public Node.js Bp integration that wraps each BP_* procedure in its own small module and names
//   parameters capitalised and without '@' (AptID, PatientID, UserID, Subject, Message, PatID); here
//   its calls go through the Halo immediate-query endpoint as type "storedProcedure", with values as
//   strings the way a Halo client sends them. After reading BP_GetAppointmentDetails it checks the
//   record's status with a raw `SELECT Appointments.RECORDSTATUS from Appointments where
//   Appointments.RECORDID = …`, which is replayed too. Messages to a practitioner go through
//   BP_AddMessage (the Python Halo client's three-parameter form and the Node four-parameter form with
//   PatID); a patient's results through BP_GetInvestigationSummary @InternalID; the practice's
//   locations (BP_GetPracticeLocations) and roster (BP_GetAllSessions) for the message text.
//
// Every step's rows are checked against the practice database read directly.
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

const state: { days?: number; reminders?: Row[]; appointment?: Row } = {};

function need<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`this step needs "${step}" to have passed`);
  return value;
}

const compact = (date: string): string => date.replace(/-/g, '');
const byKey = (r: unknown[]): string => r.map((x) => String(x).padStart(12, '0')).join('|');
const sorted = (rows: unknown[][]): unknown[][] => [...rows].sort((a, b) => byKey(a).localeCompare(byKey(b)));

test('0a. the practice\'s locations for the message footer: BP_GetPracticeLocations', async () => {
  const rows = rowsOf(await halo.proc('BPSPATIENTS.dbo.BP_GetPracticeLocations'));
  const db = practice.all('SELECT LOCATIONID, LOCATIONNAME, PHONE FROM LOCATIONS WHERE RECORDSTATUS = 1 ORDER BY LOCATIONID');
  assert.ok(db.length > 0);
  assert.deepEqual(rows.map((r) => [r.LocationID, r.LocationName, r.Phone]).sort((a, b) => Number(a[0]) - Number(b[0])), db.map((l) => [l.LOCATIONID, l.LOCATIONNAME, l.PHONE]));
});

test('0b. who works which day: BP_GetAllSessions is the practice\'s weekly roster', async () => {
  const rows = rowsOf(await halo.proc('BPSPATIENTS.dbo.BP_GetAllSessions'));
  const db = practice.all('SELECT USERID, DAYOFWEEK, STARTTIME, ENDTIME, LENGTH FROM SESSIONS WHERE RECORDSTATUS = 1');
  assert.ok(db.length > 0);
  assert.deepEqual(sorted(rows.map((r) => [r.UserID, r.DayOfWeek, r.StartTime, r.EndTime, r.Length])), sorted(db.map((r) => [r.USERID, r.DAYOFWEEK, r.STARTTIME, r.ENDTIME, r.LENGTH])));
});

test('1. appointments in a date range: BPS_Appointments by its view columns, BETWEEN two YYYYMMDD strings', async () => {
  const from = localDate(1);
  const to = localDate(7);
  const rows = rowsOf(await halo.call(
    'SELECT Patient, InternalID, AppointmentDate, AppointmentTime, Provider, Status FROM BPS_Appointments WHERE AppointmentDate BETWEEN @from AND @to',
    [input('@from', 'VarChar', compact(from)), input('@to', 'VarChar', compact(to))]));
  const db = practice.all(`SELECT a.INTERNALID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, p.FIRSTNAME, p.SURNAME, u.SURNAME AS PROVIDERSURNAME, c.DESCRIPTION
    FROM APPOINTMENTS a LEFT JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID LEFT JOIN USERS u ON u.USERID = a.USERID
    LEFT JOIN APPOINTMENTCODES c ON c.APPOINTMENTCODE = a.APPOINTMENTCODE
    WHERE a.RECORDSTATUS = 1 AND a.APPOINTMENTDATE BETWEEN ? AND ?`, from, to);
  assert.ok(db.length > 0, 'the practice has appointments in the coming week');
  assert.deepEqual(
    sorted(rows.map((r) => [r.InternalID, r.AppointmentDate, r.AppointmentTime, r.Status, r.Patient])),
    sorted(db.map((a) => [a.INTERNALID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, a.DESCRIPTION, `${a.FIRSTNAME} ${a.SURNAME}`])),
  );
  for (const [i, r] of rows.entries()) {
    const mine = db.filter((a) => a.INTERNALID === r.InternalID && a.APPOINTMENTTIME === r.AppointmentTime && a.APPOINTMENTDATE === r.AppointmentDate);
    assert.ok(mine.some((a) => String(r.Provider).endsWith(` ${String(a.PROVIDERSURNAME)}`)), `row ${i} names its practitioner: ${JSON.stringify(r)} vs ${JSON.stringify(mine)}`);
  }
});

test('2. tomorrow\'s reminders: raw APPOINTMENTS joined to PATIENTS for mobiles, the day as DATEADD(dd, @days, DATEDIFF(dd, 0, GETDATE()))', async () => {
  // The first coming day that has booked appointments, so the reminder list is never empty.
  let days = 1;
  while (days < 14 && !practice.get('SELECT 1 FROM APPOINTMENTS WHERE APPOINTMENTDATE = ? AND RECORDSTATUS = 1 AND APPOINTMENTCODE = 1', localDate(days))) days++;
  const rows = rowsOf(await halo.call(`SELECT a.RECORDID, a.INTERNALID, a.USERID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, p.FIRSTNAME, p.MOBILEPHONE
FROM APPOINTMENTS a INNER JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID
WHERE a.APPOINTMENTDATE = DATEADD(dd, @days, DATEDIFF(dd, 0, GETDATE()))
  AND a.RECORDSTATUS = 1 AND a.APPOINTMENTCODE = 1 AND ISNULL(p.NOREMINDERS, 0) = 0 AND p.MOBILEPHONE <> ''
ORDER BY a.APPOINTMENTTIME, a.RECORDID`, [input('@days', 'Int', String(days))]));
  const db = practice.all(`SELECT a.RECORDID, a.INTERNALID, a.USERID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, p.FIRSTNAME, p.MOBILEPHONE
    FROM APPOINTMENTS a JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID
    WHERE a.APPOINTMENTDATE = ? AND a.RECORDSTATUS = 1 AND a.APPOINTMENTCODE = 1 AND COALESCE(p.NOREMINDERS, 0) = 0 AND p.MOBILEPHONE <> ''
    ORDER BY a.APPOINTMENTTIME, a.RECORDID`, localDate(days));
  assert.ok(db.length > 0, 'someone to remind');
  assert.deepEqual(rows, db);
  state.days = days;
  state.reminders = rows;
});

test('3. appointment details: BP_GetAppointmentDetails with AptID (no \'@\') as the Node client names it', async () => {
  const first = need(state.reminders, '2. reminders')[0]!;
  const rows = rowsOf(await halo.proc('BP_GetAppointmentDetails', [input('AptID', 'Int', String(first.RECORDID))]));
  const db = practice.get(`SELECT p.FIRSTNAME, p.SURNAME, a.APPOINTMENTDATE, a.APPOINTMENTTIME, a.APPOINTMENTTYPE, t.DESCRIPTION, u.FIRSTNAME AS UF, u.SURNAME AS US, ti.TITLE
    FROM APPOINTMENTS a JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID JOIN USERS u ON u.USERID = a.USERID
    LEFT JOIN TITLES ti ON ti.TITLECODE = u.TITLECODE LEFT JOIN APPOINTMENTTYPES t ON t.APPOINTMENTCODE = a.APPOINTMENTTYPE WHERE a.RECORDID = ?`, first.RECORDID)!;
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  // The columns that client reads: patient and practitioner names, date, time, type and its description.
  assert.deepEqual(
    [r.Firstname, r.Surname, r.AppointmentDate, r.AppointmentTime, r.AppointmentType, r.Description, r.UserTitle, r.UserFirstname, r.UserSurname],
    [db.FIRSTNAME, db.SURNAME, db.APPOINTMENTDATE, db.APPOINTMENTTIME, db.APPOINTMENTTYPE, db.DESCRIPTION, db.TITLE, db.UF, db.US],
  );
  const status = rowsOf(await halo.call(`SELECT Appointments.RECORDSTATUS from Appointments where Appointments.RECORDID=${Number(first.RECORDID)}`));
  assert.deepEqual(status, [{ RECORDSTATUS: 1 }]);
  state.appointment = first;
});

test('4. patient contact details: BP_GetPatientByInternalID for the phones and email', async () => {
  const first = need(state.appointment, '3. appointment details');
  const rows = rowsOf(await halo.proc('BP_GetPatientByInternalID', [input('PatientID', 'Int', String(first.INTERNALID))]));
  const p = practice.patient(Number(first.INTERNALID))!;
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.deepEqual([r.InternalID, r.MobilePhone, r.HomePhone, r.WorkPhone, r.Email], [p.INTERNALID, p.MOBILEPHONE, p.HOMEPHONE, p.WORKPHONE, p.EMAIL]);
});

test('5. record the reminder as sent: UPDATE APPOINTMENTS SET REMINDERSENT = 1, REMINDERSENTDATE = GETDATE()', async () => {
  const first = need(state.appointment, '3. appointment details');
  const reply = ok(await halo.call('UPDATE APPOINTMENTS SET REMINDERSENT = 1, REMINDERSENTDATE = GETDATE() WHERE RECORDID = @id AND RECORDSTATUS = 1',
    [input('@id', 'Int', String(first.RECORDID))], { mode: 'nonQuery' }));
  assert.equal(reply.body.result.rowsAffected, 1);
  const a = practice.appointment(Number(first.RECORDID))!;
  assert.equal(a.REMINDERSENT, 1);
  assert.equal(String(a.REMINDERSENTDATE).slice(0, 10), localDate(0));
});

test('6. recalls due: BPS_Reminders between two dates, with each patient\'s mobile from BPS_Patients', async () => {
  const from = localDate(0);
  const to = localDate(120);
  const rows = rowsOf(await halo.call(`SELECT r.InternalID, r.ReminderID, r.ReasonText, r.ReminderDue, p.Firstname, p.MobilePhone
FROM BPS_Reminders r INNER JOIN BPS_Patients p ON p.InternalID = r.InternalID
WHERE r.ReminderDue BETWEEN @from AND @to ORDER BY r.ReminderDue, r.ReminderID`,
  [input('@from', 'VarChar', compact(from)), input('@to', 'VarChar', compact(to))]));
  const db = practice.all(`SELECT r.INTERNALID, r.REMINDERID, r.REASONTEXT, r.REMINDERDUE, p.FIRSTNAME, p.MOBILEPHONE
    FROM REMINDERS r JOIN PATIENTS p ON p.INTERNALID = r.INTERNALID
    WHERE r.RECORDSTATUS = 1 AND p.RECORDSTATUS = 1 AND r.REMINDERDUE BETWEEN ? AND ? ORDER BY r.REMINDERDUE, r.REMINDERID`, from, to);
  assert.ok(db.length > 0, 'recalls are due in the coming months');
  assert.deepEqual(rows.map((r) => Object.values(r)), db.map((r) => Object.values(r)));
});

test('7. message the practitioner: BP_AddMessage as the Python Halo client (@userid, @subject, @message)', async () => {
  const first = need(state.appointment, '3. appointment details');
  const subject = uniqueName('Reminder failed ');
  ok(await halo.proc('BPSPATIENTS.dbo.BP_AddMessage', [
    input('@userid', 'Int', String(first.USERID)),
    input('@subject', 'VarChar', subject),
    input('@message', 'VarChar', 'The SMS reminder could not be delivered.'),
  ], 'nonQuery'));
  const rows = practice.all('SELECT * FROM MESSAGES WHERE SUBJECT = ?', subject);
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]!.USERID, rows[0]!.MESSAGE], [first.USERID, 'The SMS reminder could not be delivered.']);
});

test('8. message about a patient: BP_AddMessage as the Node client (UserID, Subject, Message, PatID)', async () => {
  const first = need(state.appointment, '3. appointment details');
  const subject = uniqueName('Patient replied ');
  ok(await halo.proc('BP_AddMessage', [
    input('UserID', 'Int', String(first.USERID)),
    input('Subject', 'VarChar', subject),
    input('Message', 'VarChar', 'Patient asked to be called back.'),
    input('PatID', 'Int', String(first.INTERNALID)),
  ], 'nonQuery'));
  const rows = practice.all('SELECT * FROM MESSAGES WHERE SUBJECT = ?', subject);
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]!.USERID, rows[0]!.INTERNALID, rows[0]!.MESSAGE], [first.USERID, first.INTERNALID, 'Patient asked to be called back.']);
});

test('9. results: BP_GetInvestigationSummary @InternalID lists the patient\'s investigations', async () => {
  const withResults = practice.get(`SELECT INTERNALID, COUNT(*) AS N FROM INVESTIGATIONS WHERE RECORDSTATUS = 1 GROUP BY INTERNALID ORDER BY N DESC, INTERNALID LIMIT 1`);
  assert.ok(withResults, 'some patient has investigations');
  const id = Number(withResults.INTERNALID);
  const rows = rowsOf(await halo.proc('BPSPATIENTS.dbo.BP_GetInvestigationSummary', [input('@InternalID', 'Int', String(id))]));
  const db = practice.all('SELECT REPORTID, TESTNAME FROM INVESTIGATIONS WHERE INTERNALID = ? AND RECORDSTATUS = 1 ORDER BY REPORTID', id);
  assert.deepEqual(
    rows.map((r) => [r.ReportID, r.TestName]).sort((a, b) => Number(a[0]) - Number(b[0])),
    db.map((r) => [r.REPORTID, r.TESTNAME]),
  );
});

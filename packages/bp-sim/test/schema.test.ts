import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TABLES, VIEWS, INDEXES } from '../src/index.js';
import { run, smallPractice } from './helpers.js';

const { db } = smallPractice();

test('every Bp table exists with its key columns', () => {
  const expected: Record<string, string[]> = {
    PATIENTS: ['INTERNALID', 'RECORDSTATUS', 'FIRSTNAME', 'SURNAME', 'DOB', 'MEDICARENO', 'MEDICARELINENO', 'IHI', 'USERID'],
    APPOINTMENTS: ['RECORDID', 'INTERNALID', 'RECORDSTATUS', 'USERID', 'LOCATIONID', 'APPOINTMENTDATE', 'APPOINTMENTTIME', 'APPOINTMENTLENGTH', 'APPOINTMENTCODE', 'APPOINTMENTTYPE'],
    APPOINTMENTTYPES: ['APPOINTMENTCODE', 'DESCRIPTION', 'APPOINTMENTLENGTH'],
    APPOINTMENTCODES: ['APPOINTMENTCODE', 'DESCRIPTION'],
    USERS: ['USERID', 'RECORDSTATUS', 'USERSTATUS', 'SURNAME', 'FIRSTNAME', 'APPOINTMENTS', 'GROUPCODE', 'TITLECODE', 'PROVIDERNO'],
    SESSIONS: ['SESSIONID', 'USERID', 'LOCATIONID', 'DAYOFWEEK', 'STARTTIME', 'ENDTIME', 'LENGTH', 'WEEKS', 'CYCLEWEEK', 'CYCLEDATE'],
    EXTRASESSIONS: ['SESSIONID', 'USERID', 'SESSIONDATE', 'STARTTIME', 'ENDTIME', 'LENGTH'],
    DAYSAWAY: ['RECORDID', 'USERID', 'STARTDATE', 'FINISHDATE', 'AWAYREASON'],
    LOCATIONS: ['LOCATIONID', 'LOCATIONNAME', 'ADDRESS1', 'CITY', 'POSTCODE'],
    PRACTICE: ['PRACTICEID', 'PRACTICENAME', 'SITEID'],
    PROVIDERLOCATION: ['USERID', 'LOCATIONID', 'PROVIDERNUMBER'],
    REMINDERS: ['REMINDERID', 'INTERNALID', 'USERID', 'REMINDERREASONID', 'REMINDERDUE'],
    REMINDERREASONS: ['REMINDERREASONID', 'REASONTEXT'],
    CANCELLEDAPPOINTMENTS: ['APPOINTMENTID', 'CANCELLEDBY', 'CANCELLEDDATE', 'CANCELLEDTIME', 'REASON'],
    INTERNETAPPOINTMENTS: ['RECORDID', 'RECORDSTATUS', 'USERID', 'DAYOFWEEK', 'APPOINTMENTTIME'],
  };
  for (const [table, cols] of Object.entries(expected)) {
    const actual = (db.raw.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    assert.ok(actual.length > 0, `${table} exists`);
    for (const c of cols) assert.ok(actual.includes(c), `${table}.${c}`);
    assert.deepEqual(actual, TABLES[table]?.map((c) => c.name));
  }
});

test('BPS_* views have Bp\'s mixed-case columns', () => {
  const expected: Record<string, string[]> = {
    BPS_Patients: ['InternalID', 'ExternalID', 'StatusText', 'Title', 'Firstname', 'Middlename', 'Surname', 'Preferredname', 'Address1', 'Address2',
      'City', 'Postcode', 'PostalAddress', 'PostalCity', 'PostalPostcode', 'DOB', 'Sex', 'Ethnicity', 'HomePhone', 'WorkPhone', 'MobilePhone',
      'Email', 'MedicareNo', 'MedicareLineNo', 'MedicareExpiry', 'PensionNo', 'PensionStart', 'PensionExpiry', 'PensionType', 'DVANo',
      'SafetyNetNo', 'RecordNo', 'HCHTier', 'HCHStart', 'Religion', 'HealthFundName', 'HealthFundNo', 'IHI', 'UsualDoctor'],
    BPS_Appointments: ['Patient', 'InternalID', 'AppointmentDate', 'AppointmentTime', 'AppointmentLength', 'Provider', 'Urgent', 'AppointmentType',
      'Status', 'ArrivalTime', 'ConsultationTime', 'BookedBy'],
    BPS_Users: ['UserID', 'Surname', 'Firstname', 'RegistrationNo', 'ProviderNo', 'PrescriberNo', 'HomePhone', 'MobilePhone', 'Email', 'Pager',
      'ABN', 'Title', 'GroupName', 'LocationName'],
    BPS_Sessions: ['Day', 'StartTime', 'EndTime', 'Length', 'StartDate', 'EndDate', 'Provider'],
    BPS_PracticeLocations: ['LocationID', 'LocationName', 'Address1', 'Address2', 'City', 'PostCode', 'Phone', 'AHPhone', 'Fax', 'Email'],
    BPS_Reminders: ['InternalID', 'ReminderID', 'ReasonText', 'ReminderDue', 'Recurring', 'Sent', 'Provider', 'Location', 'Created'],
  };
  for (const [view, cols] of Object.entries(expected)) {
    assert.ok(VIEWS[view], `${view} defined`);
    const r = run(db, `SELECT TOP 1 * FROM ${view}`);
    assert.deepEqual(r.columns, cols, view);
    assert.equal(r.rows.length, 1, `${view} has rows`);
  }
});

test('indexes exist and the appointment book query uses one', () => {
  const names = (db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'IX_%'").all() as Array<{ name: string }>).map((r) => r.name);
  assert.equal(names.length, INDEXES.length);
  const plan = db.raw.prepare("EXPLAIN QUERY PLAN SELECT * FROM APPOINTMENTS WHERE USERID = 1 AND APPOINTMENTDATE = '2026-01-06'").all() as Array<{ detail: string }>;
  assert.match(plan.map((p) => p.detail).join(' '), /IX_APPOINTMENTS_USER_DATE/);
  const byName = db.raw.prepare("EXPLAIN QUERY PLAN SELECT * FROM PATIENTS WHERE SURNAME = 'smith'").all() as Array<{ detail: string }>;
  assert.match(byName.map((p) => p.detail).join(' '), /IX_PATIENTS_NAME/);
});

test('dates are ISO text, times are seconds since midnight, cancelled rows are kept', () => {
  const a = run(db, 'SELECT TOP 1 APPOINTMENTDATE, APPOINTMENTTIME, APPOINTMENTLENGTH, CREATED FROM APPOINTMENTS').rows[0] ?? {};
  assert.match(String(a.APPOINTMENTDATE), /^\d{4}-\d{2}-\d{2}$/);
  assert.match(String(a.CREATED), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.equal(Number(a.APPOINTMENTTIME) % 900, 0);
  assert.ok(Number(a.APPOINTMENTLENGTH) >= 900);
  const cancelled = run(db, `SELECT COUNT(*) AS n FROM APPOINTMENTS a JOIN CANCELLEDAPPOINTMENTS c ON c.APPOINTMENTID = a.RECORDID WHERE a.RECORDSTATUS = 2`).rows[0];
  assert.ok(Number(cancelled?.n) > 0);
});

test('text comparisons are case-insensitive like Bp\'s SQL Server collation', () => {
  const r = run(db, "SELECT COUNT(*) AS n FROM APPOINTMENTCODES WHERE DESCRIPTION = 'booked'");
  assert.equal(r.rows[0]?.n, 1);
});

// The wider BP_* surface: messages, investigations, appointment types, emergency contacts, and the
// call shapes public clients use (named and positional, db.dbo. prefixes, EXEC @ret =, Halo types).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFreeSlot, proc, run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();
const halo = (name: string, type: string, value: unknown) => ({ name, direction: 'input' as const, sqlType: type, value });

test('the generator fills investigations, emergency contacts and messages deterministically', () => {
  const counts = run(db, `SELECT (SELECT COUNT(*) FROM INVESTIGATIONS) AS i, (SELECT COUNT(*) FROM NEXTOFKIN) AS k,
    (SELECT COUNT(*) FROM PATIENTS WHERE EMERGENCYID = (SELECT NEXTOFKINID FROM NEXTOFKIN n WHERE n.INTERNALID = PATIENTS.INTERNALID)) AS linked,
    (SELECT COUNT(*) FROM MESSAGES) AS m`).rows[0] ?? {};
  assert.ok(Number(counts.i) > 50, `investigations: ${counts.i}`);
  assert.ok(Number(counts.k) > 20);
  assert.equal(counts.linked, counts.k);
  const again = smallPractice().db;
  assert.deepEqual(run(again, 'SELECT * FROM INVESTIGATIONS ORDER BY REPORTID').rows, run(db, 'SELECT * FROM INVESTIGATIONS ORDER BY REPORTID').rows);
});

test('BP_GetInvestigationSummary lists a patient\'s results, newest first (the Halo client\'s @InternalID Int call)', () => {
  const pid = Number(run(db, 'SELECT TOP 1 INTERNALID FROM INVESTIGATIONS GROUP BY INTERNALID ORDER BY COUNT(*) DESC, INTERNALID').rows[0]?.INTERNALID);
  const r = proc(db, 'BPSPATIENTS.dbo.BP_GetInvestigationSummary', [halo('@InternalID', 'Int', pid)]);
  assert.deepEqual(r.columns, ['ReportID', 'InternalID', 'TestName', 'ProviderName', 'Requested', 'Collected', 'Reported', 'ReportTime', 'Normal',
    'Completed', 'Checked', 'CheckedBy', 'Comment', 'Actioned', 'Provider']);
  const expected = run(db, 'SELECT REPORTID, TESTNAME FROM INVESTIGATIONS WHERE INTERNALID = @p ORDER BY REPORTDATE DESC, REPORTID DESC', { p: pid }).rows;
  assert.deepEqual(r.rows.map((x) => [x.ReportID, x.TestName]), expected.map((x) => [x.REPORTID, x.TESTNAME]));
  assert.ok(r.rows.every((x) => x.InternalID === pid && /^(Normal|Abnormal)$/.test(String(x.Normal))));
  assert.equal(proc(db, 'BP_GetInvestigationSummary', { internalid: 999999 }).rows.length, 0);
  sqlError(() => proc(db, 'BP_GetInvestigationSummary'), 201, /expects parameter '@internalid'/);
});

test('BP_AddMessage stores a message for a user, with or without a patient; an unknown user is 50000', () => {
  const r = proc(db, 'BPSPATIENTS.dbo.BP_AddMessage', [halo('@userid', 'Int', 2), halo('@subject', 'VarChar', 'Online booking'), halo('@message', 'VarChar', 'New patient booked')]);
  const id = Number(r.returnValue);
  assert.ok(id > 0);
  assert.equal(r.rowsAffected, 1);
  const m = run(db, 'SELECT USERID, SUBJECT, MESSAGE, INTERNALID, MESSAGESTATUS FROM MESSAGES WHERE RECORDID = @id', { id }).rows[0];
  assert.deepEqual(m, { USERID: 2, SUBJECT: 'Online booking', MESSAGE: 'New patient booked', INTERNALID: 0, MESSAGESTATUS: 0 });
  const ret = run(db, "DECLARE @r INT; EXEC @r = BPSPatients.dbo.BP_AddMessage 3, 'Check duplicated patients', 'May be a duplicate', 7; SELECT @r AS r").rows[0]?.r;
  assert.equal(run(db, 'SELECT USERID, INTERNALID FROM MESSAGES WHERE RECORDID = @id', { id: ret }).rows[0]?.INTERNALID, 7);
  sqlError(() => proc(db, 'BP_AddMessage', { userid: 999, subject: 's', message: 'm' }), 50000, /User 999 does not exist/);
  sqlError(() => proc(db, 'BP_AddMessage', { userid: 'x', subject: 's', message: 'm' }), 8114, /varchar to int/);
});

test('BP_GetAppointmentTypes lists the active appointment types in list order', () => {
  const r = proc(db, 'dbo.BP_GetAppointmentTypes');
  assert.deepEqual(r.columns, ['AppointmentCode', 'Description', 'AppointmentLength', 'ListOrder', 'IconIndex']);
  const expected = run(db, 'SELECT APPOINTMENTCODE FROM APPOINTMENTTYPES WHERE RECORDSTATUS = 1 ORDER BY LISTORDER, APPOINTMENTCODE').rows.map((x) => x.APPOINTMENTCODE);
  assert.deepEqual(r.rows.map((x) => x.AppointmentCode), expected);
  assert.ok(r.rows.some((x) => x.Description === 'Standard' && x.AppointmentLength === 900));
});

test('BP_SetEmergencyContact creates the contact, points EMERGENCYID at it, and updates it on the next call', () => {
  const pid = Number(run(db, 'SELECT TOP 1 INTERNALID FROM PATIENTS WHERE EMERGENCYID IS NULL ORDER BY INTERNALID').rows[0]?.INTERNALID);
  const call = (phone: string) => proc(db, 'BP_SetEmergencyContact', [halo('InternalId', 'Int', pid), halo('TitleCode', 'Int', 0), halo('Surname', 'VarChar', 'Nguyen'),
    halo('Firstname', 'VarChar', 'Lan'), halo('Address', 'VarChar', ''), halo('City', 'VarChar', ''), halo('Postcode', 'VarChar', ''),
    halo('ContactPhone', 'VarChar', phone), halo('Relationship', 'VarChar', 'Sister'), halo('ContactPhone2', 'VarChar', '')]);
  assert.equal(call('0400 111 222').returnValue, 0);
  const contact = () => run(db, `SELECT k.SURNAME, k.FIRSTNAME, k.CONTACTPHONE, k.RELATIONSHIP, k.TYPE FROM PATIENTS p JOIN NEXTOFKIN k ON k.NEXTOFKINID = p.EMERGENCYID
    WHERE p.INTERNALID = @p`, { p: pid }).rows;
  assert.deepEqual(contact(), [{ SURNAME: 'Nguyen', FIRSTNAME: 'Lan', CONTACTPHONE: '0400 111 222', RELATIONSHIP: 'Sister', TYPE: 2 }]);
  const before = run(db, 'SELECT COUNT(*) AS n FROM NEXTOFKIN').rows[0]?.n;
  call('0400 333 444');
  assert.equal(run(db, 'SELECT COUNT(*) AS n FROM NEXTOFKIN').rows[0]?.n, before);
  assert.equal(contact()[0]?.CONTACTPHONE, '0400 333 444');
  sqlError(() => proc(db, 'BP_SetEmergencyContact', { internalid: 999999, surname: 'x' }), 50000, /does not exist/);
});

test('the Halo client\'s booking batch: DECLARE / EXEC @id = BPSPATIENTS.dbo.BP_AddAppointment @a = @a … / SELECT', () => {
  const slot = findFreeSlot(db);
  const text = 'DECLARE @AppointmentId INT; EXEC @AppointmentId = BPSPATIENTS.dbo.BP_AddAppointment @aptdate = @aptdate, @apttime = @apttime, ' +
    '@aptlen = @aptlen, @practitionerid = @practitionerid, @patientid = @patientid, @locationid = @locationid; SELECT @AppointmentId AS AppointmentId;';
  const r = run(db, text, [halo('@aptdate', 'Date', slot.date), halo('@apttime', 'Int', slot.time), halo('@aptlen', 'Int', 900),
    halo('@practitionerid', 'Int', slot.userId), halo('@patientid', 'Int', 5), halo('@locationid', 'Int', 1)]);
  const id = Number(r.rows[0]?.AppointmentId);
  assert.ok(id > 0);
  assert.deepEqual(run(db, 'SELECT INTERNALID, USERID, APPOINTMENTDATE, APPOINTMENTTIME FROM APPOINTMENTS WHERE RECORDID = @id', { id }).rows,
    [{ INTERNALID: 5, USERID: slot.userId, APPOINTMENTDATE: slot.date, APPOINTMENTTIME: slot.time }]);
  // the same procedures with VarChar values, as string-typed clients send them
  const moved = proc(db, 'BPSPATIENTS.dbo.BP_MoveAppointment', [halo('@aptid', 'VarChar', String(id)), halo('@aptdate', 'VarChar', slot.date.replace(/-/g, '')),
    halo('@apttime', 'VarChar', ` ${slot.time + 3600} `), halo('@practitionerid', 'Int', slot.userId), halo('@locationid', 'Int', 1)]);
  assert.ok([0, id].includes(Number(moved.returnValue)));
  const details = proc(db, 'BP_GetAppointmentDetails', [halo('AptID', 'Int', id)]).rows[0] ?? {};
  for (const c of ['Firstname', 'Surname', 'AppointmentDate', 'AppointmentTime', 'AppointmentType', 'Description', 'UserTitle', 'UserFirstname', 'UserSurname']) {
    assert.ok(c in details, `BP_GetAppointmentDetails has ${c}`);
  }
});

test('patient searches: BP_GetPatientByPartSurnameDOB (@Surname VarChar, @DoB Date) and BP_GetPatientByNameDOB positional', () => {
  const p = run(db, 'SELECT TOP 1 INTERNALID, FIRSTNAME, SURNAME, DOB FROM PATIENTS ORDER BY INTERNALID').rows[0] ?? {};
  const part = proc(db, 'BP_GetPatientByPartSurnameDOB', [halo('Surname', 'VarChar', String(p.SURNAME).slice(0, 3)), halo('DoB', 'Date', p.DOB)]);
  assert.ok(part.rows.some((r) => r.InternalID === p.INTERNALID && r.Firstname === p.FIRSTNAME));
  const byName = run(db, `EXEC BPSPatients.dbo.BP_GetPatientByNameDOB '${String(p.FIRSTNAME)}', '${String(p.SURNAME)}', '${String(p.DOB).replace(/-/g, '')}'`);
  assert.ok(byName.rows.some((r) => r.InternalID === p.INTERNALID));
});

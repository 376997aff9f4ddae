import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFreeSlot, proc, run, smallPractice, sqlError } from './helpers.js';

const { db } = smallPractice();

const addPatient = (extra: Record<string, unknown> = {}): number =>
  Number(proc(db, 'BP_AddPatient', { firstname: 'Alinta', surname: 'Testperson', dob: '1985-03-14', sexcode: 2, ...extra }).returnValue);

test('lookup procedures return Bp column names', () => {
  const book = proc(db, 'BP_GetAppointmentBookUsers');
  assert.deepEqual(book.columns?.slice(0, 5), ['UserID', 'Title', 'Firstname', 'Surname', 'LocationID']);
  assert.equal(book.rows.length, 12);
  const all = proc(db, 'dbo.BP_GetAllUsers');
  assert.deepEqual(all.columns?.slice(0, 5), ['UserID', 'Surname', 'Firstname', 'GroupName', 'Appointments']);
  assert.ok(all.rows.some((r) => r.Appointments === 0), 'staff without an appointment book are listed');
  const sessions = proc(db, 'BPSPatients.dbo.BP_GetAllSessions');
  assert.deepEqual(sessions.columns, ['UserID', 'LocationID', 'DayOfWeek', 'StartTime', 'EndTime', 'Length', 'StartDate', 'EndDate', 'Weeks', 'CycleWeek', 'CycleDate']);
  assert.ok(sessions.rows.length >= 12 * 8);
  const locations = proc(db, '[dbo].[BP_GetPracticeLocations]');
  assert.equal(locations.rows.length, 2);
  assert.ok(locations.columns?.includes('LocationName'));
});

test('BP_GetFreeAppointments lists free slots and excludes booked ones', () => {
  const slot = findFreeSlot(db);
  const free = proc(db, 'BP_GetFreeAppointments', { '@UserID': slot.userId, AptDate: slot.date });
  assert.deepEqual(free.columns?.slice(0, 2), ['AppointmentTime', 'AppointmentLength']);
  const booked = run(db, 'SELECT APPOINTMENTTIME FROM APPOINTMENTS WHERE USERID = @u AND APPOINTMENTDATE = @d AND RECORDSTATUS = 1', { u: slot.userId, d: slot.date })
    .rows.map((r) => r.APPOINTMENTTIME);
  for (const r of free.rows) assert.ok(!booked.includes(r.AppointmentTime));
});

test('BP_GetFreeAppointments raises "away on that date" from DAYSAWAY', () => {
  const away = run(db, 'SELECT TOP 1 USERID, STARTDATE FROM DAYSAWAY').rows[0] ?? {};
  sqlError(() => proc(db, 'BP_GetFreeAppointments', { userid: away.USERID, aptdate: away.STARTDATE }), 50000, /away.*that date/);
  sqlError(() => run(db, `EXEC BP_GetFreeAppointments ${String(away.USERID)}, '${String(away.STARTDATE).replace(/-/g, '')}'`), 50000, /away on that date/);
});

test('booking flow: find patient, check, add, details, move, update, arrive, cancel', () => {
  const id = addPatient({ mobilephone: '0412 345 678', medicareno: '2123456701' });
  assert.ok(id > 0);
  const found = proc(db, 'BP_GetPatientByNameDOB', { surname: 'testperson', firstname: 'ALINTA', dob: '19850314' });
  assert.equal(found.rows[0]?.InternalID, id);
  assert.equal(proc(db, 'BP_GetPatientByPartSurnameDOB', { surname: 'Testp', dob: '1985-03-14' }).rows[0]?.InternalID, id);
  const byId = proc(db, 'BP_GetPatientByInternalID', { patientid: id }).rows[0];
  assert.equal(byId?.MobilePhone, '0412 345 678');
  assert.equal(byId?.MedicareNo, '2123456701');

  const slot = findFreeSlot(db);
  assert.equal(proc(db, 'BP_IsAppointmentBooked', { userid: slot.userId, aptdate: slot.date, apttime: slot.time }).returnValue, 0);
  const add = proc(db, 'BP_AddAppointment', { aptdate: slot.date, apttime: slot.time, aptlen: 900, practitionerid: slot.userId, patientid: id, locationid: 1 });
  const aptId = Number(add.returnValue);
  assert.ok(aptId > 0);
  assert.equal(add.rowsAffected, 1);
  assert.equal(proc(db, 'BP_IsAppointmentBooked', { userid: slot.userId, aptdate: slot.date, apttime: slot.time }).returnValue, 1);
  // the same time again: 0 = "someone just booked it"
  assert.equal(proc(db, 'BP_AddAppointment', { aptdate: slot.date, apttime: slot.time, aptlen: 900, practitionerid: slot.userId, patientid: id }).returnValue, 0);
  assert.equal(proc(db, 'BP_AddAppointmentEx', { aptdate: slot.date, apttime: slot.time + 300, appointmenttype: 3, aptlen: 900, practitionerid: slot.userId, patientid: id, reason: 'x' }).returnValue, 0);
  assert.ok(!proc(db, 'BP_GetFreeAppointments', { userid: slot.userId, aptdate: slot.date }).rows.some((r) => r.AppointmentTime === slot.time));

  const details = proc(db, 'BP_GetAppointmentDetails', { aptid: aptId }).rows[0];
  assert.equal(details?.Firstname, 'Alinta');
  assert.equal(details?.AppointmentDate, slot.date);
  assert.equal(details?.Description, 'Standard');
  assert.ok(details?.UserSurname);
  const mine = proc(db, 'BP_GetPatientAppointments', { patientid: id });
  assert.deepEqual(mine.rows.map((r) => r.RecordID), [aptId]);
  assert.ok(mine.columns?.includes('UserTitle') && mine.columns.includes('AppointmentType'));

  // move to an occupied time of the same practitioner → 0; to a free one → moved
  const occupied = run(db, 'SELECT TOP 1 APPOINTMENTTIME FROM APPOINTMENTS WHERE USERID = @u AND APPOINTMENTDATE = @d AND RECORDSTATUS = 1 AND RECORDID <> @id',
    { u: slot.userId, d: slot.date, id: aptId }).rows[0];
  if (occupied) assert.equal(proc(db, 'BP_MoveAppointment', { aptid: aptId, aptdate: slot.date, apttime: occupied.APPOINTMENTTIME }).returnValue, 0);
  assert.equal(proc(db, 'BP_MoveAppointment', { aptid: aptId, aptdate: '2026-03-02', apttime: 7 * 3600 }).returnValue, aptId);
  assert.equal(proc(db, 'BP_UpdateAppointment', { aptid: aptId, apttype: 2, aptlen: 1800, reason: 'Long consult' }).returnValue, aptId);
  const moved = run(db, 'SELECT APPOINTMENTDATE, APPOINTMENTTIME, APPOINTMENTLENGTH, APPOINTMENTTYPE, REASON FROM APPOINTMENTS WHERE RECORDID = @id', { id: aptId }).rows[0];
  assert.deepEqual(moved, { APPOINTMENTDATE: '2026-03-02', APPOINTMENTTIME: 25200, APPOINTMENTLENGTH: 1800, APPOINTMENTTYPE: 2, REASON: 'Long consult' });

  assert.equal(proc(db, 'BP_ArriveAppointment', { aptid: aptId }).returnValue, aptId);
  assert.equal(run(db, 'SELECT APPOINTMENTCODE FROM APPOINTMENTS WHERE RECORDID = @id', { id: aptId }).rows[0]?.APPOINTMENTCODE, 2);

  const cancel = proc(db, 'BP_CancelAppointment', { aptid: aptId, loginid: 13 });
  assert.equal(cancel.rowsAffected, 2);
  const row = run(db, 'SELECT a.RECORDSTATUS, c.CANCELLEDBY FROM APPOINTMENTS a JOIN CANCELLEDAPPOINTMENTS c ON c.APPOINTMENTID = a.RECORDID WHERE a.RECORDID = @id', { id: aptId }).rows[0];
  assert.deepEqual(row, { RECORDSTATUS: 2, CANCELLEDBY: 13 });
  sqlError(() => proc(db, 'BP_CancelAppointment', { aptid: aptId }), 50000, /cancelled/);
  // the cancelled row no longer blocks the time
  assert.ok(Number(proc(db, 'BP_AddAppointment', { aptdate: '2026-03-02', apttime: 7 * 3600, aptlen: 900, practitionerid: slot.userId, patientid: id }).returnValue) > 0);
});

test('BP_AddAppointmentEx records type, reason and video URL', () => {
  const id = addPatient();
  const slot = findFreeSlot(db);
  const r = proc(db, 'BP_AddAppointmentEx', { aptdate: slot.date, apttime: slot.time, appointmenttype: 3, aptlen: 900, practitionerid: slot.userId,
    patientid: id, reason: 'Telehealth review', loginid: 0, locationid: 2, videourl: 'https://video.example/x' });
  const row = run(db, 'SELECT APPOINTMENTTYPE, REASON, VIDEOURL, LOCATIONID FROM APPOINTMENTS WHERE RECORDID = @id', { id: r.returnValue }).rows[0];
  assert.deepEqual(row, { APPOINTMENTTYPE: 3, REASON: 'Telehealth review', VIDEOURL: 'https://video.example/x', LOCATIONID: 2 });
});

test('BP_UpdatePatient and its siblings change only what they are given', () => {
  const id = addPatient({ city: 'Parramatta', email: 'old@example.com' });
  proc(db, 'BP_UpdatePatient', { patientid: id, preferredname: 'Ali' });
  proc(db, 'BP_UpdatePatientMedicare', { patientid: id, medicareno: '2123456701', medicarelineno: '2', medicareexpiry: '2028-01-31' });
  proc(db, 'BP_UpdatePatientPension', { patientid: id, pensioncode: 1, pensionno: '123-456-789A', pensionstart: '2020-01-01', pensionexpiry: '2027-01-01' });
  proc(db, 'BP_UpdatePatientDVA', { patientid: id, dvacode: 1, dvano: 'N123456' });
  proc(db, 'BP_UpdatePatientContacts', { patientid: id, homephone: '(02) 9000 0000', mobilephone: '0400 000 000' });
  proc(db, 'BP_UpdatePatientAddress', { patientid: id, address1: '1 Wattle Street', city: 'Epping', postcode: '2121' });
  proc(db, 'BP_UpdatePatientEmail', { patientid: id, email: 'new@example.com' });
  const hf = proc(db, 'BP_UpdatePatientHealthFund', { patientid: id, healthfundno: '12345678', healthfundname: 'HCF', healthfundid: 3, healthfundexpiry: '2027-06-30' });
  assert.equal(hf.rowsAffected, 1);
  const p = run(db, 'SELECT * FROM PATIENTS WHERE INTERNALID = @id', { id }).rows[0] ?? {};
  assert.equal(p.FIRSTNAME, 'Alinta');
  assert.equal(p.PREFERREDNAME, 'Ali');
  assert.equal(p.MEDICARELINENO, '2');
  assert.equal(p.MEDICAREEXPIRY, '2028-01-31');
  assert.equal(p.PENSIONNO, '123-456-789A');
  assert.equal(p.DVANO, 'N123456');
  assert.equal(p.MOBILEPHONE, '0400 000 000');
  assert.equal(p.CITY, 'Epping');
  assert.equal(p.EMAIL, 'new@example.com');
  assert.equal(p.HEALTHFUNDNAME, 'HCF');
  sqlError(() => proc(db, 'BP_UpdatePatientEmail', { patientid: 999999, email: 'x' }), 50000, /does not exist/);
  sqlError(() => proc(db, 'BP_UpdatePatientMedicare', { patientid: id, medicareno: '2123456711' }), 50000, /Medicare/);
});

test('procedure parameters: case-insensitive, with or without @, positional; errors like SQL Server', () => {
  const slot = findFreeSlot(db);
  assert.ok(proc(db, 'bp_getfreeappointments', { '@USERID': slot.userId, '@aptDate': slot.date }).rows.length > 0);
  assert.ok(run(db, `EXEC dbo.BP_GetFreeAppointments ${slot.userId}, '${slot.date}'`).rows.length > 0);
  sqlError(() => proc(db, 'BP_GetFreeAppointments', { userid: 1 }), 201, /expects parameter '@aptdate'/);
  sqlError(() => run(db, "EXEC BP_GetFreeAppointments 1, '2026-01-06', 3"), 8144, /too many arguments/);
  sqlError(() => proc(db, 'BP_GetFreeAppointments', { userid: 1, aptdate: '2026-01-06', colour: 'red' }), 8145, /@colour is not a parameter/);
  sqlError(() => proc(db, 'BP_GetFreeAppointments', { userid: 'abc', aptdate: '2026-01-06' }), 8114, /varchar to int/);
  sqlError(() => proc(db, 'BP_GetFreeAppointments', { userid: 1, aptdate: 'not a date' }), 8114, /to date/);
  sqlError(() => proc(db, 'BP_NoSuchThing'), 2812, /Could not find stored procedure 'BP_NoSuchThing'/);
  sqlError(() => proc(db, 'OtherDb.dbo.BP_GetAllUsers'), 2812);
  sqlError(() => run(db, "EXEC BP_GetFreeAppointments @userid = 1, '2026-01-06'"), 119);
  sqlError(() => proc(db, 'BP_AddPatient', { firstname: 'A', surname: 'B', dob: '1990-01-01', medicareno: '1234' }), 50000, /Medicare/);
});

test('storedProcedure batches report the return value through a returnValue parameter', () => {
  const id = addPatient();
  const o = db.execute({ text: 'BP_GetPatientByInternalID', type: 'storedProcedure', params: [
    { name: '@patientid', direction: 'input', value: id, sqlType: 'Int' },
    { name: '@RETURN_VALUE', direction: 'returnValue', value: null, sqlType: 'Int' },
  ] });
  assert.equal(o.returnValue, 0);
  assert.equal(o.output['@RETURN_VALUE'], 0);
  assert.equal([...o.rows].length, 1);
});

// Replay of a practice check-in kiosk's call sequence, end to end through a real Cloud and a real Link.
//
// Client style reproduced: a public React kiosk whose Node.js back end wraps each BP_* procedure in
// its own small module (node-mssql's request.input per parameter, then execute). Its parameter names
// are capitalised and carry no '@' (PatientID, DoB, MedicareExpiry, InternalId, AptID, PatID), ids and
// codes are typed Int, names and phones VarChar, dates Date except the Medicare expiry ('MM/YYYY') and
// the appointment date of BP_AddAppointmentEx (both VarChar); unused text fields are '' and a few
// (Address2, PensionStart) are null. New records are read from the procedure's RETURN value. Ported
// to Halo unchanged: type "storedProcedure", every value a string, the return value read through a
// parameter with direction "returnValue".
//
// The kiosk's flow: register a walk-in (BP_AddPatient, 34 parameters in the newer form), book
// (BP_GetAppointmentTypes, BP_AddAppointmentEx), then at the kiosk: find the patient by part surname +
// DOB and match the first name, read the record, update Medicare, pension, DVA, contacts, address,
// email, health fund, the whole record (BP_UpdatePatient) and the emergency contact, list the
// appointments, arrive, and message the practitioner about it (BP_AddMessage with PatID).
// Every step is checked against the practice database read directly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openReplayTarget, type ReplayTarget } from './support/replay/target.js';
import { input, ok, rowsOf, type HaloClient, type HaloParam, type HaloReply } from './support/replay/halo.js';
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
const firstname = cap(uniqueName(''));
const surname = cap(uniqueName('kiosk'));
const dob = `19${60 + Math.floor(Math.random() * 40)}-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;

/** A Medicare card number that passes the check digit (weights 1,3,7,9,1,3,7,9 over the first 8 digits). */
function medicareNumber(): string {
  const first8 = `${2 + Math.floor(Math.random() * 5)}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const check = [...first8].reduce((s, d, i) => s + Number(d) * ([1, 3, 7, 9, 1, 3, 7, 9][i] ?? 0), 0) % 10;
  return `${first8}${check}1`;
}

const state: { patientId?: number; appointmentId?: number; doctorId?: number } = {};
function need<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`this step needs "${step}" to have passed`);
  return value;
}

const RET: HaloParam = { name: '@RETURN_VALUE', value: null, direction: 'returnValue', type: 'Int' };
const returnValue = (reply: HaloReply): number => Number(ok(reply).body.result.parameters.find((p: HaloParam) => p.direction === 'returnValue')?.value);
const pid = (): HaloParam => input('PatientID', 'Int', String(need(state.patientId, '1. register')));
const patient = (): Row => practice.patient(need(state.patientId, '1. register'))!;

test('1. register: BP_AddPatient in its 34-parameter form, names without \'@\', the new id from the return value', async () => {
  const id = returnValue(await halo.proc('BP_AddPatient', [
    input('TitleCode', 'Int', '0'), input('Firstname', 'VarChar', firstname), input('Middlename', 'VarChar', ''),
    input('Surname', 'VarChar', surname), input('Preferredname', 'VarChar', ''), input('Address1', 'VarChar', '3 Kiosk Lane'),
    input('Address2', 'VarChar', ''), input('City', 'VarChar', 'Fitzroy'), input('Postcode', 'VarChar', '3065'),
    input('PostalAddress', 'VarChar', ''), input('PostalCity', 'VarChar', ''), input('PostalPostCode', 'VarChar', ''),
    input('DoB', 'Date', dob), input('SexCode', 'Int', '2'), input('HomePhone', 'VarChar', ''), input('WorkPhone', 'VarChar', ''),
    input('MobilePhone', 'VarChar', '0400111222'), input('MedicareNo', 'VarChar', ''), input('MedicareLineNo', 'VarChar', ''),
    input('MedicareExpiry', 'VarChar', ''), input('PensionCode', 'Int', '0'), input('PensionNo', 'VarChar', ''),
    input('PensionExpiry', 'Date', null), input('DVACode', 'Int', '0'), input('DVANo', 'VarChar', ''), input('RecordNo', 'VarChar', ''),
    input('ExternalID', 'VarChar', ''), input('Email', 'VarChar', ''), input('HeadOfFamilyID', 'Int', '0'), input('EthnicCode', 'Int', '4'),
    input('ConsentSMSReminder', 'Int', '0'), input('NextOfKinID', 'Int', '0'), input('GenderCode', 'Int', '0'), input('PronounCode', 'Int', '0'),
    RET,
  ], 'nonQuery'));
  assert.ok(id > 0, 'the new INTERNALID');
  const p = practice.patient(id)!;
  assert.deepEqual([p.FIRSTNAME, p.SURNAME, p.DOB, p.SEXCODE, p.ETHNICCODE, p.ADDRESS1, p.CITY, p.POSTCODE, p.MOBILEPHONE, p.MEDICAREEXPIRY, p.PENSIONEXPIRY, p.RECORDSTATUS],
    [firstname, surname, dob, 2, 4, '3 Kiosk Lane', 'Fitzroy', '3065', '0400111222', '', null, 1]);
  state.patientId = id;
});

test('2. book: BP_GetAppointmentTypes, then BP_AddAppointmentEx with AptDate as VarChar and the id from the return value', async () => {
  const patientId = need(state.patientId, '1. register');
  const types = rowsOf(await halo.proc('BP_GetAppointmentTypes'));
  const db = practice.all('SELECT APPOINTMENTCODE, DESCRIPTION, APPOINTMENTLENGTH FROM APPOINTMENTTYPES WHERE RECORDSTATUS = 1 ORDER BY APPOINTMENTCODE');
  assert.ok(db.length > 0);
  assert.deepEqual(
    types.map((t) => [t.AppointmentCode, t.Description]).sort((a, b) => Number(a[0]) - Number(b[0])),
    db.map((t) => [t.APPOINTMENTCODE, t.DESCRIPTION]),
  );
  // A free slot from today on, by the practice's own free-time procedure.
  const doctors = rowsOf(await halo.proc('BP_GetAppointmentBookUsers'));
  let booking: { date: string; time: number; length: number; userId: number; locationId: unknown } | undefined;
  for (let day = 0; day <= 14 && !booking; day++) {
    for (const d of doctors) {
      const reply = await halo.proc('BP_GetFreeAppointments', [input('UserID', 'Int', String(d.UserID)), input('AptDate', 'Date', localDate(day))]);
      // Bp raises an error when the practitioner is away that day; clients treat it as no slots.
      if (reply.status !== 200 && /away/i.test(String(reply.body?.errorDetails?.errorMessage))) continue;
      const free = rowsOf(reply);
      if (free.length > 0) {
        booking = { date: localDate(day), time: Number(free[0]!.AppointmentTime), length: Number(free[0]!.AppointmentLength), userId: Number(d.UserID), locationId: d.LocationID };
        break;
      }
    }
  }
  assert.ok(booking, 'a free slot in the next two weeks');
  const type = db[0]!;
  const id = returnValue(await halo.proc('BP_AddAppointmentEx', [
    input('AptDate', 'VarChar', booking.date), input('AptTime', 'Int', String(booking.time)), input('AppointmentType', 'Int', String(type.APPOINTMENTCODE)),
    input('AptLen', 'Int', String(booking.length)), input('PractitionerID', 'Int', String(booking.userId)), input('PatientID', 'Int', String(patientId)),
    input('Reason', 'VarChar', ''), input('LocationID', 'Int', String(booking.locationId)), RET,
  ], 'nonQuery'));
  assert.ok(id > 0, 'APPOINTMENTS.RECORDID as the return value');
  const a = practice.appointment(id)!;
  assert.deepEqual([a.INTERNALID, a.USERID, a.APPOINTMENTDATE, a.APPOINTMENTTIME, a.APPOINTMENTLENGTH, a.APPOINTMENTTYPE, a.APPOINTMENTCODE, a.RECORDSTATUS],
    [patientId, booking.userId, booking.date, booking.time, booking.length, type.APPOINTMENTCODE, 1, 1]);
  state.appointmentId = id;
  state.doctorId = booking.userId;
});

test('3. at the kiosk: BP_GetPatientByPartSurnameDOB (Surname, DoB) and the first-name match', async () => {
  const id = need(state.patientId, '1. register');
  const rows = rowsOf(await halo.proc('BP_GetPatientByPartSurnameDOB', [input('Surname', 'VarChar', surname.slice(0, 7)), input('DoB', 'Date', dob)]));
  const db = practice.all('SELECT INTERNALID, FIRSTNAME FROM PATIENTS WHERE SURNAME LIKE ? AND DOB = ? AND RECORDSTATUS = 1', `${surname.slice(0, 7)}%`, dob);
  assert.deepEqual(rows.map((r) => [r.InternalID, r.Firstname]).sort(), db.map((r) => [r.INTERNALID, r.FIRSTNAME]).sort());
  const normalise = (s: unknown): string => String(s).toUpperCase().replace(/-| /g, '');
  assert.deepEqual(rows.filter((r) => normalise(r.Firstname) === normalise(firstname)).map((r) => r.InternalID), [id]);
});

test('4. the record: BP_GetPatientByInternalID (PatientID) returns what the database holds', async () => {
  const rows = rowsOf(await halo.proc('BP_GetPatientByInternalID', [pid()]));
  const p = patient();
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.deepEqual(
    [r.InternalID, r.MedicareNo, r.MedicareLineNo, r.MedicareExpiry, r.PensionCode, r.PensionNo, r.HomePhone, r.MobilePhone, r.Address1, r.City, r.Postcode, r.Email, r.DVACode, r.DVANo],
    [p.INTERNALID, p.MEDICARENO, p.MEDICARELINENO, p.MEDICAREEXPIRY, p.PENSIONCODE, p.PENSIONNO, p.HOMEPHONE, p.MOBILEPHONE, p.ADDRESS1, p.CITY, p.POSTCODE, p.EMAIL, p.DVACODE, p.DVANO],
  );
});

test('5. Medicare, pension and DVA: BP_UpdatePatientMedicare (expiry \'MM/YYYY\' as VarChar), …Pension (PensionStart null), …DVA', async () => {
  const medicare = medicareNumber();
  ok(await halo.proc('BP_UpdatePatientMedicare', [pid(), input('MedicareNo', 'VarChar', medicare), input('MedicareLineNo', 'VarChar', '2'), input('MedicareExpiry', 'VarChar', '11/2029')], 'nonQuery'));
  ok(await halo.proc('BP_UpdatePatientPension', [pid(), input('PensionCode', 'Int', '3'), input('PensionNo', 'VarChar', '123456789A'), input('PensionStart', 'Date', null), input('PensionExpiry', 'Date', '2030-06-30')], 'nonQuery'));
  ok(await halo.proc('BP_UpdatePatientDVA', [pid(), input('DVACode', 'Int', '1'), input('DVANo', 'VarChar', 'NX123456')], 'nonQuery'));
  const p = patient();
  assert.deepEqual([p.MEDICARENO, p.MEDICARELINENO, p.MEDICAREEXPIRY, p.PENSIONCODE, p.PENSIONNO, p.PENSIONSTART, p.PENSIONEXPIRY, p.DVACODE, p.DVANO],
    [medicare, '2', '11/2029', 3, '123456789A', null, '2030-06-30', 1, 'NX123456']);
});

test('6. contacts, address (Address2 null), email and health fund (HealthFundExpiry Date)', async () => {
  ok(await halo.proc('BP_UpdatePatientContacts', [pid(), input('HomePhone', 'VarChar', '0394001234'), input('WorkPhone', 'VarChar', ''), input('MobilePhone', 'VarChar', '0400333444')], 'nonQuery'));
  ok(await halo.proc('BP_UpdatePatientAddress', [pid(), input('Address1', 'VarChar', '9 Check-in Road'), input('Address2', 'VarChar', null), input('City', 'VarChar', 'Collingwood'), input('Postcode', 'VarChar', '3066')], 'nonQuery'));
  ok(await halo.proc('BP_UpdatePatientEmail', [pid(), input('Email', 'VarChar', `${firstname.toLowerCase()}@kiosk.example`)], 'nonQuery'));
  ok(await halo.proc('BP_UpdatePatientHealthFund', [pid(), input('HealthfundNo', 'VarChar', 'HF778899'), input('HealthFundName', 'VarChar', 'Medibank'), input('HealthFundID', 'Int', '0'), input('HealthFundExpiry', 'Date', '2027-12-31')], 'nonQuery'));
  const p = patient();
  assert.deepEqual([p.HOMEPHONE, p.WORKPHONE, p.MOBILEPHONE, p.ADDRESS1, p.ADDRESS2, p.CITY, p.POSTCODE, p.EMAIL, p.HEALTHFUNDNO, p.HEALTHFUNDNAME, p.HEALTHFUNDEXPIRY],
    ['0394001234', '', '0400333444', '9 Check-in Road', null, 'Collingwood', '3066', `${firstname.toLowerCase()}@kiosk.example`, 'HF778899', 'Medibank', '2027-12-31']);
});

test('7. the whole record: BP_UpdatePatient with PatientID and the 28 fields, string-typed as the kiosk sends them', async () => {
  const before = patient();
  ok(await halo.proc('BP_UpdatePatient', [
    pid(), input('TitleCode', 'Int', '0'), input('Firstname', 'VarChar', firstname), input('Middlename', 'VarChar', ''), input('Surname', 'VarChar', surname),
    input('Preferredname', 'VarChar', ''), input('Address1', 'VarChar', '9 Check-in Road'), input('Address2', 'VarChar', ''), input('City', 'VarChar', 'Collingwood'),
    input('Postcode', 'VarChar', '3066'), input('PostalAddress', 'VarChar', ''), input('PostalCity', 'VarChar', ''), input('PostalPostCode', 'VarChar', ''),
    input('DoB', 'Date', dob), input('SexCode', 'Int', '2'), input('HomePhone', 'VarChar', '0394001234'), input('WorkPhone', 'VarChar', '0390009999'),
    input('MobilePhone', 'VarChar', '0400555666'), input('MedicareNo', 'VarChar', String(before.MEDICARENO)), input('MedicareLineNo', 'VarChar', '2'),
    input('MedicareExpiry', 'VarChar', '11/2029'), input('PensionCode', 'Int', '3'), input('PensionNo', 'VarChar', '123456789A'),
    input('PensionExpiry', 'Date', '2030-06-30'), input('DVACode', 'Int', '1'), input('DVANo', 'VarChar', 'NX123456'), input('RecordNo', 'VarChar', ''),
    input('ExternalID', 'VarChar', ''), input('Email', 'VarChar', `${firstname.toLowerCase()}@kiosk.example`),
  ], 'nonQuery'));
  const p = patient();
  assert.deepEqual([p.WORKPHONE, p.MOBILEPHONE, p.ADDRESS2, p.DOB, p.MEDICARENO, p.PENSIONEXPIRY, p.DVANO, p.HEALTHFUNDNAME, p.FIRSTNAME, p.SURNAME],
    ['0390009999', '0400555666', '', dob, before.MEDICARENO, '2030-06-30', 'NX123456', 'Medibank', firstname, surname]);
});

test('8. emergency contact: BP_SetEmergencyContact (InternalId, …, ContactPhone, Relationship, ContactPhone2)', async () => {
  const id = need(state.patientId, '1. register');
  ok(await halo.proc('BP_SetEmergencyContact', [
    input('InternalId', 'Int', String(id)), input('TitleCode', 'Int', '0'), input('Surname', 'VarChar', surname), input('Firstname', 'VarChar', 'Robin'),
    input('Address', 'VarChar', ''), input('City', 'VarChar', ''), input('Postcode', 'VarChar', ''), input('ContactPhone', 'VarChar', '0400777888'),
    input('Relationship', 'VarChar', 'Partner'), input('ContactPhone2', 'VarChar', ''),
  ], 'nonQuery'));
  // Bp keeps contacts in NEXTOFKIN and points PATIENTS.EMERGENCYID at the emergency one (the EF Core
  // scaffold of a real BPSPatients database, github.com/2tajshariff/nrme.Booking.Api
  // Models/BPPatients/Nextofkin.cs and Patients.cs).
  const p = patient();
  assert.ok(Number(p.EMERGENCYID) > 0, 'PATIENTS.EMERGENCYID is set');
  const c = practice.get('SELECT * FROM NEXTOFKIN WHERE NEXTOFKINID = ?', p.EMERGENCYID);
  assert.ok(c, 'the emergency contact row exists');
  assert.deepEqual([c.SURNAME, c.FIRSTNAME, c.CONTACTPHONE, c.CONTACTPHONE2, c.RELATIONSHIP, c.INTERNALID], [surname, 'Robin', '0400777888', '', 'Partner', id]);
});

test('9. arrive: BP_GetPatientAppointments, then BP_ArriveAppointment (AptID)', async () => {
  const id = need(state.appointmentId, '2. book');
  const list = rowsOf(await halo.proc('BP_GetPatientAppointments', [input('PatientID', 'Int', String(need(state.patientId, '1. register')))]));
  assert.deepEqual(list.map((r) => [r.RecordID, r.Status]), [[id, 'Booked']]);
  ok(await halo.proc('BP_ArriveAppointment', [input('AptID', 'Int', String(id))], 'nonQuery'));
  const a = practice.appointment(id)!;
  assert.equal(a.APPOINTMENTCODE, 2);
  assert.equal(typeof a.ARRIVALTIME, 'number');
});

test('10. tell the practitioner: BP_AddMessage (UserID, Subject, Message, PatID)', async () => {
  const id = need(state.patientId, '1. register');
  const doctor = need(state.doctorId, '2. book');
  const subject = `${firstname} ${surname} has arrived`;
  ok(await halo.proc('BP_AddMessage', [input('UserID', 'Int', String(doctor)), input('Subject', 'VarChar', subject), input('Message', 'VarChar', 'Checked in at the kiosk.'), input('PatID', 'Int', String(id))], 'nonQuery'));
  const rows = practice.all('SELECT * FROM MESSAGES WHERE SUBJECT = ?', subject);
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]!.USERID, rows[0]!.INTERNALID, rows[0]!.MESSAGE], [doctor, id, 'Checked in at the kiosk.']);
});

// Booking procedures. Each runs inside BEGIN IMMEDIATE (see registry), so "is the time free?" and
// the insert/update are one atomic step even when several processes share the database file.
import type Database from 'better-sqlite3';
import { prepareCached } from '../cache.js';
import { procedureError } from '../errors.js';
import { formatDateTime, nowLocal, secondsSinceMidnight } from '../dates.js';
import { type ProcArgs, type ProcDef, params } from './types.js';
import { bookedRanges, overlaps } from './slots.js';

export const STATUS = { booked: 1, waiting: 2, withDoctor: 3, atBilling: 4, completed: 5 } as const;
export const RECORD = { active: 1, cancelled: 2 } as const;
export const DEFAULT_APPOINTMENT_TYPE = 1;

interface AppointmentRow { RECORDID: number; USERID: number; APPOINTMENTDATE: string; APPOINTMENTTIME: number; APPOINTMENTLENGTH: number; LOCATIONID: number | null; RECORDSTATUS: number }

const now = (): string => formatDateTime(nowLocal());

function activeAppointment(db: Database.Database, id: number): AppointmentRow {
  const row = prepareCached(db, 'SELECT * FROM APPOINTMENTS WHERE RECORDID = ?').get(id) as AppointmentRow | undefined;
  if (!row) throw procedureError(`Appointment ${id} does not exist.`);
  if (row.RECORDSTATUS !== RECORD.active) throw procedureError(`Appointment ${id} has been cancelled.`);
  return row;
}

function checkTime(time: number, length: number): void {
  if (!(time >= 0 && time < 86400)) throw procedureError('The appointment time must be between 0 and 86399 seconds.');
  if (!(length > 0 && time + length <= 86400)) throw procedureError('The appointment length must be a positive number of seconds within the day.');
}

function practitionerLocation(db: Database.Database, userId: number): number | null {
  const u = prepareCached(db, 'SELECT LOCATIONID FROM USERS WHERE USERID = ? AND RECORDSTATUS = 1').get(userId) as { LOCATIONID: number | null } | undefined;
  if (!u) throw procedureError(`Practitioner ${userId} does not exist.`);
  return u.LOCATIONID;
}

/** Shared body of BP_AddAppointment / BP_AddAppointmentEx: 0 when the time was taken meanwhile. */
function addAppointment(db: Database.Database, v: Record<string, unknown>): { returnValue: number; rowsAffected: number } {
  const date = String(v.aptdate);
  const time = Number(v.apttime);
  const type = v.appointmenttype === null || v.appointmenttype === undefined ? DEFAULT_APPOINTMENT_TYPE : Number(v.appointmenttype);
  let length = v.aptlen === null || v.aptlen === undefined ? NaN : Number(v.aptlen);
  if (Number.isNaN(length)) {
    const t = prepareCached(db, 'SELECT APPOINTMENTLENGTH FROM APPOINTMENTTYPES WHERE APPOINTMENTCODE = ?').get(type) as { APPOINTMENTLENGTH: number } | undefined;
    length = t?.APPOINTMENTLENGTH ?? 900;
  }
  checkTime(time, length);
  const userId = Number(v.practitionerid);
  const patientId = Number(v.patientid);
  const defaultLocation = practitionerLocation(db, userId);
  if (!prepareCached(db, 'SELECT 1 FROM PATIENTS WHERE INTERNALID = ? AND RECORDSTATUS = 1').get(patientId)) {
    throw procedureError(`Patient ${patientId} does not exist.`);
  }
  if (overlaps(bookedRanges(db, userId, date), time, length)) return { returnValue: 0, rowsAffected: 0 };
  const stamp = now();
  const login = v.loginid === null || v.loginid === undefined ? 0 : Number(v.loginid);
  const r = prepareCached(db, `INSERT INTO APPOINTMENTS (INTERNALID, RECORDSTATUS, USERID, LOCATIONID, APPOINTMENTDATE, APPOINTMENTTIME,
      APPOINTMENTLENGTH, APPOINTMENTCODE, APPOINTMENTTYPE, URGENT, REASON, BOOKEDBY, VIDEOURL, CREATED, CREATEDBY, UPDATED, UPDATEDBY)
    VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`)
    .run(patientId, userId, v.locationid ?? defaultLocation, date, time, length, STATUS.booked, type, v.reason ?? null, login,
      v.videourl ?? null, stamp, login, stamp, login);
  return { returnValue: Number(r.lastInsertRowid), rowsAffected: r.changes };
}

export const appointmentWriteProcedures: ProcDef[] = [
  {
    // Positional order follows the 7-argument PHP client: date, time, length, practitioner, patient, login, location.
    name: 'BP_AddAppointment',
    params: params('aptdate:date!, apttime:int!, aptlen:int!, practitionerid:int!, patientid:int!, loginid:int, locationid:int, appointmenttype:int, reason'),
    write: true,
    run: (db, { values }) => addAppointment(db, values),
  },
  {
    name: 'BP_AddAppointmentEx',
    params: params('aptdate:date!, apttime:int!, appointmenttype:int!, aptlen:int!, practitionerid:int!, patientid:int!, reason, loginid:int, locationid:int, videourl'),
    write: true,
    run: (db, { values }) => addAppointment(db, values),
  },
  {
    name: 'BP_UpdateAppointment',
    params: params('aptid:int!, apttype:int, aptlen:int, reason, loginid:int'),
    write: true,
    run: (db, { values: v, supplied }: ProcArgs) => {
      const apt = activeAppointment(db, Number(v.aptid));
      const length = supplied.has('aptlen') && v.aptlen !== null ? Number(v.aptlen) : apt.APPOINTMENTLENGTH;
      checkTime(apt.APPOINTMENTTIME, length);
      if (overlaps(bookedRanges(db, apt.USERID, apt.APPOINTMENTDATE, apt.RECORDID), apt.APPOINTMENTTIME, length)) return { returnValue: 0, rowsAffected: 0 };
      const r = prepareCached(db, `UPDATE APPOINTMENTS SET APPOINTMENTLENGTH = ?, APPOINTMENTTYPE = COALESCE(?, APPOINTMENTTYPE),
        REASON = CASE WHEN ? THEN ? ELSE REASON END, UPDATED = ?, UPDATEDBY = ? WHERE RECORDID = ?`)
        .run(length, v.apttype ?? null, supplied.has('reason') ? 1 : 0, v.reason ?? null, now(), v.loginid ?? 0, apt.RECORDID);
      return { returnValue: apt.RECORDID, rowsAffected: r.changes };
    },
  },
  {
    name: 'BP_MoveAppointment',
    params: params('aptid:int!, aptdate:date!, apttime:int!, practitionerid:int, locationid:int, loginid:int'),
    write: true,
    run: (db, { values: v }) => {
      const apt = activeAppointment(db, Number(v.aptid));
      const userId = v.practitionerid === null || v.practitionerid === undefined ? apt.USERID : Number(v.practitionerid);
      const location = v.locationid ?? (userId === apt.USERID ? apt.LOCATIONID : practitionerLocation(db, userId));
      const time = Number(v.apttime);
      checkTime(time, apt.APPOINTMENTLENGTH);
      if (overlaps(bookedRanges(db, userId, String(v.aptdate), apt.RECORDID), time, apt.APPOINTMENTLENGTH)) return { returnValue: 0, rowsAffected: 0 };
      const r = prepareCached(db, `UPDATE APPOINTMENTS SET APPOINTMENTDATE = ?, APPOINTMENTTIME = ?, USERID = ?, LOCATIONID = ?, UPDATED = ?, UPDATEDBY = ?
        WHERE RECORDID = ?`).run(v.aptdate, time, userId, location, now(), v.loginid ?? 0, apt.RECORDID);
      return { returnValue: apt.RECORDID, rowsAffected: r.changes };
    },
  },
  {
    // Bp keeps cancelled appointments (another RECORDSTATUS) and logs them in CANCELLEDAPPOINTMENTS.
    name: 'BP_CancelAppointment',
    params: params('aptid:int!, loginid:int, reason'),
    write: true,
    run: (db, { values: v }) => {
      const apt = activeAppointment(db, Number(v.aptid));
      const n = nowLocal();
      const r = prepareCached(db, 'UPDATE APPOINTMENTS SET RECORDSTATUS = ?, UPDATED = ?, UPDATEDBY = ? WHERE RECORDID = ?')
        .run(RECORD.cancelled, formatDateTime(n), v.loginid ?? 0, apt.RECORDID);
      const c = prepareCached(db, 'INSERT INTO CANCELLEDAPPOINTMENTS (APPOINTMENTID, CANCELLEDBY, CANCELLEDDATE, CANCELLEDTIME, REASON) VALUES (?, ?, ?, ?, ?)')
        .run(apt.RECORDID, v.loginid ?? 0, formatDateTime(n).slice(0, 10), secondsSinceMidnight(n), v.reason ?? null);
      return { returnValue: apt.RECORDID, rowsAffected: r.changes + c.changes };
    },
  },
  {
    name: 'BP_ArriveAppointment',
    params: params('aptid:int!, loginid:int'),
    write: true,
    run: (db, { values: v }) => {
      const apt = activeAppointment(db, Number(v.aptid));
      const r = prepareCached(db, 'UPDATE APPOINTMENTS SET APPOINTMENTCODE = ?, ARRIVALTIME = ?, UPDATED = ?, UPDATEDBY = ? WHERE RECORDID = ?')
        .run(STATUS.waiting, secondsSinceMidnight(nowLocal()), now(), v.loginid ?? 0, apt.RECORDID);
      return { returnValue: apt.RECORDID, rowsAffected: r.changes };
    },
  },
];

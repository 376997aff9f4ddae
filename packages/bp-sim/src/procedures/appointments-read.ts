// Read procedures over appointments: free slots, booked check, a patient's appointments, details.
import { prepareCached } from '../cache.js';
import { type ProcDef, params, resultSet } from './types.js';
import { freeSlots } from './slots.js';

const num = (v: unknown): number => Number(v);

export const appointmentReadProcedures: ProcDef[] = [
  {
    name: 'BP_GetFreeAppointments',
    params: params('userid:int!, aptdate:date!'),
    run: (db, { values }) => {
      const slots = freeSlots(db, num(values.userid), String(values.aptdate));
      return {
        columns: ['AppointmentTime', 'AppointmentLength', 'LocationID'],
        rows: slots.map((s) => ({ AppointmentTime: s.time, AppointmentLength: s.length, LocationID: s.locationId })),
        returnValue: 0,
      };
    },
  },
  {
    // "Only returns appointments that still have booked status": completed/arrived ones do not count.
    name: 'BP_IsAppointmentBooked',
    params: params('userid:int!, aptdate:date!, apttime:int!'),
    run: (db, { values }) => {
      const hit = prepareCached(db, `SELECT 1 FROM APPOINTMENTS WHERE USERID = ? AND APPOINTMENTDATE = ? AND RECORDSTATUS = 1
        AND APPOINTMENTCODE = 1 AND APPOINTMENTTIME <= ? AND APPOINTMENTTIME + APPOINTMENTLENGTH > ?`)
        .get(num(values.userid), values.aptdate, num(values.apttime), num(values.apttime));
      return { returnValue: hit ? 1 : 0 };
    },
  },
  {
    name: 'BP_GetPatientAppointments',
    params: params('patientid:int!'),
    run: (db, { values }) => ({
      ...resultSet(prepareCached(db, `SELECT a.RECORDID AS RecordID, a.APPOINTMENTCODE AS AppointmentCode, ac.DESCRIPTION AS Status,
          t.TITLE AS UserTitle, u.FIRSTNAME AS UserFirstname, u.SURNAME AS UserSurname, a.USERID AS UserID,
          a.APPOINTMENTDATE AS AppointmentDate, a.APPOINTMENTTIME AS AppointmentTime, a.APPOINTMENTLENGTH AS AppointmentLength,
          at.DESCRIPTION AS AppointmentType, a.APPOINTMENTTYPE AS AppointmentTypeID, a.LOCATIONID AS LocationID
        FROM APPOINTMENTS a
        LEFT JOIN USERS u ON u.USERID = a.USERID LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
        LEFT JOIN APPOINTMENTTYPES at ON at.APPOINTMENTCODE = a.APPOINTMENTTYPE
        LEFT JOIN APPOINTMENTCODES ac ON ac.APPOINTMENTCODE = a.APPOINTMENTCODE
        WHERE a.INTERNALID = ? AND a.RECORDSTATUS = 1
        ORDER BY a.APPOINTMENTDATE, a.APPOINTMENTTIME`), num(values.patientid)),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_GetAppointmentDetails',
    params: params('aptid:int!'),
    run: (db, { values }) => ({
      ...resultSet(prepareCached(db, `SELECT a.RECORDID AS RecordID, a.INTERNALID AS InternalID, p.FIRSTNAME AS Firstname, p.SURNAME AS Surname,
          a.APPOINTMENTDATE AS AppointmentDate, a.APPOINTMENTTIME AS AppointmentTime, a.APPOINTMENTLENGTH AS AppointmentLength,
          a.APPOINTMENTTYPE AS AppointmentType, at.DESCRIPTION AS Description, ac.DESCRIPTION AS Status,
          a.USERID AS UserID, t.TITLE AS UserTitle, u.FIRSTNAME AS UserFirstname, u.SURNAME AS UserSurname,
          a.LOCATIONID AS LocationID, a.REASON AS Reason, a.RECORDSTATUS AS RecordStatus
        FROM APPOINTMENTS a
        LEFT JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID
        LEFT JOIN USERS u ON u.USERID = a.USERID LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
        LEFT JOIN APPOINTMENTTYPES at ON at.APPOINTMENTCODE = a.APPOINTMENTTYPE
        LEFT JOIN APPOINTMENTCODES ac ON ac.APPOINTMENTCODE = a.APPOINTMENTCODE
        WHERE a.RECORDID = ?`), num(values.aptid)),
      returnValue: 0,
    }),
  },
];

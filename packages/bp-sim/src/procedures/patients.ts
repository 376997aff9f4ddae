// Patient procedures: searches, BP_AddPatient and the BP_UpdatePatient* family.
import type Database from 'better-sqlite3';
import { prepareCached } from '../cache.js';
import { procedureError } from '../errors.js';
import { formatDateTime, nowLocal } from '../dates.js';
import { isValidMedicareNumber } from '../generate/identifiers.js';
import { type ProcArgs, type ProcDef, params, resultSet } from './types.js';
import { likeCondition } from '../tsql/like.js';

const PATIENT_COLUMNS = `p.INTERNALID AS InternalID, t.TITLE AS Title, p.FIRSTNAME AS Firstname, p.MIDDLENAME AS Middlename,
  p.SURNAME AS Surname, p.PREFERREDNAME AS Preferredname, p.DOB AS DOB, p.SEXCODE AS SexCode, p.ADDRESS1 AS Address1,
  p.ADDRESS2 AS Address2, p.CITY AS City, p.POSTCODE AS Postcode, p.HOMEPHONE AS HomePhone, p.WORKPHONE AS WorkPhone,
  p.MOBILEPHONE AS MobilePhone, p.EMAIL AS Email, p.MEDICARENO AS MedicareNo, p.MEDICARELINENO AS MedicareLineNo,
  p.MEDICAREEXPIRY AS MedicareExpiry, p.USERID AS UsualDoctorID`;
const PATIENT_FROM = 'FROM PATIENTS p LEFT JOIN TITLES t ON t.TITLECODE = p.TITLECODE';

/** Parameters of BP_AddPatient in Bp's positional order, then the ones newer versions added. */
const ADD_PATIENT_PARAMS = params(
  'titlecode:int, firstname:varchar!, middlename, surname:varchar!, preferredname, address1, address2, city, postcode, ' +
  'postaladdress, postalcity, postalpostcode, dob:date!, sexcode:int, homephone, workphone, mobilephone, medicareno, ' +
  'medicarelineno, medicareexpiry, pensioncode:int, pensionno, pensionexpiry:date, dvacode:int, dvano, recordno, ' +
  'externalid, email, headoffamilyid:int, ethniccode:int, consentsmsreminder:int, nextofkinid:int, gendercode:int, ' +
  'pronouncode:int, emergencycontact',
);
/** Parameters accepted for compatibility that have no column in the simulator. */
const NO_COLUMN = new Set(['gendercode', 'pronouncode', 'emergencycontact']);

function validatePatient(v: Record<string, unknown>, supplied: Set<string>, adding: boolean): void {
  for (const f of ['firstname', 'surname'] as const) {
    if ((adding || supplied.has(f)) && (typeof v[f] !== 'string' || (v[f] as string).trim() === '')) {
      throw procedureError(`A ${f === 'firstname' ? 'first name' : 'surname'} is required.`);
    }
  }
  if ((adding || supplied.has('dob')) && !v.dob) throw procedureError('A date of birth is required.');
  const mc = v.medicareno;
  if (typeof mc === 'string' && mc.trim() !== '' && !isValidMedicareNumber(mc.replace(/\s/g, ''))) {
    throw procedureError('The Medicare number is not valid.');
  }
}

const clean = (name: string, v: unknown): unknown => (name === 'medicareno' && typeof v === 'string' ? v.replace(/\s/g, '') : v);

function requirePatient(db: Database.Database, id: number): void {
  if (!prepareCached(db, 'SELECT 1 FROM PATIENTS WHERE INTERNALID = ? AND RECORDSTATUS = 1').get(id)) {
    throw procedureError(`Patient ${id} does not exist.`);
  }
}

/** Updates the supplied columns of one patient; parameters the caller left out keep their values. */
function updatePatient(db: Database.Database, { values, supplied }: ProcArgs, columns: string[]): number {
  const id = Number(values.patientid);
  requirePatient(db, id);
  validatePatient(values, supplied, false);
  const cols = columns.filter((c) => supplied.has(c) && !NO_COLUMN.has(c));
  const now = formatDateTime(nowLocal());
  const sets = [...cols.map((c) => `${c.toUpperCase()} = ?`), 'UPDATED = ?'];
  const r = prepareCached(db, `UPDATE PATIENTS SET ${sets.join(', ')} WHERE INTERNALID = ?`)
    .run(...cols.map((c) => clean(c, values[c]) ?? null), now, id);
  return r.changes;
}

function updater(name: string, spec: string): ProcDef {
  const ps = params(`patientid:int!, ${spec}`);
  const cols = ps.slice(1).map((p) => p.name);
  return {
    name, params: ps, write: true,
    run: (db, args) => ({ returnValue: 0, rowsAffected: updatePatient(db, args, cols) }),
  };
}

export const patientProcedures: ProcDef[] = [
  {
    name: 'BP_GetPatientByNameDOB',
    params: params('firstname:varchar!, surname:varchar!, dob:date!'),
    run: (db, { values }) => ({
      ...resultSet(prepareCached(db, `SELECT ${PATIENT_COLUMNS} ${PATIENT_FROM}
        WHERE (p.FIRSTNAME = ? OR p.PREFERREDNAME = ?) AND p.SURNAME = ? AND p.DOB = ? AND p.RECORDSTATUS = 1 ORDER BY p.INTERNALID`),
      values.firstname, values.firstname, values.surname, values.dob),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_GetPatientByPartSurnameDOB',
    params: params('surname:varchar!, dob:date!'),
    run: (db, { values }) => ({
      ...resultSet(prepareCached(db, `SELECT ${PATIENT_COLUMNS} ${PATIENT_FROM}
        WHERE ${likeCondition('p.SURNAME', '?', "'\\'")} AND p.DOB = ? AND p.RECORDSTATUS = 1 ORDER BY p.SURNAME, p.FIRSTNAME`),
      `${String(values.surname ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`, values.dob),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_GetPatientByInternalID',
    params: params('patientid:int!'),
    run: (db, { values }) => ({
      ...resultSet(prepareCached(db, `SELECT p.INTERNALID AS InternalID, t.TITLE AS Title, p.FIRSTNAME AS Firstname, p.SURNAME AS Surname,
          p.DOB AS DOB, p.SEXCODE AS SexCode, p.MEDICARENO AS MedicareNo, p.MEDICARELINENO AS MedicareLineNo,
          p.MEDICAREEXPIRY AS MedicareExpiry, p.PENSIONCODE AS PensionCode, p.PENSIONNO AS PensionNo, p.PENSIONEXPIRY AS PensionExpiry,
          p.HOMEPHONE AS HomePhone, p.WORKPHONE AS WorkPhone, p.MOBILEPHONE AS MobilePhone, p.ADDRESS1 AS Address1, p.CITY AS City,
          p.POSTCODE AS Postcode, p.EMAIL AS Email, p.DVACODE AS DVACode, p.DVANO AS DVANo, p.IHI AS IHI
        ${PATIENT_FROM} WHERE p.INTERNALID = ? AND p.RECORDSTATUS = 1`), Number(values.patientid)),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_AddPatient',
    params: ADD_PATIENT_PARAMS,
    write: true,
    run: (db, { values, supplied }) => {
      validatePatient(values, supplied, true);
      const cols = ADD_PATIENT_PARAMS.map((p) => p.name).filter((c) => !NO_COLUMN.has(c));
      const now = formatDateTime(nowLocal());
      const sql = `INSERT INTO PATIENTS (${cols.map((c) => c.toUpperCase()).join(', ')}, RECORDSTATUS, PATIENTSTATUS, CREATED, CREATEDBY, UPDATED)
        VALUES (${cols.map(() => '?').join(', ')}, 1, 1, ?, 0, ?)`;
      const r = prepareCached(db, sql).run(...cols.map((c) => clean(c, values[c]) ?? null), now, now);
      return { returnValue: Number(r.lastInsertRowid), rowsAffected: r.changes };
    },
  },
  {
    name: 'BP_UpdatePatient',
    params: params(`patientid:int!, ${ADD_PATIENT_PARAMS.map((p) => `${p.name}:${p.type}`).join(', ')}`),
    write: true,
    run: (db, args) => ({ returnValue: 0, rowsAffected: updatePatient(db, args, ADD_PATIENT_PARAMS.map((p) => p.name)) }),
  },
  {
    // Parameters and order from a Node mssql client (InternalId, TitleCode, Surname, Firstname, Address, City,
    // Postcode, ContactPhone, Relationship, ContactPhone2). The contact is a NEXTOFKIN row (TYPE 2) that
    // PATIENTS.EMERGENCYID points to; a second call updates that row. Returns 0.
    name: 'BP_SetEmergencyContact',
    params: params('internalid:int!, titlecode:int, surname, firstname, address, city, postcode, contactphone, relationship, contactphone2'),
    write: true,
    run: (db, { values: v }) => {
      const id = Number(v.internalid);
      requirePatient(db, id);
      const now = formatDateTime(nowLocal());
      const fields = [v.titlecode ?? 0, v.surname ?? null, v.firstname ?? null, v.address ?? null, v.city ?? null, v.postcode ?? null,
        v.contactphone ?? null, v.contactphone2 ?? null, v.relationship ?? null];
      const current = prepareCached(db, `SELECT k.NEXTOFKINID AS id FROM PATIENTS p JOIN NEXTOFKIN k ON k.NEXTOFKINID = p.EMERGENCYID
        WHERE p.INTERNALID = ? AND k.RECORDSTATUS = 1`).get(id) as { id: number } | undefined;
      if (current) {
        const r = prepareCached(db, `UPDATE NEXTOFKIN SET TITLECODE = ?, SURNAME = ?, FIRSTNAME = ?, ADDRESS = ?, CITY = ?, POSTCODE = ?,
          CONTACTPHONE = ?, CONTACTPHONE2 = ?, RELATIONSHIP = ?, UPDATED = ?, UPDATEDBY = 0 WHERE NEXTOFKINID = ?`).run(...fields, now, current.id);
        return { returnValue: 0, rowsAffected: r.changes };
      }
      const r = prepareCached(db, `INSERT INTO NEXTOFKIN (RECORDSTATUS, TITLECODE, SURNAME, FIRSTNAME, ADDRESS, CITY, POSTCODE, CONTACTPHONE,
        CONTACTPHONE2, RELATIONSHIP, CREATED, CREATEDBY, HEADOFFAMILYID, TYPE, INTERNALID) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 2, ?)`)
        .run(...fields, now, id);
      const u = prepareCached(db, 'UPDATE PATIENTS SET EMERGENCYID = ?, UPDATED = ? WHERE INTERNALID = ?').run(Number(r.lastInsertRowid), now, id);
      return { returnValue: 0, rowsAffected: r.changes + u.changes };
    },
  },
  updater('BP_UpdatePatientMedicare', 'medicareno, medicarelineno, medicareexpiry'),
  updater('BP_UpdatePatientPension', 'pensioncode:int, pensionno, pensionstart:date, pensionexpiry:date'),
  updater('BP_UpdatePatientDVA', 'dvacode:int, dvano'),
  updater('BP_UpdatePatientContacts', 'homephone, workphone, mobilephone'),
  updater('BP_UpdatePatientAddress', 'address1, address2, city, postcode'),
  updater('BP_UpdatePatientEmail', 'email'),
  updater('BP_UpdatePatientHealthFund', 'healthfundno, healthfundname, healthfundid:int, healthfundexpiry:date'),
];

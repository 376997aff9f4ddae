// Investigations (pathology and imaging results), emergency contacts and internal messages of a
// generated practice. A PRNG of its own (derived from the seed) keeps the rest of the generated data
// identical to what it was before these tables existed.
import type Database from 'better-sqlite3';
import { formatDate, fromEpochDay } from '../dates.js';
import { Prng } from './prng.js';
import * as D from './data.js';

const TESTS = ['Full blood count', 'Lipid studies', 'HbA1c', 'Liver function tests', 'Urea, electrolytes, creatinine', 'Thyroid function tests',
  'Vitamin D', 'Iron studies', 'Chest X-ray', 'Ultrasound abdomen', 'Urine microscopy and culture', 'Cervical screening test'];
const LABS = ['Laverty Pathology', 'Douglass Hanly Moir Pathology', 'Australian Clinical Labs', 'PRP Diagnostic Imaging', 'Castlereagh Imaging'];
const COMMENTS = ['No action', 'Discuss at next visit', 'Recall patient', 'Repeat in 3 months', null];
const RELATIONSHIPS = ['Spouse', 'Partner', 'Mother', 'Father', 'Daughter', 'Son', 'Sister', 'Brother', 'Friend'];
const SUBJECTS = ['Please call patient', 'Script request', 'Results to discuss', 'Referral letter received', 'Room change'];

export interface ClinicalOptions { seed: number; patients: number; practitioners: number; todayDay: number; staffFrom: number; staff: number }

const at = (day: number, seconds: number): string =>
  `${formatDate(fromEpochDay(day))} ${[Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60].map((n) => String(n).padStart(2, '0')).join(':')}`;

export function generateClinical(db: Database.Database, o: ClinicalOptions): void {
  const rng = new Prng(o.seed * 7919 + 17);
  const inv = db.prepare(`INSERT INTO INVESTIGATIONS (RECORDSTATUS, INTERNALID, USERID, IMPORTDATE, REQUESTID, REQUESTDATE, PROVIDERREFERENCE,
    PROVIDERNAME, PROVIDERID, COLLECTIONDATE, TESTNAME, REPORTDATE, REPORTTIME, NORMALFLAG, COMPLETIONFLAG, CONFIDENTIALFLAG, CHECKDATE,
    CHECKEDBY, NOTATION, ACTION, COMMENT, ACTIONED, ACTIONDATE, STORED, CREATED, CREATEDBY, LOCATIONID)
    VALUES (1, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, 0, ?, ?, ?, ?, 1, ?, 0, ?)`);
  const kin = db.prepare(`INSERT INTO NEXTOFKIN (RECORDSTATUS, TITLECODE, SURNAME, FIRSTNAME, ADDRESS, CITY, POSTCODE, CONTACTPHONE, CONTACTPHONE2,
    RELATIONSHIP, CREATED, CREATEDBY, HEADOFFAMILYID, TYPE, INTERNALID) VALUES (1, 0, ?, ?, '', '', '', ?, '', ?, ?, 0, 0, 2, ?)`);
  const link = db.prepare('UPDATE PATIENTS SET EMERGENCYID = ? WHERE INTERNALID = ?');
  const msg = db.prepare(`INSERT INTO MESSAGES (MESSAGEID, MESSAGESTATUS, PRIORITY, USERID, FROMID, INTERNALID, MESSAGEDATE, MESSAGETIME, SUBJECT,
    MESSAGE, CREATED, CREATEDBY) VALUES (0, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let id = 1; id <= o.patients; id++) {
      if (rng.chance(0.25)) {
        for (let k = rng.int(1, 3); k > 0; k--) {
          const requested = o.todayDay - rng.int(1, 400);
          const reported = requested + rng.int(1, 5);
          const doctor = rng.int(1, o.practitioners);
          const checked = reported < o.todayDay - 2 || rng.chance(0.5);
          const comment = checked ? rng.pick(COMMENTS) : null;
          inv.run(id, doctor, at(reported, rng.int(6 * 3600, 20 * 3600)), formatDate(fromEpochDay(requested)), `${rng.digits(2)}-${rng.digits(7)}`,
            rng.pick(LABS), rng.int(1, 5), formatDate(fromEpochDay(requested + rng.int(0, 1))), rng.pick(TESTS), formatDate(fromEpochDay(reported)),
            rng.int(6 * 3600, 20 * 3600), rng.chance(0.8) ? 1 : 0, checked ? formatDate(fromEpochDay(reported + rng.int(0, 2))) : null,
            checked ? doctor : 0, comment === null ? 0 : 1, comment, comment === null ? 0 : 1, comment === null ? null : formatDate(fromEpochDay(reported + 2)),
            at(reported, 20 * 3600), ((doctor - 1) % 2) + 1);
        }
      }
      if (rng.chance(0.3)) {
        const r = kin.run(rng.pick(D.SURNAMES), rng.pick(rng.chance(0.5) ? D.FEMALE_NAMES : D.MALE_NAMES),
          `04${rng.digits(2)} ${rng.digits(3)} ${rng.digits(3)}`, rng.pick(RELATIONSHIPS), at(o.todayDay - rng.int(30, 2000), 10 * 3600), id);
        link.run(Number(r.lastInsertRowid), id);
      }
    }
    for (let uid = 1; uid <= o.practitioners; uid++) {
      for (let k = rng.int(0, 3); k > 0; k--) {
        const day = o.todayDay - rng.int(0, 14);
        const t = rng.int(8 * 3600, 17 * 3600);
        msg.run(rng.chance(0.6) ? 1 : 0, uid, o.staffFrom + rng.int(0, o.staff - 1), rng.int(1, o.patients), formatDate(fromEpochDay(day)), t,
          rng.pick(SUBJECTS), 'Message from reception.', at(day, t), o.staffFrom);
      }
    }
  })();
}

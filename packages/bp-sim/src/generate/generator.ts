// Builds a complete simulated practice from a seed. Everything (including CREATED stamps) derives
// from the seed and startDate, so the same options give byte-identical data. Bulk load uses one
// prepared statement per table inside large transactions with synchronous=OFF; secondary indexes
// are built after the load, which is much faster than maintaining them row by row.
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { addDays, dayOfWeek, epochDay, fromEpochDay, formatDate, parseDateish } from '../dates.js';
import { createIndexes, createTables, INDEXES } from '../schema.js';
import { createViews } from '../views.js';
import { Prng } from './prng.js';
import * as D from './data.js';
import { makeIhi, makeMedicareNumber } from './identifiers.js';
import { PMS_VERSION } from '../practice.js';
import { ensureIntegrationLoginTable } from '../integration-login.js';
import { generateClinical } from './clinical.js';
import { enableCollation, markIndexesCollated } from '../collation-extension.js';

export interface GenerateOptions {
  patients?: number;
  weeks?: number;
  practitioners?: number;
  seed?: number;
  /** Day the appointment window is centred on ("today" of the data). Default '2026-01-05' keeps output deterministic. */
  startDate?: string;
  siteId?: string;
  practiceName?: string;
}

export interface GenerateResult { patients: number; appointments: number; practitioners: number; siteId: string; practiceName: string }
export type ProgressFn = (done: number, total: number, phase: string) => void;

export const DEFAULT_START_DATE = '2026-01-05';
const MORNING = [8 * 3600, 12 * 3600 + 1800] as const;
const AFTERNOON = [13 * 3600 + 1800, 17 * 3600] as const;
const SLOT = 900;
const FILL_RATE = 0.72;
const STAFF = 3; // reception and practice manager: users without an appointment book

interface SessionDef { day: number; start: number; end: number; location: number; weeks: number; cycleWeek: number }

/** Medicare provider number: 6-digit stem, practice location character, check character. */
function providerNumber(rng: Prng): string {
  const stem = String(rng.int(200000, 499999));
  const plvChars = '0123456789ABCDEFGHJKLMNPQRTUVWXY';
  const plv = rng.int(0, plvChars.length - 1);
  const sum = [3, 5, 8, 4, 2, 1].reduce((s, w, i) => s + w * Number(stem[i]), 0) + plv * 6;
  return `${stem}${plvChars[plv]}${'YXWTLKJHFBA'[sum % 11]}`;
}

const phone = (rng: Prng, mobile: boolean): string => (mobile ? `04${rng.digits(2)} ${rng.digits(3)} ${rng.digits(3)}` : `(02) 9${rng.digits(3)} ${rng.digits(4)}`);
const stamp = (date: string, seconds: number): string =>
  `${date} ${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;

export function createPracticeDatabase(file: string, opts: GenerateOptions = {}, onProgress?: ProgressFn): GenerateResult {
  const patients = opts.patients ?? 5000;
  const weeks = opts.weeks ?? 26;
  const practitioners = opts.practitioners ?? 12;
  const seed = opts.seed ?? 1;
  const today = opts.startDate ?? DEFAULT_START_DATE;
  if (!parseDateish(today)) throw new Error(`startDate must be YYYY-MM-DD, got ${today}`);
  if (patients < 1 || practitioners < 1 || weeks < 0) throw new Error('patients and practitioners must be >= 1, weeks >= 0');
  const rng = new Prng(seed);
  const siteId = opts.siteId ?? String(rng.int(10000, 99999));
  const practiceName = opts.practiceName ?? rng.pick(D.PRACTICE_NAMES);
  const progress = (done: number, total: number, phase: string): void => onProgress?.(done, total, phase);

  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
  const db = new Database(file);
  enableCollation(db); // before any NOCASE index is built
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  let appointments = 0;
  try {
    progress(0, 1, 'schema');
    createTables(db);
    createViews(db);
    ensureIntegrationLoginTable(db);
    progress(1, 1, 'schema');

    // --- practice, lookups, locations, users, sessions -------------------------------------------
    const created = `${addDays(today, -3650)} 09:00:00`;
    const [suburb1, pc1] = D.SUBURBS[0] as readonly [string, string];
    const [suburb2, pc2] = D.SUBURBS[4] as readonly [string, string];
    const insertMany = (sql: string, rows: unknown[][]): void => { const s = db.prepare(sql); for (const r of rows) s.run(...r); };
    const sessions = new Map<number, SessionDef[]>();
    const away = new Map<number, Array<[string, string]>>();
    const extras = new Map<string, Array<[number, number, number]>>(); // `${user}|${date}` → [start, end, location]
    const windowStart = addDays(today, -Math.floor(weeks / 2) * 7 - ((dayOfWeek(today) + 5) % 7));
    const windowDays = weeks * 7;
    db.transaction(() => {
      db.prepare(`INSERT INTO PRACTICE (PRACTICEID, PRACTICENAME, HPIO, ABN, SERIALNUMBER, SITEID, PMSVERSION, ADDRESS1, CITY, POSTCODE, PHONE)
        VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(practiceName, `8003627${rng.digits(9)}`, rng.digits(11), `BP-${rng.digits(8)}`,
        siteId, PMS_VERSION, '12 Church Street', suburb1, pc1, phone(rng, false));
      insertMany('INSERT INTO LOCATIONS VALUES (?, 1, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)', [
        [1, 'MAIN', `${practiceName} - ${suburb1}`, '12 Church Street', suburb1, pc1, phone(rng, false), phone(rng, false), phone(rng, false),
          `reception@${suburb1.toLowerCase().replace(/ /g, '')}.example.com.au`, `8003627${rng.digits(9)}`, rng.digits(11)],
        [2, 'BRANCH', `${practiceName} - ${suburb2}`, '3/45 Wattle Road', suburb2, pc2, phone(rng, false), phone(rng, false), phone(rng, false),
          `reception@${suburb2.toLowerCase().replace(/ /g, '')}.example.com.au`, `8003627${rng.digits(9)}`, rng.digits(11)],
      ]);
      insertMany('INSERT INTO TITLES VALUES (?, ?)', D.TITLES.map((t) => [...t]));
      insertMany('INSERT INTO USERGROUPS VALUES (?, ?)', D.USER_GROUPS.map((t) => [...t]));
      insertMany('INSERT INTO PATIENTSTATUS VALUES (?, ?)', [[1, 'Active'], [2, 'Inactive'], [3, 'Deceased']]);
      insertMany(`INSERT INTO APPOINTMENTTYPES VALUES (?, 1, ?, ?, ?, ?, 1, 1, '${created}', 0, '${created}', 0)`,
        D.APPOINTMENT_TYPES.map(([code, desc, len]) => [code, code, code, len, desc]));
      insertMany('INSERT INTO APPOINTMENTCODES VALUES (?, ?)', D.APPOINTMENT_STATUSES.map((t) => [...t]));
      insertMany('INSERT INTO REMINDERREASONS VALUES (?, 1, ?, ?)', D.REMINDER_REASONS.map(([text, months], i) => [i + 1, text, months]));

      const user = db.prepare(`INSERT INTO USERS (USERID, RECORDSTATUS, USERSTATUS, LOCATIONID, HPII, GROUPCODE, TITLECODE, SURNAME, FIRSTNAME,
        REGISTRATIONNO, PRESCRIBERNO, PROVIDERNO, PHONE, MOBILEPHONE, EMAIL, APPOINTMENTS, CREATED, CREATEDBY) VALUES (?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`);
      const provLoc = db.prepare('INSERT INTO PROVIDERLOCATION (USERID, LOCATIONID, PROVIDERNUMBER) VALUES (?, ?, ?)');
      const session = db.prepare(`INSERT INTO SESSIONS (RECORDSTATUS, USERID, LOCATIONID, DAYOFWEEK, STARTTIME, ENDTIME, LENGTH, SPECIAL, LABEL, RGB,
        STARTDATE, ENDDATE, WEEKS, CYCLEWEEK, CYCLEDATE) VALUES (1, ?, ?, ?, ?, ?, ?, 0, ?, ?, '2020-01-06', NULL, ?, ?, ?)`);
      const extra = db.prepare(`INSERT INTO EXTRASESSIONS (RECORDSTATUS, USERID, LOCATIONID, SESSIONDATE, STARTTIME, ENDTIME, LENGTH, SPECIAL, LABEL, RGB)
        VALUES (1, ?, ?, ?, ?, ?, ${SLOT}, 0, 'Extra session', 0)`);
      const daysAway = db.prepare('INSERT INTO DAYSAWAY (RECORDSTATUS, USERID, STARTDATE, FINISHDATE, AWAYREASON) VALUES (1, ?, ?, ?, ?)');
      const internet = db.prepare('INSERT INTO INTERNETAPPOINTMENTS (RECORDSTATUS, USERID, LOCATIONID, DAYOFWEEK, APPOINTMENTTIME) VALUES (1, ?, ?, ?, ?)');
      for (let id = 1; id <= practitioners + STAFF; id++) {
        const isPractitioner = id <= practitioners;
        const female = rng.chance(0.5);
        const first = rng.pick(female ? D.FEMALE_NAMES : D.MALE_NAMES);
        const surname = rng.pick(D.SURNAMES);
        const location = ((id - 1) % 2) + 1;
        const nurse = isPractitioner && id > 2 && id % 6 === 0;
        const group = !isPractitioner ? (id === practitioners + STAFF ? 5 : 4) : id === 1 ? 1 : nurse ? 3 : 2;
        const provider = isPractitioner ? providerNumber(rng) : null;
        user.run(id, location, isPractitioner ? `800361${rng.digits(10)}` : null, group, isPractitioner && !nurse ? 5 : female ? 3 : 1, surname, first,
          isPractitioner ? `MED000${rng.digits(7)}` : null, isPractitioner && !nurse ? rng.digits(7) : null, provider, phone(rng, false), phone(rng, true),
          `${first}.${surname}`.toLowerCase().replace(/[^a-z.]/g, '') + '@example.com.au', isPractitioner ? 1 : 0, created);
        if (!isPractitioner) continue;
        provLoc.run(id, location, provider);
        if (rng.chance(0.3)) provLoc.run(id, 3 - location, providerNumber(rng));
        // weekly pattern: Mon-Fri with one day off for some; a fortnightly Saturday morning for a few
        const dayOff = rng.chance(0.35) ? rng.int(2, 6) : 0;
        const defs: SessionDef[] = [];
        for (let day = 2; day <= 6; day++) {
          if (day === dayOff) continue;
          defs.push({ day, start: MORNING[0], end: MORNING[1], location, weeks: 1, cycleWeek: 1 });
          defs.push({ day, start: AFTERNOON[0], end: AFTERNOON[1], location, weeks: 1, cycleWeek: 1 });
        }
        if (rng.chance(0.35)) defs.push({ day: 7, start: 9 * 3600, end: 12 * 3600, location, weeks: 2, cycleWeek: rng.int(1, 2) });
        sessions.set(id, defs);
        for (const s of defs) {
          session.run(id, s.location, s.day, s.start, s.end, SLOT, s.start < 12 * 3600 ? 'Morning' : 'Afternoon', 0, s.weeks, s.cycleWeek, s.weeks > 1 ? windowStart : null);
          if (s.weeks === 1) {
            for (let t = s.start; t + SLOT <= s.end; t += SLOT) if (rng.chance(0.25)) internet.run(id, s.location, s.day, t);
          }
        }
        // leave: one or two breaks of 1-5 days in the window
        const leaves: Array<[string, string]> = [];
        for (let k = rng.int(1, 2); k > 0 && windowDays > 0; k--) {
          const from = addDays(windowStart, rng.int(0, windowDays - 1));
          const to = addDays(from, rng.int(0, 4));
          leaves.push([from, to]);
          daysAway.run(id, from, to, rng.pick(['Annual leave', 'Conference', 'Personal leave', 'Training']));
        }
        away.set(id, leaves);
        if (windowDays > 0 && rng.chance(0.5)) {
          const date = addDays(windowStart, rng.int(0, windowDays - 1));
          extra.run(id, location, date, 17 * 3600, 19 * 3600);
          extras.set(`${id}|${date}`, [[17 * 3600, 19 * 3600, location]]);
        }
      }
    })();
    progress(1, 1, 'setup');

    // --- patients ------------------------------------------------------------------------------
    const todayDay = epochDay(parseDateish(today) as NonNullable<ReturnType<typeof parseDateish>>);
    const patientStmt = db.prepare(`INSERT INTO PATIENTS (INTERNALID, RECORDSTATUS, EXTERNALID, IHI, IHISTATUS, IHIRECORDSTATUS, PATIENTSTATUS,
      TITLECODE, FIRSTNAME, MIDDLENAME, SURNAME, PREFERREDNAME, ADDRESS1, ADDRESS2, CITY, POSTCODE, DOB, SEXCODE, ETHNICCODE, HOMEPHONE,
      MOBILEPHONE, EMAIL, MEDICARENO, MEDICARELINENO, MEDICAREEXPIRY, PENSIONCODE, PENSIONNO, PENSIONEXPIRY, DVACODE, DVANO, RECORDNO,
      HEALTHFUNDNO, HEALTHFUNDNAME, USERID, NOREMINDERS, CONSENTSMSREMINDER, CREATED, CREATEDBY, UPDATED, UPDATEDBY)
      VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0, ?, 0)`);
    const step = Math.max(1, Math.floor(patients / 100));
    db.transaction(() => {
      for (let id = 1; id <= patients; id++) {
        const sex = rng.chance(0.51) ? 2 : 1;
        const age = rng.weighted([[rng.int(0, 17), 22], [rng.int(18, 44), 35], [rng.int(45, 64), 25], [rng.int(65, 96), 18]] as const);
        const dob = formatDate(fromEpochDay(todayDay - age * 365 - rng.int(0, 364)));
        const first = rng.pick(sex === 2 ? D.FEMALE_NAMES : D.MALE_NAMES);
        const surname = rng.pick(D.SURNAMES);
        const title = age < 16 ? (sex === 1 ? 6 : 4) : sex === 1 ? 1 : rng.pick([2, 3, 4]);
        const [city, postcode] = rng.pick(D.SUBURBS);
        const address = `${rng.chance(0.15) ? `${rng.int(1, 20)}/` : ''}${rng.int(1, 180)} ${rng.pick(D.STREET_NAMES)} ${rng.pick(D.STREET_TYPES)}`;
        const hasMedicare = rng.chance(0.93);
        // Bp keeps the Medicare expiry as text 'MM/YYYY' (a string in the EF scaffold of BPSPatients, github.com/2tajshariff/nrme.Booking.Api Models/BPPatients/Patients.cs).
        const expiry = formatDate(fromEpochDay(todayDay + rng.int(-60, 1800))).replace(/^(\d{4})-(\d{2}).*$/, '$2/$1');
        const pension = age >= 65 && rng.chance(0.6) ? 1 : age >= 18 && rng.chance(0.08) ? 3 : null;
        const fund = age >= 18 && rng.chance(0.45) ? rng.pick(D.HEALTH_FUNDS) : null;
        const dva = age >= 70 && rng.chance(0.05);
        const createdDay = todayDay - rng.int(30, 3650);
        patientStmt.run(id, `P${String(id).padStart(6, '0')}`, rng.chance(0.8) ? makeIhi(rng.digits(9)) : null, 1, 1, rng.chance(0.01) ? 2 : 1,
          title, first, rng.chance(0.4) ? rng.pick(sex === 2 ? D.FEMALE_NAMES : D.MALE_NAMES) : null, surname,
          rng.chance(0.05) ? first.slice(0, 3) : null, address, city, postcode, dob, sex, rng.weighted([[4, 90], [1, 3], [5, 6], [2, 1]] as const),
          rng.chance(0.3) ? phone(rng, false) : null, age >= 14 || rng.chance(0.2) ? phone(rng, true) : null,
          rng.chance(0.6) ? `${first}.${surname}${rng.int(1, 99)}@${rng.pick(D.EMAIL_DOMAINS)}`.toLowerCase().replace(/'/g, '') : null,
          hasMedicare ? makeMedicareNumber(`${rng.int(2, 6)}${rng.digits(7)}`, rng.int(1, 5)) : null, hasMedicare ? String(rng.int(1, 5)) : null,
          hasMedicare ? expiry : null, pension, pension ? `${rng.digits(3)}-${rng.digits(3)}-${rng.digits(3)}${'ABCDEFGHJK'[rng.int(0, 9)]}` : null,
          pension ? formatDate(fromEpochDay(todayDay + rng.int(30, 700))) : null, dva ? 1 : null, dva ? `N${rng.digits(6)}` : null,
          String(id), fund ? rng.digits(8) : null, fund, rng.int(1, practitioners), rng.chance(0.85) ? 1 : 0,
          stamp(formatDate(fromEpochDay(createdDay)), rng.int(8 * 3600, 17 * 3600)), stamp(formatDate(fromEpochDay(createdDay)), 17 * 3600 + 1800));
        if (id % step === 0 || id === patients) progress(id, patients, 'patients');
      }
    })();

    // --- appointments --------------------------------------------------------------------------
    const apptStmt = db.prepare(`INSERT INTO APPOINTMENTS (INTERNALID, RECORDSTATUS, USERID, LOCATIONID, APPOINTMENTDATE, APPOINTMENTTIME,
      APPOINTMENTLENGTH, APPOINTMENTCODE, APPOINTMENTTYPE, URGENT, REASON, ARRIVALTIME, CONSULTATIONTIME, VISITLENGTH, BOOKEDBY, VIDEOURL,
      CREATED, CREATEDBY, UPDATED, UPDATEDBY) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const cancelStmt = db.prepare('INSERT INTO CANCELLEDAPPOINTMENTS (APPOINTMENTID, CANCELLEDBY, CANCELLEDDATE, CANCELLEDTIME, REASON) VALUES (?, ?, ?, ?, ?)');
    const totalDays = windowDays * practitioners;
    const dayStep = Math.max(1, Math.floor(totalDays / 200));
    const noon = 12 * 3600;
    const reasons = ['Check-up', 'Script renewal', 'Follow-up', 'Results', 'Cough', 'Back pain', 'Skin check', 'Vaccination', 'Referral', null];
    let doneDays = 0;
    const runDay = db.transaction((date: string, dow: number, weekIdx: number, dayNum: number) => {
      for (let uid = 1; uid <= practitioners; uid++) {
        doneDays++;
        if (doneDays % dayStep === 0 || doneDays === totalDays) progress(doneDays, totalDays, 'appointments');
        if ((away.get(uid) ?? []).some(([a, b]) => a <= date && date <= b)) continue;
        const todays = (sessions.get(uid) ?? []).filter((s) => s.day === dow && (s.weeks === 1 || weekIdx % s.weeks === s.cycleWeek - 1))
          .map((s): [number, number, number] => [s.start, s.end, s.location]);
        for (const [start, end, location] of [...todays, ...(extras.get(`${uid}|${date}`) ?? [])]) {
          let t = start;
          while (t + SLOT <= end) {
            if (!rng.chance(FILL_RATE)) { t += SLOT; continue; }
            let [type, , length] = rng.weighted(D.APPOINTMENT_TYPES.map((a) => [a, a[0] === 1 ? 70 : a[0] === 3 ? 8 : 3] as const));
            if (t + length > end) { type = 1; length = SLOT; }
            const past = dayNum < todayDay || (dayNum === todayDay && t < noon);
            const cancelled = rng.chance(past ? 0.04 : 0.03);
            const dna = past && !cancelled && rng.chance(0.02);
            const status = past ? (dna ? 6 : 5) : 1;
            const bookedDay = dayNum - rng.int(0, 28);
            const createdAt = stamp(formatDate(fromEpochDay(bookedDay)), rng.int(8 * 3600, 18 * 3600));
            const bookedBy = rng.chance(0.3) ? 0 : practitioners + rng.int(1, STAFF);
            const arrival = past && !dna ? t - rng.int(0, 900) : null;
            const r = apptStmt.run(rng.int(1, patients), cancelled ? 2 : 1, uid, location, date, t, length, status, type, rng.pick(reasons),
              arrival, arrival === null ? null : t + rng.int(0, 1200), arrival === null ? null : length + rng.int(-300, 600), bookedBy,
              type === 3 ? `https://video.example.com.au/${rng.digits(10)}` : null, createdAt, bookedBy, createdAt, bookedBy);
            appointments++;
            if (cancelled) {
              const when = Math.min(bookedDay + rng.int(0, 7), dayNum);
              cancelStmt.run(Number(r.lastInsertRowid), bookedBy, formatDate(fromEpochDay(when)), rng.int(8 * 3600, 18 * 3600),
                rng.pick(['Patient cancelled', 'Unwell', 'Rescheduled', 'Doctor unavailable']));
              t += SLOT; // the slot is free again; a new booking may take it later
              continue;
            }
            t += length;
          }
        }
      }
    });
    const startDay = epochDay(parseDateish(windowStart) as NonNullable<ReturnType<typeof parseDateish>>);
    for (let d = 0; d < windowDays; d++) {
      const date = formatDate(fromEpochDay(startDay + d));
      runDay(date, dayOfWeek(date), Math.floor(d / 7), startDay + d);
    }
    if (totalDays === 0) progress(0, 0, 'appointments');

    // --- reminders -----------------------------------------------------------------------------
    const reminderStmt = db.prepare(`INSERT INTO REMINDERS (RECORDSTATUS, REMINDERSTATUS, INTERNALID, USERID, REMINDERREASONID, REASONTEXT,
      REMINDERDUE, STATUSTEXT, LOCATIONID, RECURRING, SENT, CREATED, CREATEDBY) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      for (let id = 1; id <= patients; id++) {
        if (rng.chance(0.3)) {
          for (let k = rng.int(1, 2); k > 0; k--) {
            const reason = rng.int(1, D.REMINDER_REASONS.length);
            const due = todayDay + rng.int(-180, 180);
            const sent = due < todayDay && rng.chance(0.7) ? 1 : 0;
            const uid = rng.int(1, practitioners);
            reminderStmt.run(sent ? 2 : 1, id, uid, reason, (D.REMINDER_REASONS[reason - 1] as readonly [string, number])[0],
              formatDate(fromEpochDay(due)), sent ? 'Sent' : 'Pending', ((uid - 1) % 2) + 1, rng.chance(0.5) ? 1 : 0, sent,
              stamp(formatDate(fromEpochDay(due - rng.int(30, 365))), rng.int(8 * 3600, 17 * 3600)), uid);
          }
        }
        if (id % step === 0 || id === patients) progress(id, patients, 'reminders');
      }
    })();

    generateClinical(db, { seed, patients, practitioners, todayDay, staffFrom: practitioners + 1, staff: STAFF });

    // --- indexes and finish --------------------------------------------------------------------
    INDEXES.forEach((_ddl, i) => progress(i, INDEXES.length, 'indexes'));
    createIndexes(db);
    markIndexesCollated(db);
    progress(INDEXES.length, INDEXES.length, 'indexes');
    db.pragma('synchronous = NORMAL');
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { patients, appointments, practitioners, siteId, practiceName };
}

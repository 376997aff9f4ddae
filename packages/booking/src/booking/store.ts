// The booking product's own SQLite store: connected practices and the bookings made through it.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';

export interface Practice {
  id: number;
  /**
   * The practice's key in this product: the Conduit site id for practices onboarded through Conduit,
   * the Connector's practice id for practices that came through the legacy Connector.
   */
  siteId: string;
  bpSiteId: string;
  name: string;
  /** The practice management system, e.g. "Best Practice"; only Best Practice practices move to Conduit. */
  pms: string;
  /** The Conduit site id once the practice paired with Conduit; null while it is on the Connector only. */
  conduitSiteId: string | null;
  connectedAt: string;
  registeredQueryId: string | null;
  registeredUntil: string | null;
}

/**
 * `pending`: recorded before the write to Best Practice and not confirmed yet (bookings.ts settles it);
 * `notBooked`: a pending booking that never reached the appointment book.
 */
export type BookingStatus = 'pending' | 'booked' | 'cancelled' | 'cancelledInPms' | 'moved' | 'needsReview' | 'notBooked';

export interface Booking {
  id: number;
  ref: string;
  practiceId: number;
  practitionerId: number;
  practitionerName: string;
  appointmentType: number;
  appointmentTypeName: string;
  date: string;
  time: number;
  length: number;
  firstName: string;
  surname: string;
  dob: string;
  sexCode: number;
  mobile: string;
  patientId: number | null;
  pmsRecordId: number | null;
  status: BookingStatus;
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

export const BEST_PRACTICE = 'Best Practice';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS practices (
  id INTEGER PRIMARY KEY, siteId TEXT NOT NULL UNIQUE, bpSiteId TEXT NOT NULL, name TEXT NOT NULL, connectedAt TEXT NOT NULL,
  registeredQueryId TEXT, registeredUntil TEXT
);
CREATE TABLE IF NOT EXISTS bookings (
  id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, practiceId INTEGER NOT NULL REFERENCES practices(id),
  practitionerId INTEGER NOT NULL, practitionerName TEXT NOT NULL, appointmentType INTEGER NOT NULL, appointmentTypeName TEXT NOT NULL,
  date TEXT NOT NULL, time INTEGER NOT NULL, length INTEGER NOT NULL,
  firstName TEXT NOT NULL, surname TEXT NOT NULL, dob TEXT NOT NULL, sexCode INTEGER NOT NULL, mobile TEXT NOT NULL,
  patientId INTEGER, pmsRecordId INTEGER, status TEXT NOT NULL, note TEXT, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bookings_practice ON bookings(practiceId, date);
`;

export class BookingStore {
  readonly db: Database.Database;

  constructor(file: string) {
    // Patients' names, dates of birth and mobiles: readable by this account only. Created 0600 before
    // SQLite opens it, since SQLite gives the -wal and -shm the database file's mode; files an earlier
    // release left readable are tightened.
    if (file !== ':memory:') {
      closeSync(openSync(file, 'a', 0o600));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        try {
          chmodSync(f, 0o600);
        } catch {
          /* absent, or no modes here */
        }
      }
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    this.upgrade();
  }

  /** Columns added after the first release: every earlier practice was onboarded through Conduit. */
  private upgrade(): void {
    const cols = new Set((this.db.prepare('PRAGMA table_info(practices)').all() as { name: string }[]).map((c) => c.name));
    if (!cols.has('pms')) this.db.exec(`ALTER TABLE practices ADD COLUMN pms TEXT NOT NULL DEFAULT '${BEST_PRACTICE}'`);
    if (!cols.has('conduitSiteId')) {
      this.db.exec('ALTER TABLE practices ADD COLUMN conduitSiteId TEXT');
      this.db.exec('UPDATE practices SET conduitSiteId = siteId');
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS practices_conduit ON practices(conduitSiteId)');
  }

  close(): void {
    this.db.close();
  }

  /** Adds a practice onboarded through Conduit (its key is the Conduit site id), or refreshes it when paired again. */
  upsertPractice(p: { siteId: string; bpSiteId: string; name: string }): Practice {
    const now = new Date().toISOString();
    this.db.prepare(`INSERT INTO practices (siteId, bpSiteId, name, connectedAt, conduitSiteId) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(siteId) DO UPDATE SET bpSiteId = excluded.bpSiteId, name = excluded.name, connectedAt = excluded.connectedAt, conduitSiteId = excluded.conduitSiteId`)
      .run(p.siteId, p.bpSiteId, p.name, now, p.siteId);
    return this.practiceBySite(p.siteId)!;
  }

  /** Adds (or renames) a practice reached through the legacy Connector; `key` is the Connector's practice id. */
  upsertConnectorPractice(p: { key: string; bpSiteId: string; name: string; pms?: string }): Practice {
    this.db.prepare(`INSERT INTO practices (siteId, bpSiteId, name, connectedAt, pms) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(siteId) DO UPDATE SET bpSiteId = excluded.bpSiteId, name = excluded.name, pms = excluded.pms`)
      .run(p.key, p.bpSiteId, p.name, new Date().toISOString(), p.pms ?? BEST_PRACTICE);
    return this.practiceBySite(p.key)!;
  }

  /** Records that a practice paired with Conduit (the move's "paste Site ID and code; Connect" step). */
  setConduitSite(practiceId: number, conduitSiteId: string): Practice {
    this.db.prepare('UPDATE practices SET conduitSiteId = ? WHERE id = ?').run(conduitSiteId, practiceId);
    return this.practice(practiceId)!;
  }

  /** The practice that came through the Connector with this Bp Site ID (paired with Conduit or not), if any. */
  connectorPracticeByBpSite(bpSiteId: string): Practice | undefined {
    return this.db.prepare('SELECT * FROM practices WHERE lower(bpSiteId) = lower(?) AND (conduitSiteId IS NULL OR siteId <> conduitSiteId) ORDER BY id LIMIT 1')
      .get(bpSiteId) as Practice | undefined;
  }

  practiceByConduitSite(conduitSiteId: string): Practice | undefined {
    return this.db.prepare('SELECT * FROM practices WHERE lower(conduitSiteId) = lower(?)').get(conduitSiteId) as Practice | undefined;
  }

  practices(): Practice[] {
    return this.db.prepare('SELECT * FROM practices ORDER BY name').all() as Practice[];
  }

  practice(id: number): Practice | undefined {
    return this.db.prepare('SELECT * FROM practices WHERE id = ?').get(id) as Practice | undefined;
  }

  practiceBySite(siteId: string): Practice | undefined {
    return this.db.prepare('SELECT * FROM practices WHERE lower(siteId) = lower(?)').get(siteId) as Practice | undefined;
  }

  practiceByRegistered(queryId: string): Practice | undefined {
    return this.db.prepare('SELECT * FROM practices WHERE lower(registeredQueryId) = lower(?)').get(queryId) as Practice | undefined;
  }

  setRegistered(practiceId: number, queryId: string | null, until: string | null): void {
    this.db.prepare('UPDATE practices SET registeredQueryId = ?, registeredUntil = ? WHERE id = ?').run(queryId, until, practiceId);
  }

  addBooking(b: Omit<Booking, 'id' | 'createdAt' | 'updatedAt'>): Booking {
    const now = new Date().toISOString();
    const r = this.db.prepare(`INSERT INTO bookings (ref, practiceId, practitionerId, practitionerName, appointmentType, appointmentTypeName, date, time, length,
        firstName, surname, dob, sexCode, mobile, patientId, pmsRecordId, status, note, createdAt, updatedAt)
      VALUES (@ref, @practiceId, @practitionerId, @practitionerName, @appointmentType, @appointmentTypeName, @date, @time, @length,
        @firstName, @surname, @dob, @sexCode, @mobile, @patientId, @pmsRecordId, @status, @note, @createdAt, @updatedAt)`)
      .run({ ...b, createdAt: now, updatedAt: now });
    return this.booking(Number(r.lastInsertRowid))!;
  }

  booking(id: number): Booking | undefined {
    return this.db.prepare('SELECT * FROM bookings WHERE id = ?').get(id) as Booking | undefined;
  }

  bookingByRef(ref: string): Booking | undefined {
    return this.db.prepare('SELECT * FROM bookings WHERE ref = ?').get(ref) as Booking | undefined;
  }

  updateBooking(id: number, changes: Partial<Pick<Booking, 'status' | 'note' | 'date' | 'time' | 'practitionerId' | 'patientId' | 'pmsRecordId'>>): void {
    const keys = Object.keys(changes) as (keyof typeof changes)[];
    if (keys.length === 0) return;
    const set = keys.map((k) => `${k} = @${k}`).join(', ');
    this.db.prepare(`UPDATE bookings SET ${set}, updatedAt = @updatedAt WHERE id = @id`).run({ ...changes, id, updatedAt: new Date().toISOString() });
  }

  bookingsOn(practiceId: number, date: string): Booking[] {
    return this.db.prepare("SELECT * FROM bookings WHERE practiceId = ? AND date = ? AND status <> 'notBooked' ORDER BY time").all(practiceId, date) as Booking[];
  }

  bookingsWithStatus(practiceId: number, status: BookingStatus): Booking[] {
    return this.db.prepare('SELECT * FROM bookings WHERE practiceId = ? AND status = ? ORDER BY date, time').all(practiceId, status) as Booking[];
  }

  /** Bookings in a status at every practice, oldest first. */
  bookingsWithStatusEverywhere(status: BookingStatus): Booking[] {
    return this.db.prepare('SELECT * FROM bookings WHERE status = ? ORDER BY id').all(status) as Booking[];
  }

  /** Removes a booking that never became one (its time was taken, or nothing reached the practice). */
  deleteBooking(id: number): void {
    this.db.prepare('DELETE FROM bookings WHERE id = ?').run(id);
  }

  upcoming(practiceId: number, fromDate: string): Booking[] {
    return this.db.prepare("SELECT * FROM bookings WHERE practiceId = ? AND date >= ? AND status <> 'notBooked' ORDER BY date, time").all(practiceId, fromDate) as Booking[];
  }

  /** Bookings the PMS should still hold: the ones the monitor watches. */
  monitored(practiceId: number): Booking[] {
    return this.db.prepare(`SELECT * FROM bookings WHERE practiceId = ? AND pmsRecordId IS NOT NULL AND status IN ('booked', 'moved', 'needsReview')
      ORDER BY id DESC LIMIT 500`).all(practiceId) as Booking[];
  }
}

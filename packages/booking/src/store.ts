// The booking product's own SQLite store: connected practices and the bookings made through it.
import Database from 'better-sqlite3';

export interface Practice {
  id: number;
  siteId: string;
  bpSiteId: string;
  name: string;
  connectedAt: string;
  registeredQueryId: string | null;
  registeredUntil: string | null;
}

export type BookingStatus = 'booked' | 'cancelled' | 'cancelledInPms' | 'moved' | 'needsReview';

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
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Adds a practice, or refreshes it when the site is paired again. */
  upsertPractice(p: { siteId: string; bpSiteId: string; name: string }): Practice {
    const now = new Date().toISOString();
    this.db.prepare(`INSERT INTO practices (siteId, bpSiteId, name, connectedAt) VALUES (?, ?, ?, ?)
      ON CONFLICT(siteId) DO UPDATE SET bpSiteId = excluded.bpSiteId, name = excluded.name, connectedAt = excluded.connectedAt`)
      .run(p.siteId, p.bpSiteId, p.name, now);
    return this.practiceBySite(p.siteId)!;
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
    return this.db.prepare('SELECT * FROM bookings WHERE practiceId = ? AND date = ? ORDER BY time').all(practiceId, date) as Booking[];
  }

  bookingsWithStatus(practiceId: number, status: BookingStatus): Booking[] {
    return this.db.prepare('SELECT * FROM bookings WHERE practiceId = ? AND status = ? ORDER BY date, time').all(practiceId, status) as Booking[];
  }

  upcoming(practiceId: number, fromDate: string): Booking[] {
    return this.db.prepare('SELECT * FROM bookings WHERE practiceId = ? AND date >= ? ORDER BY date, time').all(practiceId, fromDate) as Booking[];
  }

  /** Bookings the PMS should still hold: the ones the monitor watches. */
  monitored(practiceId: number): Booking[] {
    return this.db.prepare(`SELECT * FROM bookings WHERE practiceId = ? AND pmsRecordId IS NOT NULL AND status IN ('booked', 'moved', 'needsReview')
      ORDER BY id DESC LIMIT 500`).all(practiceId) as Booking[];
  }
}

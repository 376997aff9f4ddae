// The simulated practice database read directly (read-only, plain SQLite on the raw Bp tables), so
// every replayed call can be checked against what the practice really holds — not against another
// call through the same stack.
import Database from 'better-sqlite3';

export type Row = Record<string, unknown>;

export class PracticeDb {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  get(sql: string, ...args: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...args) as Row | undefined;
  }

  all(sql: string, ...args: unknown[]): Row[] {
    return this.db.prepare(sql).all(...args) as Row[];
  }

  patient(id: number): Row | undefined {
    return this.get('SELECT * FROM PATIENTS WHERE INTERNALID = ?', id);
  }

  appointment(id: number): Row | undefined {
    return this.get('SELECT * FROM APPOINTMENTS WHERE RECORDID = ?', id);
  }

  /** Active appointments of a practitioner on a date as [start, end) seconds. */
  bookedRanges(userId: number, date: string): Array<[number, number]> {
    return this.all('SELECT APPOINTMENTTIME AS t, APPOINTMENTLENGTH AS l FROM APPOINTMENTS WHERE USERID = ? AND APPOINTMENTDATE = ? AND RECORDSTATUS = 1', userId, date)
      .map((r) => [Number(r.t), Number(r.t) + Math.max(Number(r.l), 1)]);
  }

  /** Weekly and one-off sessions of a practitioner that can hold a time on a date (1 = Sunday, as DATEPART(weekday)). */
  sessionsOn(userId: number, date: string): Row[] {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay() + 1;
    return [
      ...this.all(`SELECT STARTTIME, ENDTIME, LENGTH, LOCATIONID FROM SESSIONS WHERE USERID = ? AND RECORDSTATUS = 1 AND DAYOFWEEK = ?
        AND (STARTDATE IS NULL OR STARTDATE <= ?) AND (ENDDATE IS NULL OR ENDDATE >= ?)`, userId, dow, date, date),
      ...this.all('SELECT STARTTIME, ENDTIME, LENGTH, LOCATIONID FROM EXTRASESSIONS WHERE USERID = ? AND RECORDSTATUS = 1 AND SESSIONDATE = ?', userId, date),
    ];
  }

  close(): void {
    this.db.close();
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A local calendar date `days` from today as YYYY-MM-DD (the simulator keeps SQL Server's local time). */
export function localDate(days = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Letters only, so a name never needs escaping: each run's patients are its own. */
export function uniqueName(prefix: string): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return `${prefix}${s}`;
}

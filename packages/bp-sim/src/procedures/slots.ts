// Availability: which slots a practitioner's sessions offer on a date, and which are still free.
import type Database from 'better-sqlite3';
import { prepareCached } from '../cache.js';
import { procedureError } from '../errors.js';
import { dayOfWeek, epochDay, parseDateish } from '../dates.js';

export interface Slot { time: number; length: number; locationId: number | null }

interface SessionRow { STARTTIME: number; ENDTIME: number; LENGTH: number; LOCATIONID: number | null; WEEKS: number | null; CYCLEWEEK: number | null; CYCLEDATE: string | null }

const weekIndex = (from: string, to: string): number => {
  const a = parseDateish(from);
  const b = parseDateish(to);
  return a && b ? Math.floor((epochDay(b) - epochDay(a)) / 7) : 0;
};

/** Weekly SESSIONS (honouring STARTDATE/ENDDATE and WEEKS/CYCLEWEEK rotations) plus that day's EXTRASESSIONS. */
export function sessionSlots(db: Database.Database, userId: number, date: string): Slot[] {
  const weekly = prepareCached(db, `SELECT STARTTIME, ENDTIME, LENGTH, LOCATIONID, WEEKS, CYCLEWEEK, CYCLEDATE FROM SESSIONS
    WHERE USERID = ? AND RECORDSTATUS = 1 AND DAYOFWEEK = ? AND (STARTDATE IS NULL OR STARTDATE <= ?) AND (ENDDATE IS NULL OR ENDDATE >= ?)`)
    .all(userId, dayOfWeek(date), date, date) as SessionRow[];
  const extra = prepareCached(db, `SELECT STARTTIME, ENDTIME, LENGTH, LOCATIONID, NULL AS WEEKS, NULL AS CYCLEWEEK, NULL AS CYCLEDATE
    FROM EXTRASESSIONS WHERE USERID = ? AND RECORDSTATUS = 1 AND SESSIONDATE = ?`).all(userId, date) as SessionRow[];
  const slots = new Map<number, Slot>();
  for (const s of [...weekly, ...extra]) {
    const weeks = s.WEEKS ?? 1;
    if (weeks > 1 && s.CYCLEDATE) {
      const idx = ((weekIndex(s.CYCLEDATE, date) % weeks) + weeks) % weeks;
      if (idx !== (s.CYCLEWEEK ?? 1) - 1) continue;
    }
    if (!(s.LENGTH > 0)) continue;
    for (let t = s.STARTTIME; t + s.LENGTH <= s.ENDTIME; t += s.LENGTH) {
      if (!slots.has(t)) slots.set(t, { time: t, length: s.LENGTH, locationId: s.LOCATIONID });
    }
  }
  return [...slots.values()].sort((a, b) => a.time - b.time);
}

export function assertNotAway(db: Database.Database, userId: number, date: string): void {
  const away = prepareCached(db, `SELECT 1 FROM DAYSAWAY WHERE USERID = ? AND RECORDSTATUS = 1 AND STARTDATE <= ? AND FINISHDATE >= ?`)
    .get(userId, date, date);
  if (away) throw procedureError('The practitioner is away on that date.');
}

/** Active appointments of the practitioner on the date, as [start, end) second ranges. */
export function bookedRanges(db: Database.Database, userId: number, date: string, exceptId = 0): Array<[number, number]> {
  const rows = prepareCached(db, `SELECT APPOINTMENTTIME AS t, APPOINTMENTLENGTH AS l FROM APPOINTMENTS
    WHERE USERID = ? AND APPOINTMENTDATE = ? AND RECORDSTATUS = 1 AND RECORDID <> ?`).all(userId, date, exceptId) as Array<{ t: number; l: number }>;
  return rows.map((r) => [r.t, r.t + Math.max(r.l, 1)]);
}

export function overlaps(ranges: Array<[number, number]>, start: number, length: number): boolean {
  const end = start + Math.max(length, 1);
  return ranges.some(([a, b]) => a < end && b > start);
}

export function freeSlots(db: Database.Database, userId: number, date: string): Slot[] {
  assertNotAway(db, userId, date);
  const booked = bookedRanges(db, userId, date);
  return sessionSlots(db, userId, date).filter((s) => !overlaps(booked, s.time, s.length));
}

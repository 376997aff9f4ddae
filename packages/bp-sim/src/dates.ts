// Date handling. Storage format (chosen for the simulator, documented in README):
//   dates      'YYYY-MM-DD'           (APPOINTMENTDATE, DOB, SESSIONDATE, ...)
//   datetimes  'YYYY-MM-DD HH:MM:SS'  (CREATED, UPDATED, ...)
// Both sort correctly as text, and a date-only value compares below any later time that day,
// which is how SQL Server compares a midnight datetime. Input literals SQL Server accepts
// ('20240105', '2024-01-05T10:00:00.000Z', ...) are normalised to these forms before comparing.
import { dateConversionError } from './errors.js';

export interface DateParts { y: number; m: number; d: number; H: number; M: number; S: number }

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses the unambiguous date/datetime spellings SQL Server accepts; null when it is not one. */
export function parseDateish(value: unknown): DateParts | null {
  if (value instanceof Date) return parseDateish(value.toISOString());
  if (typeof value !== 'string') return null;
  const m = DATE_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, H, M, S] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || H > 23 || M > 59 || S > 59) return null;
  return { y, m: mo, d, H, M, S };
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function formatDate(p: DateParts): string {
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
}

export function formatDateTime(p: DateParts): string {
  return `${formatDate(p)} ${pad(p.H)}:${pad(p.M)}:${pad(p.S)}`;
}

/** 'YYYY-MM-DD' when the time part is midnight, else 'YYYY-MM-DD HH:MM:SS'. */
export function canonical(p: DateParts): string {
  return p.H === 0 && p.M === 0 && p.S === 0 ? formatDate(p) : formatDateTime(p);
}

/** Days since 1970-01-01 for date arithmetic without time-zone effects. */
export function epochDay(p: Pick<DateParts, 'y' | 'm' | 'd'>): number {
  return Math.floor(Date.UTC(p.y, p.m - 1, p.d) / 86_400_000);
}

export function fromEpochDay(day: number): DateParts {
  const dt = new Date(day * 86_400_000);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate(), H: 0, M: 0, S: 0 };
}

export function addDays(date: string, n: number): string {
  const p = parseDateish(date);
  if (!p) throw dateConversionError();
  return formatDate(fromEpochDay(epochDay(p) + n));
}

/** SQL Server DATEPART(weekday) with the us_english default DATEFIRST 7: 1 = Sunday ... 7 = Saturday. */
export function dayOfWeek(date: string): number {
  const p = parseDateish(date);
  if (!p) throw dateConversionError();
  return ((epochDay(p) + 4) % 7 + 7) % 7 + 1;
}

/** Local wall-clock time, as SQL Server's GETDATE() returns the server's local time. */
export function nowLocal(): DateParts {
  const n = new Date();
  return { y: n.getFullYear(), m: n.getMonth() + 1, d: n.getDate(), H: n.getHours(), M: n.getMinutes(), S: n.getSeconds() };
}

export function secondsSinceMidnight(p: DateParts): number {
  return p.H * 3600 + p.M * 60 + p.S;
}

// SQL functions registered on every connection so translated T-SQL keeps SQL Server semantics
// (date arithmetic, '+' meaning concatenation for strings, CAST/CONVERT conversions and their
// errors). Doing this in JS is simpler and more faithful than composing SQLite built-ins.
import type Database from 'better-sqlite3';
import { conversionError, dateConversionError, divideByZero, unsupported } from '../errors.js';
import { convertValue, isCharacterType, parseType } from '../conversions.js';
import {
  type DateParts, canonical, daysInMonth, epochDay, formatDate, formatDateTime, fromEpochDay, nowLocal, parseDateish,
} from '../dates.js';
import { tsqlAscii, tsqlChar, tsqlDatalength, tsqlNchar, tsqlReverse, tsqlUnicode } from './text-functions.js';
import { tsqlCharindex, tsqlReplace } from './collation.js';
import * as math from './math-functions.js';
import { checkInt, intMultiply } from './int-overflow.js';

type V = number | bigint | string | Buffer | null;

/**
 * A result of a T-SQL integer type, as SQLite INTEGER. better-sqlite3 hands a JS number back to SQLite
 * as REAL, which would make `DATEDIFF(day, a, b) / 7` or `LEN(s) / 2` divide as floats where SQL Server
 * divides integers and truncates (https://learn.microsoft.com/sql/t-sql/language-elements/divide-transact-sql).
 */
export const sqlInteger = (v: number | null): number | bigint | null => (v !== null && Number.isSafeInteger(v) ? BigInt(v) : v);

const INTEGER_TYPES = /^\s*(int|bigint|smallint|tinyint|bit)\s*$/i;
const integerTarget = new Map<string, boolean>();
/** Is a CAST/CONVERT target (castType's spelling) one of T-SQL's integer types? Cached per spelling. */
function isIntegerType(type: string): boolean {
  let r = integerTarget.get(type);
  if (r === undefined) { r = INTEGER_TYPES.test(type); integerTarget.set(type, r); }
  return r;
}
const typed = (v: V, type: string): V => (typeof v === 'number' && isIntegerType(type) ? sqlInteger(v) : v);

const PARTS: Record<string, string> = {
  year: 'year', yy: 'year', yyyy: 'year', quarter: 'quarter', qq: 'quarter', q: 'quarter', month: 'month', mm: 'month', m: 'month',
  dayofyear: 'dayofyear', dy: 'dayofyear', y: 'dayofyear', day: 'day', dd: 'day', d: 'day', week: 'week', wk: 'week', ww: 'week',
  weekday: 'weekday', dw: 'weekday', w: 'weekday', hour: 'hour', hh: 'hour', minute: 'minute', mi: 'minute', n: 'minute',
  second: 'second', ss: 'second', s: 'second',
};

/** Canonical date part name, or an error naming the unsupported part (used at translate time too). */
export function datePart(name: string): string {
  const p = PARTS[name.toLowerCase()];
  if (!p) throw unsupported(`date part ${name}`);
  return p;
}

/** A date argument of DATEADD/DATEDIFF/DATEPART: converted as SQL Server does ('' is 1900-01-01, garbage is 241). */
function dateArg(v: V): DateParts | null {
  if (v === null) return null;
  const iso = convertValue(v, 'datetime', { context: 'expression' });
  return parseDateish(iso);
}

const hasTime = (v: V): boolean => typeof v === 'string' && v.trim().length > 10;
const totalSeconds = (p: DateParts): number => epochDay(p) * 86400 + p.H * 3600 + p.M * 60 + p.S;
function fromSeconds(t: number): DateParts {
  const day = Math.floor(t / 86400);
  const rest = t - day * 86400;
  return { ...fromEpochDay(day), H: Math.floor(rest / 3600), M: Math.floor((rest % 3600) / 60), S: rest % 60 };
}

export function dateAdd(part: string, n: V, d: V): string | null {
  const p = dateArg(d);
  if (p === null || n === null) return null;
  const k = Math.trunc(Number(n));
  const unit = datePart(part);
  let out: DateParts;
  if (unit === 'year' || unit === 'month' || unit === 'quarter') {
    const months = unit === 'year' ? k * 12 : unit === 'quarter' ? k * 3 : k;
    const idx = p.y * 12 + (p.m - 1) + months;
    const y = Math.floor(idx / 12);
    const m = idx - y * 12 + 1;
    out = { ...p, y, m, d: Math.min(p.d, daysInMonth(y, m)) };
  } else {
    const secs = { day: 86400, dayofyear: 86400, weekday: 86400, week: 604800, hour: 3600, minute: 60, second: 1 }[unit] ?? 86400;
    out = fromSeconds(totalSeconds(p) + k * secs);
  }
  return hasTime(d) || (out.H | out.M | out.S) !== 0 ? formatDateTime(out) : formatDate(out);
}

export function dateDiff(part: string, a: V, b: V): number | null {
  const p = dateArg(a);
  const q = dateArg(b);
  if (!p || !q) return null;
  switch (datePart(part)) {
    case 'year': return q.y - p.y;
    case 'quarter': return q.y * 4 + Math.floor((q.m - 1) / 3) - (p.y * 4 + Math.floor((p.m - 1) / 3));
    case 'month': return q.y * 12 + q.m - (p.y * 12 + p.m);
    case 'week': return Math.floor((epochDay(q) + 4) / 7) - Math.floor((epochDay(p) + 4) / 7);
    case 'hour': return Math.floor(totalSeconds(q) / 3600) - Math.floor(totalSeconds(p) / 3600);
    case 'minute': return Math.floor(totalSeconds(q) / 60) - Math.floor(totalSeconds(p) / 60);
    case 'second': return totalSeconds(q) - totalSeconds(p);
    default: return epochDay(q) - epochDay(p);
  }
}

export function datePartOf(part: string, d: V): number | null {
  const p = dateArg(d);
  if (!p) return null;
  switch (datePart(part)) {
    case 'year': return p.y;
    case 'quarter': return Math.floor((p.m - 1) / 3) + 1;
    case 'month': return p.m;
    case 'dayofyear': return epochDay(p) - epochDay({ y: p.y, m: 1, d: 1 }) + 1;
    case 'week': return Math.floor((epochDay(p) + 4) / 7) - Math.floor((epochDay({ y: p.y, m: 1, d: 1 }) + 4) / 7) + 1;
    case 'weekday': return ((epochDay(p) + 4) % 7 + 7) % 7 + 1;
    case 'hour': return p.H;
    case 'minute': return p.M;
    case 'second': return p.S;
    default: return p.d;
  }
}

const INT_RE = /^\s*[+-]?\d+\s*$/;
const NUM_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

const pad2 = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** CONVERT(varchar, date, style) for the styles integrators use; others are rejected by name. */
function formatStyle(p: DateParts, style: number): string {
  const dmy = [pad2(p.d), pad2(p.m), String(p.y)];
  const time = `${pad2(p.H)}:${pad2(p.M)}:${pad2(p.S)}`;
  switch (style) {
    case 101: return `${dmy[1]}/${dmy[0]}/${dmy[2]}`;
    case 103: return dmy.join('/');
    case 104: return dmy.join('.');
    case 105: return dmy.join('-');
    case 106: return `${dmy[0]} ${MONTHS[p.m - 1]} ${dmy[2]}`;
    case 108: return time;
    case 112: return `${dmy[2]}${dmy[1]}${dmy[0]}`;
    case 23: return formatDate(p);
    case 120: case 20: return formatDateTime(p);
    case 121: case 21: case 126: return `${formatDateTime(p).replace(style === 126 ? ' ' : '\u0000', 'T')}.000`;
    default: throw unsupported(`CONVERT style ${style}`);
  }
}

/** Validates a CAST/CONVERT target type at translate time; returns its normalised spelling. */
export function castType(raw: string): string {
  const t = raw.replace(/\s+/g, '').toUpperCase();
  if (/^(N?VARCHAR|N?CHAR|N?TEXT)(\((\d+|MAX)\))?$/.test(t)) return t;
  if (/^(INT|BIGINT|SMALLINT|TINYINT|BIT|FLOAT|REAL|MONEY|SMALLMONEY|DATE|DATETIME|DATETIME2(\(\d\))?|SMALLDATETIME|TIME(\(\d\))?)$/.test(t)) return t;
  if (/^(DECIMAL|NUMERIC)(\(\d+(,\d+)?\))?$/.test(t)) return t;
  throw unsupported(`CAST/CONVERT to ${raw}`);
}

/** CAST / CONVERT and typed-variable assignment: SQL Server's expression conversions (conversions.ts), plus CONVERT date styles. */
export function castValue(v: V, type: string, style: V = null): V {
  if (v === null) return null;
  const t = parseType(type);
  if (!isCharacterType(t)) return convertValue(v, t, { context: 'expression' });
  // character types: optional date style, then SQL Server's silent truncation to the declared length (30 when none is given in CAST)
  const p = typeof v === 'string' && style !== null ? parseDateish(v) : null;
  const s = p ? formatStyle(p, Number(style)) : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  const max = t.length ?? (t.base === 'sysname' ? 128 : 30); // sysname is nvarchar(128)
  return s.length > max ? s.slice(0, max) : s;
}

/**
 * T-SQL '+': numeric addition, string concatenation, or date + days, chosen from the runtime values.
 * Registered with safeIntegers, so an SQLite INTEGER arrives as a bigint and a REAL as a number:
 * int + int stays an integer (SQLite INTEGER), anything with a float or decimal is a float.
 */
export function tsqlAdd(a: V, b: V): V {
  if (a === null || b === null) return null;
  const aStr = typeof a === 'string';
  const bStr = typeof b === 'string';
  if (aStr && bStr) return a + b;
  if (!aStr && !bStr) return typeof a === 'bigint' && typeof b === 'bigint' ? a + b : Number(a) + Number(b);
  const s = (aStr ? a : b) as string;
  const n = (aStr ? b : a) as number | bigint;
  const asDate = parseDateish(s);
  if (asDate) return dateAdd('day', n, s) ?? null;
  if (INT_RE.test(s)) return typeof n === 'bigint' ? BigInt(s.trim()) + n : Number(s) + n;
  if (NUM_RE.test(s) && typeof n !== 'bigint') return Number(s) + n;
  throw conversionError(s, 'int');
}

/** T-SQL binary '-': numbers subtract (integers stay integers, as in tsqlAdd), a date minus a number moves back by days. */
export function tsqlSub(a: V, b: V): V {
  if (a === null || b === null) return null;
  if (typeof a !== 'string' && typeof b !== 'string') {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a - b : Number(a) - Number(b);
  }
  if (typeof a === 'string' && typeof b !== 'string' && parseDateish(a)) return dateAdd('day', -Number(b), a) ?? null;
  const num = (v: V): number | bigint => {
    if (typeof v !== 'string') return typeof v === 'bigint' ? v : Number(v);
    if (INT_RE.test(v)) return BigInt(v.trim());
    if (NUM_RE.test(v)) return Number(v);
    throw conversionError(v, 'int');
  };
  const x = num(a);
  const y = num(b);
  return typeof x === 'bigint' && typeof y === 'bigint' ? x - y : Number(x) - Number(y);
}

/** Normalises a value compared with, or stored into, a date column (see dates.ts): '' is 1900-01-01, garbage is 241. */
export function normaliseDate(v: V, to: 'date' | 'datetime' = 'datetime'): V {
  if (typeof v !== 'string') return v;
  const p = parseDateish(convertValue(v, to, { context: 'expression' }));
  if (!p) throw dateConversionError();
  return canonical(p);
}

/** n / d for a zero or NULL divisor d (division.ts sends no other): NULL when n or d is NULL, else 8134. */
function divisionByZero(n: V, d: V): null {
  if (n === null || d === null) return null;
  throw divideByZero();
}

const floorOrCeiling = (round: (x: number) => number) => (v: V): V => {
  if (v === null || typeof v === 'bigint') return v; // FLOOR/CEILING of an integer is that integer
  return round(Number(v));
};

export function registerFunctions(db: Database.Database): void {
  const det = { deterministic: true };
  const ints = { deterministic: true, safeIntegers: true };
  db.function('tsql_getdate', () => formatDateTime(nowLocal()));
  db.function('tsql_getutcdate', () => new Date().toISOString().slice(0, 19).replace('T', ' '));
  db.function('tsql_newid', () => crypto.randomUUID().toUpperCase());
  // Not deterministic: SQLite may evaluate a deterministic call with constant arguments once, up
  // front, even where coalesce would never reach it.
  db.function('tsql_div0', divisionByZero);
  db.function('tsql_dt', { ...det, varargs: true }, (v: V, to: V = 'datetime') => normaliseDate(v, to === 'date' ? 'date' : 'datetime'));
  // Only compared with or stored into a typed column (typed-values.ts), where SQLite compares REAL and INTEGER by value.
  db.function('tsql_conv', det, (v: V, type: V) => convertValue(v, String(type), { context: 'expression' }));
  db.function('tsql_cast', { ...det, varargs: true }, (v: V, type: V, style: V = null) => typed(castValue(v, String(type), style), String(type)));
  db.function('tsql_dateadd', det, (p: V, n: V, d: V) => dateAdd(String(p), n, d));
  db.function('tsql_datediff', det, (p: V, a: V, b: V) => sqlInteger(dateDiff(String(p), a, b)));
  db.function('tsql_datepart', det, (p: V, d: V) => sqlInteger(datePartOf(String(p), d)));
  db.function('tsql_datename', det, (p: V, d: V) => {
    const part = datePart(String(p));
    const dp = dateArg(d);
    if (!dp) return null;
    if (part === 'month') return ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][dp.m - 1] ?? null;
    if (part === 'weekday') return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][(datePartOf('weekday', d) ?? 1) - 1] ?? null;
    return String(datePartOf(part, d));
  });
  db.function('tsql_add', ints, (a: V, b: V) => tsqlAdd(a, b));
  db.function('tsql_sub', ints, (a: V, b: V) => tsqlSub(a, b));
  db.function('tsql_addi', ints, (a: V, b: V) => checkInt(tsqlAdd(a, b)));
  db.function('tsql_subi', ints, (a: V, b: V) => checkInt(tsqlSub(a, b)));
  db.function('tsql_muli', ints, intMultiply);
  db.function('tsql_int', ints, checkInt);
  db.function('tsql_len', det, (v: V) => (v === null ? null : sqlInteger(String(v).replace(/ +$/, '').length)));
  db.function('tsql_right', det, (v: V, n: V) => (v === null || n === null ? null : Number(n) <= 0 ? '' : String(v).slice(-Number(n))));
  db.function('tsql_charindex', { ...det, varargs: true }, (needle: V, hay: V, start: V = 1) => sqlInteger(tsqlCharindex(needle, hay, start)));
  db.function('tsql_replace', det, tsqlReplace);
  db.function('tsql_concat', { ...det, varargs: true }, (...args: V[]) => args.map((a) => (a === null ? '' : String(a))).join(''));
  db.function('tsql_floor', ints, floorOrCeiling(Math.floor));
  db.function('tsql_power', { ...ints, varargs: true }, math.tsqlPower);
  db.function('tsql_round', { ...ints, varargs: true }, math.tsqlRound);
  db.function('tsql_log', { ...det, varargs: true }, math.tsqlLog);
  db.function('tsql_atn2', det, math.tsqlAtn2);
  db.function('tsql_pi', det, () => Math.PI);
  for (const [name, f] of [['sqrt', math.tsqlSqrt], ['square', math.tsqlSquare], ['exp', math.tsqlExp], ['log10', math.tsqlLog10],
    ['sin', math.tsqlSin], ['cos', math.tsqlCos], ['tan', math.tsqlTan], ['asin', math.tsqlAsin], ['acos', math.tsqlAcos],
    ['atan', math.tsqlAtan], ['cot', math.tsqlCot]] as const) db.function(`tsql_${name}`, det, f);
  db.function('tsql_ceiling', ints, floorOrCeiling(Math.ceil));
  db.function('tsql_char', det, tsqlChar);
  db.function('tsql_nchar', det, tsqlNchar);
  db.function('tsql_ascii', det, (v: V) => sqlInteger(tsqlAscii(v)));
  db.function('tsql_unicode', det, (v: V) => sqlInteger(tsqlUnicode(v)));
  db.function('tsql_reverse', det, tsqlReverse);
  db.function('tsql_datalength', ints, tsqlDatalength);
}

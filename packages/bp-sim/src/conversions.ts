// SQL Server's conversions of a value to the type of a procedure parameter, a variable, a CAST or a
// typed column, with the error numbers SQL Server raises. One module, so the procedure binder,
// CAST/CONVERT, variable assignment and comparisons with typed columns all agree. The table of
// rules, examples and sources is docs/sql-server-conversions.md; the sources are cited here too.
//
// Two contexts, because SQL Server reports a failed conversion differently in each:
// - 'parameter': a value bound to a stored-procedure parameter (RPC call or EXEC p @x = …). Every
//   failure is error 8114 "Error converting data type <from> to <to>." (e.g. EXEC p @i = 'abc').
// - 'expression': CAST/CONVERT, assignment to a variable, comparison with or insert into a typed
//   column. varchar→int/bit fails with 245, varchar→date/time with 241 (242 for a datetime out of
//   range), varchar→money with 235, and varchar→decimal/float with 8114.
import { SqlServerError } from './errors.js';
import { type DateParts, daysInMonth, formatDate, formatDateTime } from './dates.js';

export type ConversionContext = 'parameter' | 'expression';
export type DateFormat = 'mdy' | 'dmy' | 'ymd';
export type Value = number | bigint | string | Buffer | null;

export interface ConvertOptions {
  context: ConversionContext;
  /** The SQL Server type of the value as it arrives (see sourceTypeOf); inferred from the JS value when absent. */
  from?: string;
}

/** A target type: base name lower-case plus its length / precision / scale when given. */
export interface SqlType { base: string; length?: number; precision?: number; scale?: number }

// The session's DATEFORMAT. Bp's servers run SQL Server's us_english default (mdy), as does a login
// with no DEFAULT_LANGUAGE; SET DATEFORMAT / SET LANGUAGE in a batch change it for that batch only
// (docs/decisions.md). Execution is synchronous, so one module-level setting is safe.
let dateFormat: DateFormat = 'mdy';
export const currentDateFormat = (): DateFormat => dateFormat;
export function setDateFormat(f: DateFormat): void { dateFormat = f; }

/** SET LANGUAGE → its DATEFORMAT (the languages an Australian server meets); null when unknown. */
export function languageDateFormat(language: string): DateFormat | null {
  const l = language.toLowerCase();
  if (l === 'us_english' || l === 'english') return 'mdy';
  if (l === 'british' || l === 'français' || l === 'french' || l === 'deutsch' || l === 'german' || l === 'italiano' || l === 'español') return 'dmy';
  return null;
}

/** Halo SqlDbType names (any case) → the SQL Server type name SQL Server's messages use. */
const HALO_TYPES: Record<string, string> = {
  varchar: 'varchar', char: 'char', text: 'text', ansistring: 'varchar', nvarchar: 'nvarchar', nchar: 'nchar', ntext: 'ntext',
  string: 'nvarchar', xml: 'xml', int: 'int', bigint: 'bigint', smallint: 'smallint', tinyint: 'tinyint', bit: 'bit',
  decimal: 'numeric', numeric: 'numeric', money: 'money', smallmoney: 'smallmoney', float: 'float', real: 'real', date: 'date',
  datetime: 'datetime', datetime2: 'datetime2', smalldatetime: 'smalldatetime', datetimeoffset: 'datetimeoffset', time: 'time',
  uniqueidentifier: 'uniqueidentifier', binary: 'binary', varbinary: 'varbinary', image: 'image',
};

const INT_MAX = 2 ** 31 - 1;

/** The SQL Server type a value has: its declared (Halo or DECLARE) type, else what a literal of it would be. */
export function sourceTypeOf(value: unknown, declared?: string | null): string {
  if (declared) {
    const base = declared.replace(/\(.*$/, '').trim().toLowerCase();
    const t = HALO_TYPES[base];
    if (t) return t;
  }
  if (typeof value === 'string') return 'varchar';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= INT_MAX ? 'int' : 'numeric';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'boolean') return 'bit';
  if (Buffer.isBuffer(value)) return 'varbinary';
  if (value instanceof Date) return 'datetime';
  return 'varchar';
}

export function parseType(text: string): SqlType {
  const m = /^\s*([A-Za-z0-9_]+)\s*(?:\(\s*(\d+|max)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i.exec(text);
  if (!m) return { base: text.trim().toLowerCase() };
  const base = (m[1] as string).toLowerCase();
  const a = m[2] === undefined ? undefined : /max/i.test(m[2]) ? Infinity : Number(m[2]);
  if (base === 'decimal' || base === 'numeric') return { base: 'decimal', precision: a ?? 18, scale: m[3] === undefined ? 0 : Number(m[3]) };
  return a === undefined ? { base } : { base, length: a };
}

const INT_RANGES: Record<string, [number, number]> = {
  tinyint: [0, 255], smallint: [-32768, 32767], int: [-(2 ** 31), INT_MAX], bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const DATE_TYPES = new Set(['date', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset', 'time']);
const CHAR_TYPES = new Set(['varchar', 'nvarchar', 'char', 'nchar', 'text', 'ntext', 'sysname']);
/** Is this (parsed) target a character type? CAST to one keeps its own rules (date styles, truncation). */
export const isCharacterType = (t: SqlType): boolean => CHAR_TYPES.has(t.base);

const failParam = (from: string, to: string): SqlServerError => new SqlServerError(8114, `Error converting data type ${from} to ${to}.`);
const clash = (from: string, to: string): SqlServerError => new SqlServerError(206, `Operand type clash: ${from} is incompatible with ${to}`);

/** Converts `value` to `target` as SQL Server would in this context; throws SqlServerError where it refuses. NULL stays NULL for every type. */
export function convertValue(value: unknown, target: string | SqlType, opts: ConvertOptions): Value {
  if (value === null || value === undefined) return null;
  const t = typeof target === 'string' ? parseType(target) : target;
  const from = opts.from ?? sourceTypeOf(value);
  const v: unknown = typeof value === 'boolean' ? (value ? 1 : 0) : value instanceof Date ? value.toISOString().slice(0, 19).replace('T', ' ') : value;
  if (INT_RANGES[t.base]) return toInteger(v, t.base, from, opts.context);
  switch (t.base) {
    case 'bit': return toBit(v, from, opts.context);
    case 'decimal': return toDecimal(v, t, from, opts.context);
    case 'money': case 'smallmoney': return toMoney(v, t.base, from, opts.context);
    case 'float': case 'real': return toFloat(v, t.base, from, opts.context);
    default:
      if (DATE_TYPES.has(t.base)) return toDateTime(v, t.base, from, opts.context);
      if (CHAR_TYPES.has(t.base)) return toCharacter(v, t);
      if (t.base === 'uniqueidentifier') return String(v);
      return v as Value;
  }
}

const isDateSource = (from: string): boolean => DATE_TYPES.has(from);
/** SQL Server ignores leading and trailing blanks in numeric strings (' 12 ' → 12). */
const blanks = (s: string): string => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

function toInteger(v: unknown, to: string, from: string, ctx: ConversionContext): Value {
  const [lo, hi] = INT_RANGES[to] as [number, number];
  if (isDateSource(from)) throw ctx === 'parameter' ? clash(from, to) : new SqlServerError(529, `Explicit conversion from data type ${from} to ${to} is not allowed.`);
  if (typeof v === 'string') {
    const s = blanks(v);
    // CAST('' AS int) = 0 (nimblecoder.com "SQL Server converts empty string to int 0"; dba.stackexchange.com/q/101884).
    if (s === '') return 0;
    // '1.5' is not an integer literal: 245, not truncation (example-a.com/answer/77655786 quotes the 245 text for '1.0').
    if (!/^[+-]?\d+$/.test(s)) {
      if (ctx === 'parameter') throw failParam(from, to);
      throw new SqlServerError(245, `Conversion failed when converting the ${from} value '${v}' to data type ${to}.`);
    }
    const n = Number(s);
    if (n < lo || n > hi || !Number.isSafeInteger(n)) {
      if (ctx === 'parameter') throw failParam(from, to);
      // 248 for int (es.stackoverflow.com/q/467410 shows CONVERT(int, '2147483648') failing so), 244 for the smaller types.
      throw to === 'int'
        ? new SqlServerError(248, `The conversion of the ${from} value '${v}' overflowed an int column.`)
        : new SqlServerError(244, `The conversion of the ${from} value '${v}' overflowed a ${to} column. Use a larger integer column.`);
    }
    return n;
  }
  if (typeof v === 'bigint') {
    if (v < BigInt(lo) || v > BigInt(hi)) throw overflow(from, to, ctx);
    return Number(v);
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw overflow(from, to, ctx);
    // numeric/float → int truncates toward zero (sqlservercentral.com/?p=34131: SET @int = 1.5 gives 1).
    const n = Math.trunc(v);
    if (n < lo || n > hi) throw overflow(from, to, ctx);
    return n;
  }
  throw clash(from, to);
}

function overflow(from: string, to: string, ctx: ConversionContext): SqlServerError {
  return ctx === 'parameter' ? failParam(from, to) : new SqlServerError(8115, `Arithmetic overflow error converting expression to data type ${to}.`);
}

function toBit(v: unknown, from: string, ctx: ConversionContext): Value {
  if (isDateSource(from)) throw ctx === 'parameter' ? clash(from, 'bit') : new SqlServerError(529, `Explicit conversion from data type ${from} to bit is not allowed.`);
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0 ? 1 : 0;
  if (typeof v !== 'string') throw clash(from, 'bit');
  const s = blanks(v);
  if (s === '') return 0; // '' → 0 like the other numeric types (nimblecoder.com lists bit)
  if (/^true$/i.test(s)) return 1; // 'True'/'False' are the only words bit takes (red-gate.com simple-talk "just exactly will cast to a bit")
  if (/^false$/i.test(s)) return 0;
  if (/^[+-]?\d+$/.test(s)) return Number(s) !== 0 ? 1 : 0;
  if (ctx === 'parameter') throw failParam(from, 'bit');
  throw new SqlServerError(245, `Conversion failed when converting the ${from} value '${v}' to data type bit.`);
}

const EXACT_RE = /^[+-]?(\d+\.?\d*|\.\d+)$/;

function toDecimal(v: unknown, t: SqlType, from: string, ctx: ConversionContext): Value {
  const precision = t.precision ?? 18;
  const scale = t.scale ?? 0;
  if (isDateSource(from)) throw clash(from, 'numeric');
  let n: number;
  if (typeof v === 'string') {
    // Exact numerics take digits, one point and a sign; no exponent, no commas, and '' is refused
    // (jasonf-blog.blogspot.com/2006/01 quotes Books Online; stackoverflow.com/q/60420149).
    const s = blanks(v);
    if (!EXACT_RE.test(s)) throw failParam(from, 'numeric');
    n = Number(s);
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    n = Number(v);
  } else throw clash(from, 'numeric');
  const rounded = Math.round(n * 10 ** scale) / 10 ** scale;
  if (Math.abs(rounded) >= 10 ** (precision - scale)) {
    throw ctx === 'parameter' ? failParam(from, 'numeric') : new SqlServerError(8115, `Arithmetic overflow error converting ${from} to data type numeric.`);
  }
  return rounded;
}

function toMoney(v: unknown, to: string, from: string, ctx: ConversionContext): Value {
  let n: number;
  if (typeof v === 'string') {
    // money is lenient: a currency sign and thousands commas are ignored, '' is 0
    // (sql-server-helper.com/error-messages/msg-235.aspx; sql.marcus-belz.de "converting data to money").
    const s = blanks(v).replace(/^([+-]?)\s*[$€£¥]\s*/, '$1').replace(/,/g, '');
    if (s === '') return 0;
    if (!EXACT_RE.test(s)) {
      if (ctx === 'parameter') throw failParam(from, to);
      throw new SqlServerError(235, 'Cannot convert a char value to money. The char value has incorrect syntax.');
    }
    n = Number(s);
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    n = Number(v);
  } else throw clash(from, to);
  const max = to === 'smallmoney' ? 214748.3647 : 922337203685477; // money's range is ±922,337,203,685,477.5807
  if (Math.abs(n) > max) throw overflow(from, to, ctx);
  return Math.round(n * 10000) / 10000;
}

function toFloat(v: unknown, to: string, from: string, ctx: ConversionContext): Value {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (typeof v !== 'string' || isDateSource(from)) throw clash(from, to);
  const s = blanks(v);
  if (s === '') return 0; // '' → 0 (dba.stackexchange.com/q/101884: CONVERT(float, '') = 0)
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw failParam(from, 'float');
  void ctx; // the same 8114 in both contexts
  return Number(s);
}

function toCharacter(v: unknown, t: SqlType): Value {
  const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  const max = t.length ?? Infinity;
  return s.length > max ? s.slice(0, max) : s;
}

const BASE_DATE: DateParts = { y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0 };

function toDateTime(v: unknown, to: string, from: string, ctx: ConversionContext): Value {
  let p: DateParts;
  if (typeof v === 'string') {
    const r = parseSqlDateString(v, dateFormat);
    if (r === 'invalid' || (r === 'range' && (to === 'date' || to === 'datetime2' || to === 'time' || to === 'datetimeoffset'))) {
      throw ctx === 'parameter' ? failParam(from, to) : new SqlServerError(241, 'Conversion failed when converting date and/or time from character string.');
    }
    if (r === 'range') {
      throw ctx === 'parameter' ? failParam(from, to) : new SqlServerError(242, `The conversion of a ${from} data type to a ${to} data type resulted in an out-of-range value.`);
    }
    p = r;
  } else if (typeof v === 'number' && (to === 'datetime' || to === 'smalldatetime')) {
    // datetime accepts a number of days after 1900-01-01; date/datetime2 refuse numbers.
    const whole = Math.floor(v);
    const secs = Math.round((v - whole) * 86400);
    const base = Date.UTC(1900, 0, 1 + whole, 0, 0, secs);
    const d = new Date(base);
    p = { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), H: d.getUTCHours(), M: d.getUTCMinutes(), S: d.getUTCSeconds() };
  } else {
    throw ctx === 'parameter' || typeof v !== 'number' ? clash(from, to) : new SqlServerError(529, `Explicit conversion from data type ${from} to ${to} is not allowed.`);
  }
  const [minY, maxY] = to === 'datetime' ? [1753, 9999] : to === 'smalldatetime' ? [1900, 2079] : [1, 9999];
  if (p.y < minY || p.y > maxY || (to === 'smalldatetime' && p.y === 2079 && (p.m > 6 || (p.m === 6 && p.d > 6)))) {
    throw ctx === 'parameter' ? failParam(from, to) : new SqlServerError(242, `The conversion of a ${from} data type to a ${to} data type resulted in an out-of-range value.`);
  }
  if (to === 'date') return formatDate(p);
  if (to === 'time') return formatDateTime(p).slice(11);
  return formatDateTime(p);
}

const TIME_PART = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.:](\d{1,7}))?)?\s*(AM|PM)?`;
const ISO_RE = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:?\d{2})?$`, 'i');
const COMPACT_RE = new RegExp(String.raw`^(\d{4})(\d{2})(\d{2})(?:\s+${TIME_PART})?$`, 'i');
const YMD_RE = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:\s+${TIME_PART})?$`, 'i');
const NUMERIC_RE = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})(?:\s+${TIME_PART})?$`, 'i');
const TIME_ONLY_RE = new RegExp(String.raw`^${TIME_PART}$`, 'i');

/**
 * The character-string date forms SQL Server accepts (learn.microsoft.com "date (Transact-SQL)":
 * ISO 8601, unseparated YYYYMMDD, numeric formats in DATEFORMAT order). '' and blanks are
 * 1900-01-01 (isummation.com: an empty string passed to a date parameter stores 1900-01-01). Returns
 * 'invalid' for a string that is no date, 'range' for a date-shaped one with an impossible day or month.
 */
export function parseSqlDateString(raw: string, fmt: DateFormat = dateFormat): DateParts | 'invalid' | 'range' {
  const s = raw.trim();
  if (s === '') return { ...BASE_DATE };
  let m: RegExpExecArray | null;
  let y: number; let mo: number; let d: number; let time: (string | undefined)[];
  if ((m = ISO_RE.exec(s))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    time = [m[4], m[5], m[6], m[7], undefined];
  } else if ((m = COMPACT_RE.exec(s))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    time = m.slice(4, 9);
  } else if ((m = YMD_RE.exec(s))) {
    [y, mo, d] = [Number(m[1]), Number(m[3]), Number(m[4])];
    time = m.slice(5, 10);
  } else if ((m = NUMERIC_RE.exec(s))) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const yy = m[4] as string;
    // Two-digit years: 00-49 → 20xx, 50-99 → 19xx (the default "two digit year cutoff" of 2049).
    y = yy.length === 2 ? (Number(yy) < 50 ? 2000 + Number(yy) : 1900 + Number(yy)) : Number(yy);
    [mo, d] = fmt === 'dmy' ? [b, a] : [a, b];
    time = m.slice(5, 10);
  } else if ((m = TIME_ONLY_RE.exec(s))) {
    [y, mo, d] = [1900, 1, 1];
    time = m.slice(1, 6);
  } else return 'invalid';
  let H = Number(time[0] ?? 0);
  const M = Number(time[1] ?? 0);
  const S = Number(time[2] ?? 0);
  const ampm = time[4]?.toUpperCase();
  if (ampm) {
    if (H < 1 || H > 12) return 'invalid';
    H = (H % 12) + (ampm === 'PM' ? 12 : 0);
  }
  if (H > 23 || M > 59 || S > 59) return 'invalid';
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || y < 1) return 'range';
  return { y, m: mo, d, H, M, S };
}

// Converts the string values of Halo parameters to typed JS values (and back), so bad values are
// refused at the Cloud's edge with the same wording SqlClient uses, before anything reaches a clinic.
import type { SqlDbType } from './query-model.js';

export class ParameterValueError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(message);
    this.name = 'ParameterValueError';
  }
}

const CLR_NAMES: Partial<Record<SqlDbType, string>> = {
  BigInt: 'Int64', Int: 'Int32', SmallInt: 'Int16', TinyInt: 'Byte', Bit: 'Boolean', Decimal: 'Decimal',
  Money: 'Decimal', SmallMoney: 'Decimal', Float: 'Double', Real: 'Single', Date: 'DateTime', DateTime: 'DateTime',
  DateTime2: 'DateTime', SmallDateTime: 'DateTime', DateTimeOffset: 'DateTimeOffset', Time: 'TimeSpan',
  UniqueIdentifier: 'Guid', Binary: 'Byte[]', VarBinary: 'Byte[]', Image: 'Byte[]', Timestamp: 'Byte[]',
};

const INT_RANGES: Partial<Record<SqlDbType, [bigint, bigint]>> = {
  BigInt: [-(2n ** 63n), 2n ** 63n - 1n],
  Int: [-(2n ** 31n), 2n ** 31n - 1n],
  SmallInt: [-32768n, 32767n],
  TinyInt: [0n, 255n],
};

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a UUID in its usual hex-and-dashes form (any version). */
export const isUuid = (s: string): boolean => UUID_RE.test(s);
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days && y >= 1 && y <= 9999;
}

export type SqlValue = string | number | bigint | Buffer | null;

/** Decode one input value. Throws ParameterValueError naming the parameter and the type. */
export function decodeParameterValue(name: string, type: SqlDbType, value: string | null | undefined): SqlValue {
  if (value === null || value === undefined) return null;
  const fail = (): never => {
    const clr = CLR_NAMES[type] ?? type;
    throw new ParameterValueError(name, `Failed to convert parameter value from a String to a ${clr}. Parameter ${name} (${type}) has value that is not valid for that type.`);
  };
  const range = INT_RANGES[type];
  if (range) {
    if (!/^\s*[+-]?\d+\s*$/.test(value)) fail();
    const n = BigInt(value.trim());
    if (n < range[0] || n > range[1]) fail();
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  switch (type) {
    case 'Bit': {
      const v = value.trim().toLowerCase();
      if (v === '1' || v === 'true') return 1;
      if (v === '0' || v === 'false') return 0;
      return fail();
    }
    case 'Decimal': case 'Money': case 'SmallMoney': case 'Float': case 'Real': {
      if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) fail();
      const n = Number(value);
      return Number.isFinite(n) ? n : fail();
    }
    case 'Date': {
      const m = DATE_RE.exec(value) ?? DATETIME_RE.exec(value);
      if (!m || !validCalendarDate(+m[1]!, +m[2]!, +m[3]!)) return fail();
      return `${m[1]}-${m[2]}-${m[3]}`;
    }
    case 'DateTime': case 'DateTime2': case 'SmallDateTime': {
      const d = DATE_RE.exec(value);
      if (d) return validCalendarDate(+d[1]!, +d[2]!, +d[3]!) ? `${value} 00:00:00` : fail();
      const m = DATETIME_RE.exec(value);
      if (!m || !validCalendarDate(+m[1]!, +m[2]!, +m[3]!) || +m[4]! > 23 || +m[5]! > 59 || +(m[6] ?? 0) > 59) return fail();
      return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}`;
    }
    case 'DateTimeOffset': {
      const m = DATETIME_RE.exec(value);
      return m && validCalendarDate(+m[1]!, +m[2]!, +m[3]!) ? value : fail();
    }
    case 'Time': {
      const m = TIME_RE.exec(value);
      if (!m || +m[1]! > 23 || +m[2]! > 59 || +(m[3] ?? 0) > 59) return fail();
      return `${m[1]}:${m[2]}:${m[3] ?? '00'}${m[4] ?? ''}`;
    }
    case 'UniqueIdentifier':
      return UUID_RE.test(value) ? value.toLowerCase() : fail();
    case 'Binary': case 'VarBinary': case 'Image': case 'Timestamp':
      return BASE64_RE.test(value) ? Buffer.from(value, 'base64') : fail();
    case 'Structured': case 'Udt': case 'Variant':
      throw new ParameterValueError(name, `Parameter ${name}: SqlDbType ${type} is not supported by Conduit.`);
    default:
      return value; // character and XML types travel as text
  }
}

/** Encode a value read back from the database (output parameters) as the API's string form. */
export function encodeParameterValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

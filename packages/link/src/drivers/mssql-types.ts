// Halo SqlDbType names -> tedious data types, and tedious values -> the JSON the API returns.
import { TYPES } from 'tedious';
import type { DataType } from 'tedious/lib/data-type.js';
import type { SqlDbType } from '@conduit/protocol';

export const TEDIOUS_TYPES: Partial<Record<SqlDbType, DataType>> = {
  BigInt: TYPES.BigInt, Binary: TYPES.Binary, Bit: TYPES.Bit, Char: TYPES.Char, String: TYPES.NVarChar, Date: TYPES.Date,
  DateTime: TYPES.DateTime, DateTime2: TYPES.DateTime2, DateTimeOffset: TYPES.DateTimeOffset, Decimal: TYPES.Decimal,
  Float: TYPES.Float, Image: TYPES.Image, Int: TYPES.Int, Money: TYPES.Money, NChar: TYPES.NChar, NText: TYPES.NText,
  NVarChar: TYPES.NVarChar, Real: TYPES.Real, SmallDateTime: TYPES.SmallDateTime, SmallInt: TYPES.SmallInt,
  SmallMoney: TYPES.SmallMoney, Text: TYPES.Text, Time: TYPES.Time, TinyInt: TYPES.TinyInt, UniqueIdentifier: TYPES.UniqueIdentifier,
  VarBinary: TYPES.VarBinary, VarChar: TYPES.VarChar, Xml: TYPES.Xml,
};

export function tediousType(t: SqlDbType): DataType {
  const dt = TEDIOUS_TYPES[t];
  if (!dt) throw new Error(`SqlDbType ${t} is not supported by the SQL Server driver`);
  return dt;
}

/** tedious wants Date objects for date/time parameters; the API sends strings. */
export function tediousValue(t: SqlDbType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if ((t === 'Date' || t === 'DateTime' || t === 'DateTime2' || t === 'SmallDateTime' || t === 'DateTimeOffset') && typeof v === 'string') {
    return new Date(t === 'Date' ? `${v}T00:00:00Z` : v.includes('T') || v.endsWith('Z') ? v : `${v.replace(' ', 'T')}Z`);
  }
  if (t === 'Time' && typeof v === 'string') return new Date(`1970-01-01T${v}Z`);
  return v;
}

/** A column value as JSON: dates as ISO 8601 without zone (as SQL Server stores them), binary as base64. */
export function jsonValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace(/Z$/, '');
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'bigint') return Number(v);
  return v;
}

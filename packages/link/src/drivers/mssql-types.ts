// Halo SqlDbType names -> tedious data types, and tedious values -> the JSON the API returns.
import { TYPES } from 'tedious';
import type { DataType } from 'tedious/lib/data-type.js';
import { decodeParameterValue, type Parameter, type SqlDbType } from '@conduit/protocol';

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

export interface TediousParameter { name: string; type: DataType; value: unknown; output: boolean; options?: { length: number } }

/**
 * SqlParameter.Size -1 means MAX. tedious declares a type as MAX (nvarchar(max), varbinary(max)) when the
 * length is over the type's own maximum (4000 / 8000), so -1 travels as a length above every maximum.
 */
const MAX_LENGTH = 0x7fffffff;

/**
 * One Halo parameter as tedious sends it: the declared SqlDbType decides the wire type, and the value
 * is decoded as SqlClient would (an Int '12' travels as 12; a bad value is refused before the server).
 * Conversions to the procedure's or column's type are then SQL Server's own: a VarChar '' sent to a
 * date parameter arrives as varchar and the server makes it 1900-01-01, exactly as bp-sim does
 * (docs/sql-server-conversions.md). NULL travels as NULL for every type.
 */
export function tediousParameter(p: Parameter): TediousParameter {
  const value = p.direction === 'output' ? null : tediousValue(p.type, decodeParameterValue(p.name, p.type, p.value));
  return {
    name: p.name.replace(/^@/, ''), type: tediousType(p.type), value, output: p.direction !== 'input',
    ...(p.size !== undefined ? { options: { length: p.size < 0 ? MAX_LENGTH : p.size } } : {}),
  };
}

/** A column value as JSON: dates as ISO 8601 without zone (as SQL Server stores them), binary as base64. */
export function jsonValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace(/Z$/, '');
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'bigint') return Number(v);
  return v;
}

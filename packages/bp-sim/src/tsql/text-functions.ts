// T-SQL character functions SQLite has no equivalent of (ASCII, REVERSE) or gives another meaning
// (SQLite's char() takes any number of code points; T-SQL's CHAR one code of the database's code
// page, NULL outside 0-255: https://learn.microsoft.com/sql/t-sql/functions/char-transact-sql).
// Bp's databases use a Latin1_General collation, whose varchar code page is Windows-1252.

type V = number | bigint | string | Buffer | null;

/**
 * Windows-1252 bytes 0x80-0x9F (the rest is Latin-1); its five unassigned bytes stay C1 controls.
 * Spelled out because Node's TextDecoder decodes 'windows-1252' as Latin-1.
 */
const CP1252_80_9F = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const CP1252 = Array.from({ length: 256 }, (_, i) => (i >= 0x80 && i <= 0x9f ? (CP1252_80_9F[i - 0x80] as string) : String.fromCharCode(i)));
const CP1252_CODES = new Map(CP1252.map((c, i) => [c, i]));

const text = (v: V): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** CHAR(n): the Windows-1252 character n, NULL outside 0-255 (a fraction is truncated by the conversion to int). */
export function tsqlChar(n: V): string | null {
  if (n === null) return null;
  const code = Math.trunc(Number(n));
  return code >= 0 && code <= 255 ? (CP1252[code] as string) : null;
}

/** NCHAR(n): the UTF-16 code unit n, NULL outside 0-65535 (https://learn.microsoft.com/sql/t-sql/functions/nchar-transact-sql). */
export function tsqlNchar(n: V): string | null {
  if (n === null) return null;
  const code = Math.trunc(Number(n));
  return code >= 0 && code <= 0xffff ? String.fromCharCode(code) : null;
}

/**
 * ASCII(s): the Windows-1252 code of the first character, NULL for '' or NULL; a character the code
 * page lacks becomes '?' (63) in the conversion to varchar
 * (https://learn.microsoft.com/sql/t-sql/functions/ascii-transact-sql).
 */
export function tsqlAscii(s: V): number | null {
  if (s === null) return null;
  const first = text(s)[0];
  return first === undefined ? null : CP1252_CODES.get(first) ?? 63;
}

/** UNICODE(s): the first UTF-16 code unit, NULL for '' or NULL (https://learn.microsoft.com/sql/t-sql/functions/unicode-transact-sql). */
export function tsqlUnicode(s: V): number | null {
  if (s === null) return null;
  const t = text(s);
  return t.length === 0 ? null : t.charCodeAt(0);
}

/** REVERSE(s): the characters in reverse order; a number is reversed as its text (https://learn.microsoft.com/sql/t-sql/functions/reverse-transact-sql). */
export function tsqlReverse(s: V): string | null {
  if (s === null) return null;
  return text(s).split('').reverse().join('');
}

/**
 * DATALENGTH(x): the bytes of the value, trailing spaces included where LEN leaves them out
 * (https://learn.microsoft.com/sql/t-sql/functions/datalength-transact-sql). Text is taken as varchar,
 * one byte a character in Windows-1252 (an nvarchar parameter would count two); an integer as int
 * (4 bytes) or bigint (8) by its value, a float 8, binary its length. NULL for NULL.
 */
export function tsqlDatalength(v: V | bigint): bigint | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v >= -2147483648n && v <= 2147483647n ? 4n : 8n;
  if (typeof v === 'number') return 8n;
  if (Buffer.isBuffer(v)) return BigInt(v.length);
  return BigInt(Array.from(v).length);
}

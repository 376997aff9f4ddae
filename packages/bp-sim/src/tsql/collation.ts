// Searching text as Bp's databases compare it. Bp Premier's collation is SQL_Latin1_General_CP1_CI_AS:
// case-insensitive, accent-sensitive. String functions compare "based on the collation of the input"
// (https://learn.microsoft.com/sql/t-sql/functions/replace-transact-sql,
// https://learn.microsoft.com/sql/t-sql/functions/charindex-transact-sql), so REPLACE('ABC', 'b', 'x')
// is 'AxC' on SQL Server where SQLite's replace() is case-sensitive and returns 'ABC'.

type V = number | bigint | string | Buffer | null;

const text = (v: Exclude<V, null>): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** One character against another, ignoring case only ('e' matches 'E', not 'é'). */
const sameChar = (a: string, b: string): boolean => a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();

function matchesAt(hay: string, needle: string, at: number): boolean {
  for (let k = 0; k < needle.length; k++) {
    if (!sameChar(hay[at + k] as string, needle[k] as string)) return false;
  }
  return true;
}

/** Index of the first case-insensitive occurrence of needle in hay at or after `from`, or -1. */
export function indexOfCi(hay: string, needle: string, from = 0): number {
  for (let i = Math.max(from, 0); i + needle.length <= hay.length; i++) {
    if (matchesAt(hay, needle, i)) return i;
  }
  return -1;
}

/**
 * REPLACE(s, pattern, replacement): every non-overlapping occurrence, found left to right without
 * regard to case; NULL when any argument is NULL. An empty pattern leaves s as it is.
 */
export function tsqlReplace(s: V, pattern: V, replacement: V): string | null {
  if (s === null || pattern === null || replacement === null) return null;
  const hay = text(s);
  const needle = text(pattern);
  if (needle.length === 0) return hay;
  const by = text(replacement);
  let out = '';
  let from = 0;
  for (let at = indexOfCi(hay, needle); at >= 0; at = indexOfCi(hay, needle, from)) {
    out += hay.slice(from, at) + by;
    from = at + needle.length;
  }
  return out + hay.slice(from);
}

/** CHARINDEX(needle, hay [, start]): 1-based position of the first occurrence from `start`, 0 when none; NULL when needle or hay is NULL. */
export function tsqlCharindex(needle: V, hay: V, start: V = 1): number | null {
  if (needle === null || hay === null) return null;
  const from = Math.max(Number(start ?? 1), 1) - 1;
  return indexOfCi(text(hay), text(needle), from) + 1;
}

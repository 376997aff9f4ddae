// Which T-SQL built-in functions the translator knows, and how many arguments each takes. A name that
// is not here is not a SQL Server built-in: it fails with 195 as on SQL Server (SQLite-only functions
// such as sqlite_version, typeof, ifnull, instr, substr, printf, group_concat, json_* included), so
// no SQLite function is ever reached by name from T-SQL text.
// The list and the arities follow SQL Server's documented functions
// (https://learn.microsoft.com/sql/t-sql/functions/functions).

/** T-SQL functions that exist in SQL Server but are not translated: rejected by name (102). */
export const KNOWN_UNSUPPORTED = new Set(('FORMAT STUFF REPLICATE PATINDEX SOUNDEX DIFFERENCE EOMONTH DATEFROMPARTS ' +
  'DATETIMEFROMPARTS TRY_CAST TRY_CONVERT TRY_PARSE PARSE OBJECT_ID OBJECT_NAME DB_NAME DB_ID HASHBYTES STR ISDATE ISNUMERIC CHOOSE ' +
  'TRANSLATE JSON_VALUE JSON_QUERY ISJSON STRING_SPLIT SPACE QUOTENAME CHECKSUM BINARY_CHECKSUM SWITCHOFFSET TODATETIMEOFFSET ' +
  'DATETRUNC SYSDATETIMEOFFSET USER_NAME SUSER_SNAME HOST_NAME APP_NAME ERROR_MESSAGE ERROR_NUMBER STRING_ESCAPE DEGREES RADIANS RAND ' +
  'COMPRESS DECOMPRESS DATEDIFF_BIG CUME_DIST PERCENT_RANK PERCENTILE_CONT PERCENTILE_DISC').split(' '));

/** [least, most] arguments. */
export type Arity = readonly [number, number];

/**
 * Built-ins SQLite runs with T-SQL's meaning, emitted under the same name, with T-SQL's argument
 * counts (SQLite's two-argument min/max/trim and one-argument round are not T-SQL).
 * LTRIM/RTRIM take the characters to remove as a second argument since SQL Server 2022, as SQLite does.
 */
export const PASSTHROUGH: ReadonlyMap<string, Arity> = new Map<string, Arity>([
  ['COUNT', [1, 1]], ['SUM', [1, 1]], ['MIN', [1, 1]], ['MAX', [1, 1]], ['ABS', [1, 1]],
  ['NULLIF', [2, 2]], ['UPPER', [1, 1]], ['LOWER', [1, 1]], ['LTRIM', [1, 2]], ['RTRIM', [1, 2]],
  ['IIF', [3, 3]], ['ROW_NUMBER', [0, 0]], ['RANK', [0, 0]], ['DENSE_RANK', [0, 0]], ['NTILE', [1, 1]], ['LAG', [1, 3]],
  ['LEAD', [1, 3]], ['FIRST_VALUE', [1, 1]], ['LAST_VALUE', [1, 1]], ['SIGN', [1, 1]],
  ['STRING_AGG', [2, 2]],
]);

/** Built-ins run by a function registered in functions.ts / text-functions.ts: T-SQL name → [SQLite name, least, most]. */
export const REGISTERED: ReadonlyMap<string, readonly [string, number, number]> = new Map<string, readonly [string, number, number]>([
  ['LEN', ['tsql_len', 1, 1]], ['RIGHT', ['tsql_right', 2, 2]], ['CHARINDEX', ['tsql_charindex', 2, 3]], ['REPLACE', ['tsql_replace', 3, 3]],
  ['CONCAT', ['tsql_concat', 2, 254]], ['NEWID', ['tsql_newid', 0, 0]], ['FLOOR', ['tsql_floor', 1, 1]],
  ['CEILING', ['tsql_ceiling', 1, 1]], ['CHAR', ['tsql_char', 1, 1]], ['NCHAR', ['tsql_nchar', 1, 1]],
  ['ASCII', ['tsql_ascii', 1, 1]], ['UNICODE', ['tsql_unicode', 1, 1]], ['REVERSE', ['tsql_reverse', 1, 1]],
  ['ROUND', ['tsql_round', 2, 3]], ['SQRT', ['tsql_sqrt', 1, 1]], ['SQUARE', ['tsql_square', 1, 1]], ['EXP', ['tsql_exp', 1, 1]],
  ['LOG', ['tsql_log', 1, 2]], ['LOG10', ['tsql_log10', 1, 1]], ['PI', ['tsql_pi', 0, 0]], ['SIN', ['tsql_sin', 1, 1]],
  ['COS', ['tsql_cos', 1, 1]], ['TAN', ['tsql_tan', 1, 1]], ['ASIN', ['tsql_asin', 1, 1]], ['ACOS', ['tsql_acos', 1, 1]],
  ['ATAN', ['tsql_atan', 1, 1]], ['COT', ['tsql_cot', 1, 1]], ['ATN2', ['tsql_atn2', 2, 2]], ['DATALENGTH', ['tsql_datalength', 1, 1]],
]);

/** Every built-in the translator rewrites (the rest of translateFunction's cases). */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([...PASSTHROUGH.keys(), ...REGISTERED.keys(), ...('GETDATE SYSDATETIME ' +
  'GETUTCDATE SYSUTCDATETIME ISNULL COALESCE LEFT SUBSTRING YEAR MONTH DAY DATEADD DATEDIFF DATEPART DATENAME CAST CONVERT SCOPE_IDENTITY ' +
  'COUNT_BIG POWER AVG TRIM').split(' ')]);

// Names SQLite gives a meaning that SQL Server does not, so T-SQL sent to the simulator cannot reach
// SQLite-only behaviour through them. All of this runs while a statement is translated, which happens
// once per distinct text (compiled.ts), never per execution.

/**
 * SQLite's keywords (https://sqlite.org/lang_keywords.html) plus TRUE and FALSE. The translator emits
 * the T-SQL keywords it knows as keywords; any other word of this list reaching it is a plain
 * identifier to SQL Server (LIMIT, GLOB, ISNULL, RETURNING, ... are not T-SQL keywords,
 * https://learn.microsoft.com/sql/t-sql/language-elements/reserved-keywords-transact-sql), so it is
 * sent to SQLite double-quoted: `FROM BPS_Patients LIMIT 2` then fails where SQL Server's parser
 * fails (LIMIT read as a table alias, error 102 near '2'), `WHERE x = 1 LIMIT 2` near 'LIMIT', and
 * `SELECT TRUE` is an unknown column (207) as on SQL Server.
 */
const SQLITE_KEYWORDS = new Set(('ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN ' +
  'BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME ' +
  'CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE ' +
  'EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE ' +
  'IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL ' +
  'NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE ' +
  'RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET ' +
  'TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE ' +
  'WINDOW WITH WITHOUT TRUE FALSE').split(' '));

/** How an unquoted name part is sent to SQLite: as typed, or double-quoted when SQLite would read it as a keyword. */
export function sqliteNamePart(text: string, upper: string): string {
  return SQLITE_KEYWORDS.has(upper) ? `"${text}"` : text;
}

/** Eponymous virtual tables of this SQLite build (SELECT name FROM pragma_module_list) and JSON table functions. */
const SQLITE_TABLE_FUNCTIONS = new Set(['DBSTAT', 'JSON_EACH', 'JSON_TREE', 'JSONB_EACH', 'JSONB_TREE']);

/**
 * Tables SQLite answers for that SQL Server has no object of: its catalog (sqlite_master,
 * sqlite_schema, sqlite_sequence, sqlite_stat1, ...: SQLite reserves the prefix), the pragma_*
 * table-valued functions and the other eponymous virtual tables. SQL Server refuses each with 208.
 */
export function isSqliteInternalObject(upperName: string): boolean {
  return upperName.startsWith('SQLITE_') || upperName.startsWith('PRAGMA_') || SQLITE_TABLE_FUNCTIONS.has(upperName);
}

/** SQLite's names for a table's rowid; SQL Server has no such column (207) unless the query names a column so. */
export const ROWID_NAMES: ReadonlySet<string> = new Set(['ROWID', 'OID', '_ROWID_']);

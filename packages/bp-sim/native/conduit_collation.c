/*
 * SQLite loadable extension: Bp's SQL Server collation (SQL_Latin1_General_CP1_CI_AS) for text
 * comparisons, registered under the name NOCASE so that it replaces SQLite's built-in NOCASE on the
 * connection that loads it. The schema declares text columns COLLATE NOCASE and the translator adds
 * COLLATE NOCASE to other comparisons (src/tsql/compare-collation.ts): all of them then compare as
 * SQL Server does. A database file stays readable by any SQLite, which falls back to its own NOCASE.
 *
 * Trailing spaces: SQL Server pads the shorter string with spaces before comparing, so 'abc' and
 * 'abc   ' are equal for =, <>, <, >, GROUP BY and DISTINCT; LIKE does not pad (Microsoft KB 316626,
 * "INF: How SQL Server Compares Strings with Trailing Spaces", https://support.microsoft.com/kb/316626;
 * LIKE: https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql). Here trailing
 * spaces are removed before comparing: the same equalities, and the same order except for characters
 * below the space (tab, control characters) right after a common prefix, which SQL Server orders before
 * the end of the shorter string. Removing rather than padding keeps every string that starts with a
 * prefix at or after that prefix, which SQLite's LIKE optimisation relies on when it turns
 * `col LIKE 'abc%'` into an index range.
 *
 * Case: ASCII letters compare without regard to case, as SQLite's NOCASE (lower-cased, then by code
 * point), so an index built with the built-in NOCASE stays in order for ASCII text.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

/* Length of s without its trailing spaces. */
static int trimmed(const unsigned char *s, int n) {
  while (n > 0 && s[n - 1] == ' ') n--;
  return n;
}

static unsigned fold(unsigned c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int compare(void *unused, int n1, const void *p1, int n2, const void *p2) {
  (void)unused;
  const unsigned char *a = (const unsigned char *)p1;
  const unsigned char *b = (const unsigned char *)p2;
  n1 = trimmed(a, n1);
  n2 = trimmed(b, n2);
  int n = n1 < n2 ? n1 : n2;
  for (int i = 0; i < n; i++) {
    unsigned x = fold(a[i]), y = fold(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return n1 - n2;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_conduitcollation_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_collation(db, "NOCASE", SQLITE_UTF8, 0, compare);
}

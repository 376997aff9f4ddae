/*
 * SQLite loadable extension: Bp's SQL Server collation (SQL_Latin1_General_CP1_CI_AS) for text
 * comparisons, registered under the name NOCASE so that it replaces SQLite's built-in NOCASE on the
 * connection that loads it. The schema declares text columns COLLATE NOCASE and the translator adds
 * COLLATE NOCASE to other comparisons (src/tsql/compare-collation.ts): all of them then compare as
 * SQL Server does. A database file stays readable by any SQLite, which falls back to its own NOCASE.
 * Also here, with the same rules: upper() and lower() (replacing SQLite's), and conduit_like() with
 * the bounds of the index range that serves it (src/tsql/like.ts).
 *
 * Trailing spaces: SQL Server pads the shorter string with spaces before comparing, so 'abc' and
 * 'abc   ' are equal for =, <>, <, >, GROUP BY and DISTINCT; LIKE does not pad (Microsoft KB 316626,
 * "INF: How SQL Server Compares Strings with Trailing Spaces", https://support.microsoft.com/kb/316626;
 * LIKE: https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql). Here trailing
 * spaces are removed before comparing: the same equalities, and the same order except for characters
 * below the space (tab, control characters) right after a common prefix, which SQL Server orders before
 * the end of the shorter string.
 *
 * Case: a _CI collation does not tell upper- from lower-case letters, an _AS one tells accented letters
 * apart (https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support);
 * here for every letter of the collation's code page, Windows-1252: A-Z, À-Þ (not ×), Š Œ Ž Ÿ. Accents count
 * (_AS): é <> e. Characters compare lower-cased, by code point: ASCII text keeps the order of SQLite's
 * NOCASE, so indexes built with it stay in order; SQL Server's dictionary order (é between e and f) is
 * not simulated.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <stdint.h>
#include <string.h>

typedef unsigned char u8;

/*
 * The next code point of UTF-8 text. A byte that does not start a whole sequence (a stray continuation
 * byte, a lead byte cut short or above 0xF4) stands for itself, one byte long, so every code point is
 * at most 0x10FFFF or a single invalid byte.
 */
static unsigned next(const u8 **p, const u8 *end) {
  const u8 *s = *p;
  unsigned c = *s++;
  if (c >= 0xC0 && c <= 0xF4) {
    int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    if (end - s >= n) {
      unsigned d = c & (0x3Fu >> n);
      int i = 0;
      for (; i < n && (s[i] & 0xC0) == 0x80; i++) d = (d << 6) | (s[i] & 0x3F);
      if (i == n) {
        c = d;
        s += n;
      }
    }
  }
  *p = s;
  return c;
}

static int put(u8 *out, unsigned c) {
  if (c < 0x80) { out[0] = (u8)c; return 1; }
  if (c < 0x800) { out[0] = (u8)(0xC0 | c >> 6); out[1] = (u8)(0x80 | (c & 0x3F)); return 2; }
  if (c < 0x10000) { out[0] = (u8)(0xE0 | c >> 12); out[1] = (u8)(0x80 | ((c >> 6) & 0x3F)); out[2] = (u8)(0x80 | (c & 0x3F)); return 3; }
  out[0] = (u8)(0xF0 | c >> 18); out[1] = (u8)(0x80 | ((c >> 12) & 0x3F)); out[2] = (u8)(0x80 | ((c >> 6) & 0x3F)); out[3] = (u8)(0x80 | (c & 0x3F));
  return 4;
}

static unsigned lower(unsigned c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  switch (c) {
    case 0x160: case 0x152: case 0x17D: return c + 1; /* Š Œ Ž */
    case 0x178: return 0xFF;                         /* Ÿ */
    default: return c;
  }
}

static unsigned upper(unsigned c) {
  if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  switch (c) {
    case 0x161: case 0x153: case 0x17E: return c - 1;
    case 0xFF: return 0x178;
    default: return c;
  }
}

/* Length of s without its trailing spaces. */
static int trimmed(const u8 *s, int n) {
  while (n > 0 && s[n - 1] == ' ') n--;
  return n;
}

static int compare(void *unused, int n1, const void *p1, int n2, const void *p2) {
  (void)unused;
  const u8 *a = (const u8 *)p1, *b = (const u8 *)p2;
  const u8 *ae = a + trimmed(a, n1), *be = b + trimmed(b, n2);
  while (a < ae && b < be) {
    unsigned x, y;
    if ((*a | *b) < 0x80) { /* both ASCII: the common case, without decoding */
      x = *a++;
      y = *b++;
      if (x == y) continue;
      x = lower(x);
      y = lower(y);
    } else {
      x = lower(next(&a, ae));
      y = lower(next(&b, be));
    }
    if (x != y) return x < y ? -1 : 1;
  }
  return (a < ae) - (b < be);
}

/* upper(s) / lower(s): s with each letter mapped; NULL for NULL. */
static void map_case(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const u8 *s = sqlite3_value_text(argv[0]);
  if (!s) return;
  int n = sqlite3_value_bytes(argv[0]);
  int up = sqlite3_user_data(ctx) != 0;
  u8 *out = sqlite3_malloc64((sqlite3_uint64)n * 2 + 1); /* Ÿ (2 bytes) <-> ÿ (2 bytes); no mapping grows more */
  if (!out) { sqlite3_result_error_nomem(ctx); return; }
  const u8 *end = s + n;
  int k = 0;
  while (s < end) {
    const u8 *at = s;
    unsigned c = next(&s, end);
    /* An invalid byte is copied as it is, not re-encoded as the Latin-1 letter of its value. */
    if (s - at == 1 && *at >= 0x80) out[k++] = *at;
    else k += put(out + k, up ? upper(c) : lower(c));
  }
  sqlite3_result_text(ctx, (const char *)out, k, sqlite3_free);
}

/* A [...] class at p (after the '['): whether c is in it; *after is set past the ']'. 0 with *after = 0 when unclosed. */
static int in_class(const u8 *p, const u8 *pe, unsigned c, const u8 **after) {
  int negate = 0, found = 0, first = 1;
  if (p < pe && *p == '^') { negate = 1; p++; }
  while (p < pe) {
    if (*p == ']' && !first) { *after = p + 1; return found != negate; }
    first = 0;
    unsigned lo = lower(next(&p, pe)), hi = lo;
    if (p + 1 < pe && *p == '-' && p[1] != ']') { p++; hi = lower(next(&p, pe)); }
    if (c >= lo && c <= hi) found = 1;
  }
  *after = 0;
  return 0;
}

/*
 * SQL Server's LIKE: % any run, _ any one character, [abc] [a-f] [^a] classes, an escape character;
 * letters match without regard to case. `blanks`: the tested value's trailing spaces do not have to
 * be matched (non-Unicode operands, as a varchar pattern literal).
 */
static int match(const u8 *p, const u8 *pe, const u8 *s, const u8 *se, unsigned esc, int blanks) {
  /*
   * Without recursion, remembering only the last %: every other token matches exactly one character, so
   * when the rest fails, letting that % take one more character is the only retry needed (earlier ones
   * cannot help). O(pattern x value) time and constant stack, where trying every split of every %
   * took seconds for '%a%a%a%a%b' on 200 characters and overflowed the stack on long inputs.
   */
  const u8 *starP = 0, *starS = 0;
  for (;;) {
    if (p < pe) {
      unsigned c = next(&p, pe);
      if (c == esc) {
        if (p >= pe) return 0; /* nothing after the escape character: nothing matches */
        c = next(&p, pe);
      } else if (c == '%') {
        while (p < pe && *p == '%') p++;
        if (p >= pe) return 1;
        starP = p;
        starS = s;
        continue;
      } else if (c == '_') {
        if (s < se) {
          next(&s, se);
          continue;
        }
        goto retry;
      } else if (c == '[') {
        if (s >= se) goto retry;
        const u8 *after;
        const u8 *s0 = s;
        unsigned x = lower(next(&s, se));
        int in = in_class(p, pe, x, &after);
        if (after) {
          if (!in) goto retry;
          p = after;
          continue;
        }
        s = s0; /* unclosed: a literal [ */
      }
      if (s < se && lower(next(&s, se)) == lower(c)) continue;
    } else {
      const u8 *t = s;
      if (blanks) while (t < se && *t == ' ') t++;
      if (t >= se) return 1;
    }
  retry:
    if (!starP || starS >= se) return 0;
    next(&starS, se);
    p = starP;
    s = starS;
  }
}

static unsigned escape_arg(sqlite3_value *v) {
  const u8 *e = sqlite3_value_text(v);
  if (!e || !*e) return 0xFFFFFFFFu;
  return next(&e, e + strlen((const char *)e));
}

/* conduit_like(value, pattern, escape, blanks): 1 / 0, NULL when value or pattern is NULL. */
static void like_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const u8 *s = sqlite3_value_text(argv[0]);
  int ns = sqlite3_value_bytes(argv[0]);
  const u8 *p = sqlite3_value_text(argv[1]);
  int np = sqlite3_value_bytes(argv[1]);
  if (!s || !p) return;
  sqlite3_result_int(ctx, match(p, p + np, s, s + ns, escape_arg(argv[2]), sqlite3_value_int(argv[3])));
}

/*
 * The bounds of an index range holding every value that matches a pattern: conduit_like_low is the
 * pattern's fixed prefix (before its first wildcard), conduit_like_high that prefix lower-cased with
 * its last character's code raised by one, or an empty blob when there is no prefix (SQLite orders
 * every text below every blob: no text, U+10FFFF or invalid bytes included, is left out). Under
 * this collation a matching value is >= low and < high. conduit_like_exact is 1 when every value in
 * that range matches (the pattern is the prefix and one final %, the prefix does not end in a space
 * and the raised character is no upper-case letter), so the LIKE itself need not run for them.
 */
enum { LOW, HIGH, EXACT };

static void bound_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int mode = (int)(intptr_t)sqlite3_user_data(ctx);
  const u8 *p = sqlite3_value_text(argv[0]);
  if (!p) return;
  int np = sqlite3_value_bytes(argv[0]);
  unsigned esc = escape_arg(argv[1]);
  const u8 *pe = p + np;
  u8 *out = sqlite3_malloc64((sqlite3_uint64)np * 2 + 5);
  if (!out) { sqlite3_result_error_nomem(ctx); return; }
  int k = 0, lastAt = -1, rest = 0;
  unsigned last = 0, raw = 0;
  while (p < pe) {
    unsigned c = next(&p, pe);
    if (c == esc) {
      if (p >= pe) { rest = 2; break; }
      c = next(&p, pe);
    } else if (c == '%' || c == '_' || c == '[') {
      rest = c == '%' && p == pe ? 1 : 2; /* 1: one final % */
      break;
    }
    lastAt = k;
    raw = c;
    last = lower(c);
    k += put(out + k, mode == LOW ? c : last);
  }
  unsigned up = last + 1;
  int sentinel = lastAt < 0 || up == 0x178 || (up >= 0xD800 && up <= 0xDFFF) || up > 0x10FFFF;
  if (mode == EXACT) {
    sqlite3_free(out);
    sqlite3_result_int(ctx, !sentinel && rest == 1 && raw != ' ' && up != ' ' && lower(up) == up);
    return;
  }
  if (mode == HIGH) {
    if (sentinel) {
      sqlite3_free(out);
      sqlite3_result_zeroblob(ctx, 0);
      return;
    }
    if (up == ' ') up = '!';
    k = lastAt + put(out + lastAt, up);
  }
  sqlite3_result_text(ctx, (const char *)out, k, sqlite3_free);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_conduitcollation_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_collation(db, "NOCASE", SQLITE_UTF8, 0, compare);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "upper", 1, flags, (void *)1, map_case, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "lower", 1, flags, 0, map_case, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "conduit_like", 4, flags, 0, like_fn, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "conduit_like_low", 2, flags, (void *)(intptr_t)LOW, bound_fn, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "conduit_like_high", 2, flags, (void *)(intptr_t)HIGH, bound_fn, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "conduit_like_exact", 2, flags, (void *)(intptr_t)EXACT, bound_fn, 0, 0);
  return rc;
}

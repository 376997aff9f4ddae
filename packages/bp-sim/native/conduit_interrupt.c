/*
 * SQLite loadable extension: lets one thread stop a statement running on another thread's connection,
 * the way a SQL Server client stops a running batch with an attention signal.
 *
 * better-sqlite3 does not expose sqlite3_interrupt(), and a worker thread blocked inside one native
 * sqlite3_step() cannot be terminated from JavaScript. Loaded into a connection, this extension gives
 * it a process-wide token (conduit_interrupt_token()); any other connection in the process can then call
 * conduit_interrupt(token), which calls sqlite3_interrupt() on it. SQLite aborts the statement at its
 * next check (every loop opcode) with SQLITE_INTERRUPT and rolls back what it had changed.
 *
 * sqlite3_interrupt() is documented as safe to call from another thread, but not on a connection that
 * is closing or closed. The registry below is guarded by a SQLite mutex, and a connection's entry is
 * removed by the destructor of its token function, which SQLite runs while closing the connection and
 * before freeing it: an interrupt either finds the live connection or finds nothing.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

typedef struct Slot {
  sqlite3_int64 token;
  sqlite3 *db;
  struct Slot *next;
} Slot;

static Slot *slots = 0;
static sqlite3_int64 last_token = 0;

static sqlite3_mutex *registry_mutex(void) {
  return sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1);
}

static void token_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  Slot *slot = (Slot *)sqlite3_user_data(ctx);
  sqlite3_result_int64(ctx, slot->token);
}

static void interrupt_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_int64 token = sqlite3_value_int64(argv[0]);
  int found = 0;
  sqlite3_mutex *m = registry_mutex();
  sqlite3_mutex_enter(m);
  for (Slot *s = slots; s; s = s->next) {
    if (s->token == token) {
      sqlite3_interrupt(s->db);
      found = 1;
      break;
    }
  }
  sqlite3_mutex_leave(m);
  sqlite3_result_int(ctx, found);
}

/* Runs when the connection closes (its functions are destroyed before it is freed). */
static void forget_slot(void *p) {
  Slot *slot = (Slot *)p;
  sqlite3_mutex *m = registry_mutex();
  sqlite3_mutex_enter(m);
  for (Slot **at = &slots; *at; at = &(*at)->next) {
    if (*at == slot) {
      *at = slot->next;
      break;
    }
  }
  sqlite3_mutex_leave(m);
  sqlite3_free(slot);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_conduitinterrupt_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  (void)pzErrMsg;
  Slot *slot = (Slot *)sqlite3_malloc(sizeof(Slot));
  if (!slot) return SQLITE_NOMEM;
  slot->db = db;
  sqlite3_mutex *m = registry_mutex();
  sqlite3_mutex_enter(m);
  /* A random start: SQLite unloads the library when its last connection closes, and a token kept
     from before must never name a connection opened after a reload. */
  if (last_token == 0) {
    sqlite3_randomness(sizeof(last_token), &last_token);
    last_token = (last_token & 0x3fffffffffffffffLL) | 1;
  }
  slot->token = ++last_token;
  slot->next = slots;
  slots = slot;
  sqlite3_mutex_leave(m);
  /* On failure SQLite calls the destructor itself, which unregisters and frees the slot. */
  int rc = sqlite3_create_function_v2(db, "conduit_interrupt_token", 0, SQLITE_UTF8, slot, token_fn, 0, 0, forget_slot);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, "conduit_interrupt", 1, SQLITE_UTF8, 0, interrupt_fn, 0, 0, 0);
}

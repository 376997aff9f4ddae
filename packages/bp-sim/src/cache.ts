// Caches for the hot path of execute(): a bounded LRU map, and per-connection prepared statements.
//
// Preparing a statement costs far more than running a small one (about 20 µs for a query on a
// view against about 3 µs to run it), so every connection keeps its statements keyed by SQLite SQL
// text. The schema does not change at run time in the simulator, so entries never go stale; only
// successful prepares are stored, so an error is raised again (by SQLite) on every attempt.
import type Database from 'better-sqlite3';

/** Turn every cache off (tests compare cached against uncached results). */
export const cacheSettings = { enabled: true };

/** Map bounded to `max` entries, evicting the least recently used (a Map keeps insertion order). */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError('an LRU cache needs room for at least one entry');
  }

  get size(): number { return this.map.size; }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) { this.map.delete(key); this.map.set(key, v); } // most recently used goes last
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  delete(key: K): void { this.map.delete(key); }
  clear(): void { this.map.clear(); }
}

/**
 * LRU cache that admits a key only when it is asked for the second time (recently). A workload of
 * one-off texts (literals spliced into the SQL) then never fills the cache with entries that are
 * evicted unused, which costs more in garbage collection than the cache saves; only the key
 * strings are remembered for those.
 */
export class AdmittingCache<V> {
  private readonly entries: LruCache<string, V>;
  private readonly seen: LruCache<string, true>;
  constructor(max: number) {
    this.entries = new LruCache(max);
    this.seen = new LruCache(max * 2);
  }

  get size(): number { return this.entries.size; }
  get max(): number { return this.entries.max; }
  get(key: string): V | undefined { return this.entries.get(key); }

  /** Stores the value if the key was offered before; returns whether it was stored. */
  offer(key: string, value: V): boolean {
    if (this.seen.get(key) === undefined && this.entries.get(key) === undefined) { this.seen.set(key, true); return false; }
    this.seen.delete(key);
    this.entries.set(key, value);
    return true;
  }

  clear(): void { this.entries.clear(); this.seen.clear(); }
}

export const STATEMENT_CACHE_SIZE = 256;

/**
 * Prepared statements of one connection, keyed by SQL text (and pluck mode: a statement's mode is
 * part of its state, so plucking and non-plucking callers never share one).
 *
 * A statement is cached from its second use (see AdmittingCache).
 *
 * A statement being iterated (a streamed result set the caller has not finished reading) is busy:
 * better-sqlite3 refuses to run it again until the iteration ends. Such a statement is dropped from
 * the cache and a fresh one is prepared (and cached) in its place, so interleaved readers of the
 * same SQL each get their own, and an iterator the caller abandons cannot pin an entry.
 */
export class StatementCache {
  private readonly lru = new AdmittingCache<Database.Statement>(STATEMENT_CACHE_SIZE);
  constructor(private readonly db: Database.Database) {}

  get size(): number { return this.lru.size; }

  prepare(sql: string, pluck = false): Database.Statement {
    if (!cacheSettings.enabled || !this.db.open) return this.fresh(sql, pluck);
    const key = pluck ? `\u0001${sql}` : sql;
    const hit = this.lru.get(key);
    if (hit && !hit.busy) return hit;
    const stmt = this.fresh(sql, pluck); // throws on a bad statement: nothing is cached then
    this.lru.offer(key, stmt); // cached from the second use on (a busy one is replaced)
    return stmt;
  }

  clear(): void { this.lru.clear(); }

  private fresh(sql: string, pluck: boolean): Database.Statement {
    const stmt = this.db.prepare(sql);
    return pluck ? stmt.pluck() : stmt;
  }
}

const caches = new WeakMap<Database.Database, StatementCache>();

/** The statement cache of a connection (read-only and read-write connections each have their own). */
export function statementCache(db: Database.Database): StatementCache {
  let c = caches.get(db);
  if (!c) { c = new StatementCache(db); caches.set(db, c); }
  return c;
}

/** db.prepare(sql) through the connection's cache. Only for statements run to completion or iterated once. */
export function prepareCached(db: Database.Database, sql: string): Database.Statement {
  return statementCache(db).prepare(sql);
}

/** Drops a connection's cached statements (on close). */
export function forgetStatements(db: Database.Database): void {
  caches.get(db)?.clear();
  caches.delete(db);
}

const columnNames = new WeakMap<Database.Statement, readonly string[]>();

/**
 * Column names of a statement that returns data. Reading them from SQLite costs about as much as
 * running a small query (tens of µs for SELECT * on a wide table), so they are kept per statement;
 * callers get their own copy.
 */
export function columnsOf(stmt: Database.Statement): string[] {
  let names = columnNames.get(stmt);
  if (!names) {
    names = stmt.columns().map((c) => c.name);
    if (cacheSettings.enabled) columnNames.set(stmt, names);
  }
  return names.slice();
}

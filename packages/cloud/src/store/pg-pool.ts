// PostgreSQL connections for the cluster store: a pool, transactions, `?` placeholders, and migrations
// applied at start under an advisory lock so nodes starting together apply each step once.
import pg from 'pg';

/** BIGINT (oid 20) as a JS number: counters and sizes here stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** Lock keys (pg_advisory_lock takes a bigint): one for migrations, one serialising audit appends. */
export const LOCK_MIGRATE = 0x636f6e6475697401n;
export const LOCK_AUDIT = 0x636f6e6475697402n;

export type Row = Record<string, unknown>;

export interface Db {
  /** `prepared`: see statement(). */
  query(sql: string, params?: unknown[], prepared?: boolean): Promise<Row[]>;
  /** Rows changed by an UPDATE/DELETE/INSERT. */
  run(sql: string, params?: unknown[], prepared?: boolean): Promise<number>;
}

/** Rewrites `?` placeholders (the SQLite store's style) to `$1, $2, …`. The SQL here has no `?` in literals. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const named = new Map<string, { name: string; text: string }>();

/**
 * A prepared statement is parsed and planned once per connection and then only bound and run: for the
 * one-row query-record upsert PostgreSQL's CPU went from ~230 to ~110 µs a statement (measured). Only the
 * hot statements ask for it, from a fixed set of texts, since each one stays in every connection's memory;
 * and none that returns `*`: a column added by a newer node's migration would fail its cached plan
 * ("cached plan must not change result type") on the nodes not yet upgraded.
 */
function statement(sql: string, values: unknown[], prepared: boolean): pg.QueryConfig {
  if (!prepared) return { text: numbered(sql), values };
  let s = named.get(sql);
  if (!s) {
    s = { name: `conduit_${named.size + 1}`, text: numbered(sql) };
    named.set(sql, s);
  }
  return { name: s.name, text: s.text, values };
}

function wrap(c: pg.Pool | pg.PoolClient): Db {
  return {
    async query(sql, params = [], prepared = false) {
      return (await c.query(statement(sql, params, prepared))).rows as Row[];
    },
    async run(sql, params = [], prepared = false) {
      return (await c.query(statement(sql, params, prepared))).rowCount ?? 0;
    },
  };
}

export class PgPool implements Db {
  readonly pool: pg.Pool;
  private readonly db: Db;

  constructor(url: string, max = 10, connectTimeoutMs = 10_000, idleInTransactionMs = 30_000) {
    // A bounded connect: a node pointed at a wrong or unreachable server fails its start (or its request)
    // instead of hanging. A node that stops mid-transaction (frozen, or paused in a debugger) would keep
    // its row and advisory locks, and every other node's appenders would queue behind them until their
    // pools ran dry: the server ends such a session after idleInTransactionMs, which frees the locks
    // (no transaction here waits on anything but the database between its statements).
    this.pool = new pg.Pool({
      connectionString: url, max, types: TYPES, application_name: 'conduit-cloud', connectionTimeoutMillis: connectTimeoutMs,
      idle_in_transaction_session_timeout: idleInTransactionMs,
    });
    // An idle client losing its server (a restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.db = wrap(this.pool);
  }

  query(sql: string, params?: unknown[], prepared?: boolean): Promise<Row[]> {
    return this.db.query(sql, params, prepared);
  }

  run(sql: string, params?: unknown[], prepared?: boolean): Promise<number> {
    return this.db.run(sql, params, prepared);
  }

  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(wrap(c));
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  /**
   * Applies the missing steps in order, each in its own transaction with its row in schema_migrations. A
   * session advisory lock makes nodes that start at once wait for each other instead of racing.
   */
  async migrate(steps: string[]): Promise<number[]> {
    const c = await this.pool.connect();
    const applied: number[] = [];
    try {
      await c.query('SELECT pg_advisory_lock($1)', [LOCK_MIGRATE.toString()]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const done = new Set((await c.query('SELECT version FROM schema_migrations')).rows.map((r: { version: number }) => r.version));
      for (const [i, sql] of steps.entries()) {
        const version = i + 1;
        if (done.has(version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(sql);
          await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, new Date().toISOString()]);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${version} failed: ${(e as Error).message}`, { cause: e });
        }
        applied.push(version);
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [LOCK_MIGRATE.toString()]).catch(() => undefined);
      c.release();
    }
    return applied;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

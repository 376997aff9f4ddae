// A node's query-record writes and audit appends on PostgreSQL, group-committed through one pipe: at most
// one statement in flight, and everything that arrives meanwhile goes together in the next one — the
// records as one multi-row upsert, the audit events chained by conduit_audit_append, both in one statement
// when there are both. What a request waits on (a new record, an awaited update, a non-query audit event)
// is urgent and is sent at once; a turn's final updates of immediate queries and the batched query audit
// events wait up to LAZY_MS to ride with the next urgent write. A cluster node that relays most of its
// queries sees a few requests per event-loop turn: one statement each for the insert, the final update and
// the 10 ms audit flush was 0.7-0.9 statements per query over 3 nodes, against 0.3-0.4 on one busy node
// (cluster bench, pg_stat_database).
import { eventBody } from '../audit/chain.js';
import type { AuditEvent, NewAuditEvent, QueryRecord } from './types.js';
import { LOCK_AUDIT, type PgPool, type Row } from './pg-pool.js';
import { queryParams, upsertQueries } from './rows.js';

/** How long a lazy write waits for company. Bounds how late a final record or a query audit event is stored. */
export const LAZY_MS = 5;
/** Upserts of up to this many records are prepared statements (one per size, in every connection). */
const PREPARED_ROWS = 16;
/** A statement takes at most 65,535 parameters (22 per record). */
const MAX_ROWS = 1000;

/**
 * A statement of the pipe gives up on the audit chain's lock after this long; its records go again without the
 * events, and the events wait for the lock aside: a slow appender elsewhere (a frozen node of the previous
 * release, which held the lock across round trips) must not hold up this node's queries.
 */
const LOCK_WAIT_MS = 1000;

const AUDIT_CALL = 'SELECT out_seq, out_prev_hash, out_hash FROM conduit_audit_append(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ORDER BY out_seq';

const texts = new Map<string, string>();
/** The statement for n records, with or without an audit batch; the small ones are kept (and prepared). */
function statementFor(n: number, audit: boolean): { sql: string; prepared: boolean } {
  const key = `${n}:${audit ? 'a' : ''}`;
  let sql = texts.get(key);
  if (sql === undefined) {
    // An unreferenced data-modifying CTE still runs, once and to completion, in the same statement.
    sql = n === 0 ? AUDIT_CALL : audit ? `WITH written AS (${upsertQueries(n)}) ${AUDIT_CALL}` : upsertQueries(n);
    if (n <= PREPARED_ROWS) texts.set(key, sql);
  }
  return { sql, prepared: n <= PREPARED_ROWS };
}

function auditParams(events: NewAuditEvent[], lockWaitMs: number): unknown[] {
  const col = <K extends keyof NewAuditEvent>(k: K): NewAuditEvent[K][] => events.map((e) => e[k]);
  // The details are stored as they are hashed (canonical JSON, as the SQLite store stores them): serialised once.
  const parts = events.map(eventBody);
  return [LOCK_AUDIT.toString(), lockWaitMs, col('at'), col('kind'), col('actor'), col('siteId'), col('integratorId'), col('outcome'),
    parts.map((p) => p.detailsJson), parts.map((p) => p.body)];
}

interface Waiter {
  records: QueryRecord[];
  events: NewAuditEvent[];
  resolve: (chained: AuditEvent[]) => void;
  reject: (e: Error) => void;
}

export class PgWritePipe {
  private queued: Waiter[] = [];
  private urgent = false;
  private busy = false;
  private lazyTimer?: NodeJS.Timeout;

  constructor(private readonly db: PgPool) {}

  /** Stores the records' current state (insert or update) and chains the events; resolves once committed. */
  write(records: QueryRecord[], events: NewAuditEvent[], urgent: boolean): Promise<AuditEvent[]> {
    return new Promise((resolve, reject) => {
      this.queued.push({ records, events, resolve, reject });
      if (urgent) this.urgent = true;
      this.kick();
    });
  }

  private kick(): void {
    if (this.busy || this.queued.length === 0) return;
    if (this.urgent) {
      clearTimeout(this.lazyTimer);
      this.lazyTimer = undefined;
      void this.drain();
      return;
    }
    this.lazyTimer ??= setTimeout(() => {
      this.lazyTimer = undefined;
      this.urgent = true;
      this.kick();
    }, LAZY_MS);
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      // Whatever is queued goes now; what arrives meanwhile goes next, at once if any of it is urgent.
      while (this.urgent && this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        this.urgent = false;
        try {
          this.settle(batch, await this.send(batch.flatMap((w) => w.records), batch.flatMap((w) => w.events)));
        } catch (e) {
          if (batch.length === 1 && batch[0]!.events.length === 0) batch[0]!.reject(e as Error);
          else {
            // The records go again without the events (the chain's lock may have been the trouble), then
            // caller by caller if need be: one caller's bad record must not fail the others. The events wait
            // for the lock aside, so the pipe moves on.
            await this.retry(batch.filter((w) => w.events.length === 0), LOCK_WAIT_MS);
            void this.retry(batch.filter((w) => w.events.length > 0), 0);
          }
        }
      }
    } finally {
      this.busy = false;
      this.kick();
    }
  }

  /** Sends the batch again, then caller by caller if that fails; lockWaitMs 0 waits for the audit lock as long as the server allows. */
  private async retry(batch: Waiter[], lockWaitMs: number): Promise<void> {
    if (batch.length === 0) return;
    try {
      this.settle(batch, await this.send(batch.flatMap((w) => w.records), batch.flatMap((w) => w.events), lockWaitMs));
    } catch {
      for (const w of batch) await this.send(w.records, w.events, lockWaitMs).then(w.resolve, w.reject);
    }
  }

  private settle(batch: Waiter[], chained: AuditEvent[]): void {
    let i = 0;
    for (const w of batch) {
      w.resolve(chained.slice(i, i + w.events.length));
      i += w.events.length;
    }
  }

  /**
   * One statement (more only past MAX_ROWS records). The records are the live objects, so two writes of one
   * query carry the same state: the last per id is kept. Nothing deletes query records, so an update cannot
   * bring a removed one back.
   */
  private async send(records: QueryRecord[], events: NewAuditEvent[], lockWaitMs = LOCK_WAIT_MS): Promise<AuditEvent[]> {
    const byId = new Map<string, QueryRecord>();
    for (const q of records) byId.set(q.id, q);
    const all = [...byId.values()];
    while (all.length > MAX_ROWS) {
      const part = all.splice(0, MAX_ROWS);
      const { sql, prepared } = statementFor(part.length, false);
      await this.db.run(sql, part.flatMap(queryParams), prepared);
    }
    if (events.length === 0) {
      if (all.length > 0) {
        const { sql, prepared } = statementFor(all.length, false);
        await this.db.run(sql, all.flatMap(queryParams), prepared);
      }
      return [];
    }
    const { sql, prepared } = statementFor(all.length, true);
    const rows: Row[] = await this.db.query(sql, [...all.flatMap(queryParams), ...auditParams(events, lockWaitMs)], prepared);
    if (rows.length !== events.length) throw new Error(`audit append chained ${rows.length} of ${events.length} events`);
    return events.map((e, i) => ({ ...e, seq: rows[i]!.out_seq as number, prevHash: rows[i]!.out_prev_hash as string, hash: rows[i]!.out_hash as string }));
  }
}

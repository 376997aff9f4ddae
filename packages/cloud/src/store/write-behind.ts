// The hot path's store writes, grouped into as few transactions as their guarantees allow. Each SQLite
// commit writes every page it touched to the WAL (two system calls a page) and takes and drops its locks,
// so the cost is per commit and per page rather than per row:
// - a query record's insert gates the query's send (async) or its answer (immediate, sent first: see
//   queries/service.ts): the inserts of one event-loop turn share one transaction at the end of that
//   turn, and nothing else waits in it;
// - a query record's final update and the query's audit event are bookkeeping after the answer (status
//   reads are served from memory meanwhile): they wait up to WINDOW_MS and are written together, in one
//   transaction with the audit chain's head, so a burst of queries rewrites those pages once;
// - on a single node, an immediate query's record is written in that window too (`insertLate`), in the
//   state it has by then: a query answered within the window is one insert of its final state, off the
//   main thread, instead of an insert on the main thread and an update;
// - any other audit event (refusals, pairing, settings) is written at the end of its turn, with
//   everything queued before it, so the chain keeps the order in which events were recorded.
import type { Logger } from 'pino';
import type { NewAuditEvent, QueryRecord, Store } from './types.js';

/** How long a finished query's record and audit event may wait to share a transaction. */
export const WINDOW_MS = 10;
/** A window flushes at once when this many rows are waiting. */
const MAX_WAITING = 512;

interface Waiting {
  q: QueryRecord;
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface WriteBehindOptions {
  /**
   * Write final updates at the end of their turn instead of in the window: in a cluster another node may
   * read the record from the shared store as soon as the integrator has its answer.
   */
  updatesAtEndOfTurn?: boolean;
  /** The window (default WINDOW_MS). */
  windowMs?: number;
  /**
   * Let immediate queries' records be written in the window (`insertLate`). Not in a cluster: there another
   * node may look for the record in the shared store while the query runs.
   */
  lateInserts?: boolean;
}

/** What a flush takes: the inserts, the query records (inserts and updates), or everything. */
const enum Take {
  Inserts,
  Records,
  All,
}

export class WriteBehind {
  private inserts: Waiting[] = [];
  /** Records to insert in the window; by record, their inserts until taken (an update then rides with its insert). */
  private lateInserts: Waiting[] = [];
  private readonly lateQueued = new Map<QueryRecord, Promise<void>>();
  private updates: Waiting[] = [];
  private events: NewAuditEvent[] = [];
  /** What the end-of-turn flush takes (raised by what was queued in this turn). */
  private turnTakes = Take.Inserts;
  private turn?: NodeJS.Immediate;
  private window?: NodeJS.Timeout;
  private readonly records: Lane;
  private readonly audit: Lane;

  constructor(private readonly store: Store, private readonly log: Logger, private readonly opts: WriteBehindOptions = {}) {
    // A store that keeps the order itself gets each write at once: held here one batch at a time, an
    // insert that gates a send or an answer would wait behind final updates that the store keeps back for up to 5 ms
    // to ride with the next insert (seen: cluster c=1 p50 1.3 -> 7.4 ms).
    this.records = new Lane(!store.ordersWrites);
    this.audit = new Lane(!store.ordersWrites);
  }

  /** Whether the last query-record insert failed (until one succeeds). */
  insertsFailing = false;

  /** Resolves once the record is stored (end of this turn). */
  insert(q: QueryRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.inserts.push(this.watched(q, resolve, reject));
      this.endOfTurn(Take.Inserts);
    });
  }

  /** Whether records may be inserted in the window (WriteBehindOptions.lateInserts). */
  get lateInsertsAllowed(): boolean {
    return this.opts.lateInserts === true;
  }

  /**
   * Resolves once the record is stored, within WINDOW_MS, in the state it has then; an update() queued
   * before that is written by the same insert.
   */
  insertLate(q: QueryRecord): Promise<void> {
    const stored = new Promise<void>((resolve, reject) => {
      this.lateInserts.push(this.watched(q, resolve, reject));
      this.inWindow();
    });
    this.lateQueued.set(q, stored);
    return stored;
  }

  /** An insert's waiter, which also tracks whether inserts are failing. */
  private watched(q: QueryRecord, resolve: () => void, reject: (e: Error) => void): Waiting {
    return {
      q,
      resolve: () => {
        this.insertsFailing = false;
        resolve();
      },
      reject: (e) => {
        this.insertsFailing = true;
        reject(e);
      },
    };
  }

  /** Resolves once the record's new state is stored (within WINDOW_MS). */
  update(q: QueryRecord): Promise<void> {
    // Not written yet: its insert will carry this state.
    const late = this.lateQueued.get(q);
    if (late) return late;
    return new Promise((resolve, reject) => {
      this.updates.push({ q, resolve, reject });
      if (this.opts.updatesAtEndOfTurn) this.endOfTurn(Take.Records);
      else this.inWindow();
    });
  }

  /** Queues an audit event; `urgent` ones are written at the end of this turn, the others within WINDOW_MS. */
  event(e: NewAuditEvent, urgent: boolean): void {
    this.events.push(e);
    if (urgent) this.endOfTurn(Take.All);
    else this.inWindow();
  }

  /** Writes everything queued now; resolves when it (and any write before it) is done. */
  async flush(): Promise<void> {
    this.write(Take.All);
    await Promise.all([this.records.idle(), this.audit.idle()]);
  }

  private endOfTurn(take: Take): void {
    if (take > this.turnTakes) this.turnTakes = take;
    this.turn ??= setImmediate(() => {
      this.turn = undefined;
      const t = this.turnTakes;
      this.turnTakes = Take.Inserts;
      this.write(t);
    });
  }

  private inWindow(): void {
    if (this.updates.length + this.events.length + this.lateInserts.length >= MAX_WAITING) return this.endOfTurn(Take.All);
    if (this.window) return;
    // Not unref'd: a process with nothing else to do still writes what it has queued before it exits.
    this.window = setTimeout(() => {
      this.window = undefined;
      this.write(Take.All);
    }, this.opts.windowMs ?? WINDOW_MS);
  }

  /** Takes what is queued and writes it, in one transaction where the store can. */
  private write(take: Take): void {
    let inserts = this.inserts;
    this.inserts = [];
    let updates: Waiting[] = [];
    let events: NewAuditEvent[] = [];
    if (take >= Take.Records) {
      updates = this.updates;
      this.updates = [];
    }
    if (take === Take.All) {
      if (this.lateInserts.length > 0) {
        inserts = inserts.length === 0 ? this.lateInserts : inserts.concat(this.lateInserts);
        this.lateInserts = [];
        this.lateQueued.clear();
      }
      events = this.events;
      this.events = [];
      clearTimeout(this.window);
      this.window = undefined;
    }
    if (inserts.length + updates.length + events.length === 0) return;
    const store = this.store;
    if (store.writeBatch) {
      const writeBatch = store.writeBatch.bind(store);
      this.records.run(async () => {
        try {
          await writeBatch(inserts.map((w) => w.q), updates.map((w) => w.q), events);
          settle(inserts, updates);
        } catch {
          // one bad row must not fail the others: written apart
          await this.writeRecords(inserts, updates);
          await this.writeEvents(events);
        }
      });
      return;
    }
    // Apart, records and events do not wait for each other: an insert that gates a query's send or answer must not
    // queue behind an audit append (PostgreSQL serialises those across nodes with a lock).
    if (inserts.length + updates.length > 0) this.records.run(() => this.writeRecords(inserts, updates));
    if (events.length > 0) this.audit.run(() => this.writeEvents(events));
  }

  private async writeRecords(inserts: Waiting[], updates: Waiting[]): Promise<void> {
    const store = this.store;
    // Even a lone record goes as a batch: the PostgreSQL store lets a batch of final updates ride with
    // the next insert (store/pg-write-pipe.ts).
    if (store.writeQueries) {
      try {
        await store.writeQueries(inserts.map((w) => w.q), updates.map((w) => w.q));
        settle(inserts, updates);
        return;
      } catch {
        // as above: one by one
      }
    }
    for (const w of inserts) await store.insertQuery(w.q).then(w.resolve, w.reject);
    for (const w of updates) await store.updateQuery(w.q).then(w.resolve, w.reject);
  }

  /** Audit failures are logged, never passed on: the request that caused an event has had its answer. */
  private async writeEvents(events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.store.appendAuditBatch(events).catch((err: Error) => {
      this.log.error({ err: err.message, events: events.length }, 'could not write audit events');
    });
  }
}

/**
 * Writes of one kind. Serial: in order, one at a time (the SQLite store without its writer thread answers
 * synchronously, so its writes happen at once, in the turn that asked). Not serial: each starts at once,
 * for a store that orders them itself (Store.ordersWrites); idle() still waits for all of them.
 */
class Lane {
  private tail: Promise<void> = Promise.resolve();
  private busy = 0;

  constructor(private readonly serial: boolean) {}

  run(task: () => Promise<void>): void {
    const done = this.busy === 0 || !this.serial ? task() : this.tail.then(task);
    this.busy++;
    const settled = done.catch(() => undefined).finally(() => {
      this.busy--;
    });
    this.tail = this.serial ? settled : Promise.all([this.tail, settled]).then(() => undefined);
  }

  idle(): Promise<void> {
    return this.tail;
  }
}

function settle(...lists: Waiting[][]): void {
  for (const list of lists) for (const w of list) w.resolve();
}

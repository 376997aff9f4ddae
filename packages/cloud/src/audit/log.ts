// Writes audit events. Never parameter values or result data; command text only when the operator
// turns it on. Audit failures are logged but never fail the request that caused them.
import type { Logger } from 'pino';
import type { NewAuditEvent, Store } from '../store/types.js';

export interface AuditOptions {
  /** Keep the command text of queries in the audit log (off by default: only its SHA-256). */
  commandText: boolean;
}

/**
 * Query events (one per query, the bulk of the log) wait up to this long to share a transaction: each
 * commit rewrites the chain head and the event indexes' pages, so under load one commit per event-loop
 * turn was a large part of the Cloud's time per query. Any other event flushes at the end of its turn.
 */
export const QUERY_EVENT_WINDOW_MS = 10;
const MAX_BATCH = 512;

export class AuditLog {
  private pending: NewAuditEvent[] = [];
  private immediate?: NodeJS.Immediate;
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: Store, private readonly log: Logger, readonly opts: AuditOptions = { commandText: false }) {}

  /** Queues an event; queued events are chained and written in one transaction. */
  record(e: Omit<NewAuditEvent, 'at'> & { at?: string }): void {
    this.pending.push({ ...e, at: e.at ?? new Date().toISOString() });
    if (e.kind !== 'query' || this.pending.length >= MAX_BATCH) {
      this.immediate ??= setImmediate(() => this.flush());
      return;
    }
    if (!this.timer && !this.immediate) {
      this.timer = setTimeout(() => this.flush(), QUERY_EVENT_WINDOW_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.store.appendAuditBatch(batch).catch((err: Error) => {
      this.log.error({ err: err.message, events: batch.length }, 'could not write audit events');
    });
  }
}

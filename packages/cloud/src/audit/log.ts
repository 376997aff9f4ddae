// Writes audit events. Never parameter values or result data; command text only when the operator
// turns it on. Audit failures are logged but never fail the request that caused them.
import type { Logger } from 'pino';
import type { NewAuditEvent, Store } from '../store/types.js';

export interface AuditOptions {
  /** Keep the command text of queries in the audit log (off by default: only its SHA-256). */
  commandText: boolean;
}

export class AuditLog {
  private pending: NewAuditEvent[] = [];
  private scheduled = false;

  constructor(private readonly store: Store, private readonly log: Logger, readonly opts: AuditOptions = { commandText: false }) {}

  /** Queues an event; events of the same tick are chained and written in one transaction. */
  record(e: Omit<NewAuditEvent, 'at'> & { at?: string }): void {
    this.pending.push({ ...e, at: e.at ?? new Date().toISOString() });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.store.appendAuditBatch(batch).catch((err: Error) => {
      this.log.error({ err: err.message, events: batch.length }, 'could not write audit events');
    });
  }
}

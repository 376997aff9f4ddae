// Writes audit events. Never parameter values or result data; command text only when the operator
// turns it on. Audit failures are logged but never fail the request that caused them.
import type { Logger } from 'pino';
import type { NewAuditEvent, Store } from '../store/types.js';
import { WriteBehind } from '../store/write-behind.js';

export interface AuditOptions {
  /** Keep the command text of queries in the audit log (off by default: only its SHA-256). */
  commandText: boolean;
}

export class AuditLog {
  /**
   * Where events are queued: shared with the query service, so a query's audit event and its record's
   * final update are written in one transaction.
   */
  readonly writes: WriteBehind;

  constructor(store: Store, log: Logger, readonly opts: AuditOptions = { commandText: false }, writes?: WriteBehind) {
    this.writes = writes ?? new WriteBehind(store, log);
  }

  /**
   * Queues an event; queued events are chained and written in one transaction. Query events (one per
   * query, the bulk of the log) wait up to WINDOW_MS to share it; any other kind is written at the end
   * of its turn. A crash loses at most that window of query events.
   */
  record(e: Omit<NewAuditEvent, 'at'> & { at?: string }): void {
    this.writes.event({ ...e, at: e.at ?? new Date().toISOString() }, e.kind !== 'query');
  }

  /** Writes everything queued; resolves when it is stored. */
  flush(): Promise<void> {
    return this.writes.flush();
  }
}

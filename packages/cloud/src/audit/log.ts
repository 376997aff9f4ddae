// Writes audit events. Never parameter values or result data; command text only when the operator
// turns it on. Audit failures are logged but never fail the request that caused them.
import type { Logger } from 'pino';
import type { NewAuditEvent, Store } from '../store/types.js';

export interface AuditOptions {
  /** Keep the command text of queries in the audit log (off by default: only its SHA-256). */
  commandText: boolean;
}

export class AuditLog {
  constructor(private readonly store: Store, private readonly log: Logger, readonly opts: AuditOptions = { commandText: false }) {}

  record(e: Omit<NewAuditEvent, 'at'> & { at?: string }): void {
    this.store.appendAudit({ ...e, at: e.at ?? new Date().toISOString() }).catch((err: Error) => {
      this.log.error({ err: err.message, kind: e.kind }, 'could not write audit event');
    });
  }
}

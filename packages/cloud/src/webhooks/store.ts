// Data access for webhooks over the store's SQLite database (tables integrator_webhooks and webhook_outbox).
//
// An outbox row moves pending → sending → delivered | pending (retry) | failed. While a row is 'sending',
// next_attempt_at holds the end of the sender's lease: a row whose lease has run out (its sender crashed) is due
// again. For a 'failed' row, next_attempt_at holds when it failed.
import type Database from 'better-sqlite3';

export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export interface WebhookConfig {
  integratorId: string;
  urlTemplate: string;
  secretVersion: number;
  updatedAt: string;
}

export interface OutboxRow {
  id: string;
  integratorId: string;
  siteId: string;
  queryId: string;
  source: string;
  occurredAt: string;
  url: string;
  body: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastDelayMs: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface WebhookFailure {
  id: string;
  integratorId: string;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  failedAt: string;
}

export interface WebhookStats {
  delivered: number;
  /** Waiting for a first try or a retry, or being sent now. */
  pending: number;
  /** Of the pending, those that have failed at least one attempt. */
  retrying: number;
  failed: number;
  /** Attempts made over all deliveries. */
  attempts: number;
  lastSuccessAt: string | null;
  /** Newest first. */
  recentFailures: WebhookFailure[];
}

type Row = Record<string, unknown>;

type Awaitable<T> = T | Promise<T>;
export type NewOutboxRow = Pick<OutboxRow, 'id' | 'integratorId' | 'siteId' | 'queryId' | 'source' | 'occurredAt' | 'url' | 'body' | 'createdAt'>;

/**
 * What the delivery loop needs from an outbox. The SQLite store answers synchronously, the PostgreSQL one
 * (pg-store.ts) with promises: a caller that awaits every call works with either.
 */
export interface WebhookOutbox {
  config(integratorId: string): Awaitable<WebhookConfig | undefined>;
  upsertConfig(integratorId: string, urlTemplate: string, rotate: boolean, at: string): Awaitable<WebhookConfig>;
  insert(row: NewOutboxRow): Awaitable<void>;
  row(id: string): Awaitable<OutboxRow | undefined>;
  claimDue(now: string, leaseUntil: string, limit: number): Awaitable<OutboxRow[]>;
  nextDueAt(): Awaitable<string | undefined>;
  markDelivered(id: string, status: number, at: string): Awaitable<void>;
  markRetry(id: string, attempt: number, nextAt: string, delayMs: number, lastStatus: number | null, lastError: string | null): Awaitable<void>;
  markFailed(id: string, attempt: number, at: string, lastStatus: number | null, lastError: string | null): Awaitable<void>;
  release(id: string, attempt: number, at: string): Awaitable<void>;
  stats(integratorId?: string, failures?: number): Awaitable<WebhookStats>;
}

export function outboxFromRow(r: Row): OutboxRow {
  return {
    id: r.id as string, integratorId: r.integrator_id as string, siteId: r.site_id as string, queryId: r.query_id as string,
    source: r.source as string, occurredAt: r.occurred_at as string, url: r.url as string, body: r.body as string,
    status: r.status as OutboxStatus, attempts: r.attempts as number, nextAttemptAt: r.next_attempt_at as string,
    lastDelayMs: r.last_delay_ms as number, lastStatus: (r.last_status as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null, createdAt: r.created_at as string, deliveredAt: (r.delivered_at as string | null) ?? null,
  };
}

export class WebhookStore implements WebhookOutbox {
  constructor(readonly db: Database.Database) {}

  config(integratorId: string): WebhookConfig | undefined {
    const r = this.db.prepare('SELECT * FROM integrator_webhooks WHERE integrator_id = ?').get(integratorId) as Row | undefined;
    return r
      ? { integratorId: r.integrator_id as string, urlTemplate: r.url_template as string, secretVersion: r.secret_version as number, updatedAt: r.updated_at as string }
      : undefined;
  }

  /** Sets the URL template; bumps the secret version when asked to or when there was no webhook. Atomic. */
  upsertConfig(integratorId: string, urlTemplate: string, rotate: boolean, at: string): WebhookConfig {
    return this.db.transaction((): WebhookConfig => {
      const old = this.config(integratorId);
      const secretVersion = !old ? 1 : rotate ? old.secretVersion + 1 : old.secretVersion;
      this.db.prepare(`INSERT INTO integrator_webhooks (integrator_id, url_template, secret_version, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(integrator_id) DO UPDATE SET url_template = excluded.url_template, secret_version = excluded.secret_version,
        updated_at = excluded.updated_at`).run(integratorId, urlTemplate, secretVersion, at);
      return { integratorId, urlTemplate, secretVersion, updatedAt: at };
    }).immediate();
  }

  insert(row: NewOutboxRow): void {
    this.db.prepare(`INSERT INTO webhook_outbox (id, integrator_id, site_id, query_id, source, occurred_at, url, body, status, attempts,
      next_attempt_at, last_delay_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0, ?)`)
      .run(row.id, row.integratorId, row.siteId, row.queryId, row.source, row.occurredAt, row.url, row.body, row.createdAt, row.createdAt);
  }

  row(id: string): OutboxRow | undefined {
    const r = this.db.prepare('SELECT * FROM webhook_outbox WHERE id = ?').get(id) as Row | undefined;
    return r ? outboxFromRow(r) : undefined;
  }

  /**
   * Claims up to `limit` due rows (pending and due, or sending with a lapsed lease) for one attempt each: status
   * 'sending', attempts + 1, lease until `leaseUntil`. One write transaction, so two senders never claim the same row.
   */
  claimDue(now: string, leaseUntil: string, limit: number): OutboxRow[] {
    if (limit <= 0) return [];
    return this.db.transaction((): OutboxRow[] => {
      const due = (this.db.prepare(`SELECT * FROM webhook_outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?
        ORDER BY next_attempt_at LIMIT ?`).all(now, limit) as Row[]).map(outboxFromRow);
      const claim = this.db.prepare(`UPDATE webhook_outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ? WHERE id = ?`);
      for (const r of due) claim.run(leaseUntil, r.id);
      return due.map((r) => ({ ...r, status: 'sending' as const, attempts: r.attempts + 1, nextAttemptAt: leaseUntil }));
    }).immediate();
  }

  /** When the next row falls due (pending, or sending with a lease that will lapse), if any. */
  nextDueAt(): string | undefined {
    const r = this.db.prepare(`SELECT MIN(next_attempt_at) AS at FROM webhook_outbox WHERE status IN ('pending', 'sending')`).get() as { at: string | null };
    return r.at ?? undefined;
  }

  // The outcome updates apply only to the claim they belong to (same attempt, still 'sending'), so a sender whose
  // lease lapsed cannot overwrite a newer claim's outcome. A 2xx is recorded whatever happened meanwhile.
  markDelivered(id: string, status: number, at: string): void {
    this.db.prepare(`UPDATE webhook_outbox SET status = 'delivered', delivered_at = ?, last_status = ?, last_error = NULL
      WHERE id = ? AND status != 'delivered'`).run(at, status, id);
  }

  markRetry(id: string, attempt: number, nextAt: string, delayMs: number, lastStatus: number | null, lastError: string | null): void {
    this.db.prepare(`UPDATE webhook_outbox SET status = 'pending', next_attempt_at = ?, last_delay_ms = ?, last_status = ?, last_error = ?
      WHERE id = ? AND status = 'sending' AND attempts = ?`).run(nextAt, delayMs, lastStatus, lastError, id, attempt);
  }

  markFailed(id: string, attempt: number, at: string, lastStatus: number | null, lastError: string | null): void {
    this.db.prepare(`UPDATE webhook_outbox SET status = 'failed', next_attempt_at = ?, last_status = ?, last_error = ?
      WHERE id = ? AND status = 'sending' AND attempts = ?`).run(at, lastStatus, lastError, id, attempt);
  }

  /** Gives a claim back without counting its attempt (the sender is stopping); due again at once. */
  release(id: string, attempt: number, at: string): void {
    this.db.prepare(`UPDATE webhook_outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = ?
      WHERE id = ? AND status = 'sending' AND attempts = ?`).run(at, id, attempt);
  }

  stats(integratorId?: string, failures = 20): WebhookStats {
    const where = integratorId ? 'WHERE integrator_id = ?' : '';
    const args = integratorId ? [integratorId] : [];
    const c = this.db.prepare(`SELECT
        COALESCE(SUM(status = 'delivered'), 0) AS delivered,
        COALESCE(SUM(status IN ('pending', 'sending')), 0) AS pending,
        COALESCE(SUM(status IN ('pending', 'sending') AND last_error IS NOT NULL), 0) AS retrying,
        COALESCE(SUM(status = 'failed'), 0) AS failed,
        COALESCE(SUM(attempts), 0) AS attempts,
        MAX(delivered_at) AS last_success
      FROM webhook_outbox ${where}`).get(...args) as Row;
    const recent = this.db.prepare(`SELECT * FROM webhook_outbox ${where ? `${where} AND` : 'WHERE'} status = 'failed'
      ORDER BY next_attempt_at DESC LIMIT ?`).all(...args, failures) as Row[];
    return {
      delivered: c.delivered as number, pending: c.pending as number, retrying: c.retrying as number, failed: c.failed as number,
      attempts: c.attempts as number, lastSuccessAt: (c.last_success as string | null) ?? null,
      recentFailures: recent.map(outboxFromRow).map((r) => ({
        id: r.id, integratorId: r.integratorId, url: r.url, attempts: r.attempts, lastStatus: r.lastStatus, lastError: r.lastError, failedAt: r.nextAttemptAt,
      })),
    };
  }
}

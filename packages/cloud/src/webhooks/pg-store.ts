// The webhook outbox on PostgreSQL, shared by every Cloud node. Same rows and state machine as store.ts;
// due rows are claimed with FOR UPDATE SKIP LOCKED, so senders on several nodes each take different rows and
// never wait on each other, and a row is sent by one sender at a time (its lease) across the cluster.
import type { PgPool } from '../store/pg-pool.js';
import { PgStore } from '../store/postgres.js';
import type { SqliteStore } from '../store/sqlite.js';
import { outboxFromRow, WebhookStore, type NewOutboxRow, type OutboxRow, type WebhookConfig, type WebhookOutbox, type WebhookStats } from './store.js';

export class PgWebhookStore implements WebhookOutbox {
  constructor(readonly db: PgPool) {}

  async config(integratorId: string): Promise<WebhookConfig | undefined> {
    const [r] = await this.db.query('SELECT * FROM integrator_webhooks WHERE integrator_id = ?', [integratorId]);
    return r
      ? { integratorId: r.integrator_id as string, urlTemplate: r.url_template as string, secretVersion: r.secret_version as number, updatedAt: r.updated_at as string }
      : undefined;
  }

  /** Sets the URL template; bumps the secret version when asked to or when there was no webhook. One statement, so atomic. */
  async upsertConfig(integratorId: string, urlTemplate: string, rotate: boolean, at: string): Promise<WebhookConfig> {
    const [r] = await this.db.query(`INSERT INTO integrator_webhooks (integrator_id, url_template, secret_version, updated_at) VALUES (?, ?, 1, ?)
      ON CONFLICT (integrator_id) DO UPDATE SET url_template = excluded.url_template, updated_at = excluded.updated_at,
        secret_version = integrator_webhooks.secret_version + CASE WHEN ?::boolean THEN 1 ELSE 0 END
      RETURNING secret_version`, [integratorId, urlTemplate, at, rotate]);
    return { integratorId, urlTemplate, secretVersion: r!.secret_version as number, updatedAt: at };
  }

  /** Queues a delivery; an async query's second webhook (another node already queued it) is dropped. */
  async insert(row: NewOutboxRow): Promise<void> {
    await this.db.run(`INSERT INTO webhook_outbox (id, integrator_id, site_id, query_id, source, occurred_at, url, body, status, attempts,
      next_attempt_at, last_delay_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0, ?)
      ON CONFLICT DO NOTHING`,
    [row.id, row.integratorId, row.siteId, row.queryId, row.source, row.occurredAt, row.url, row.body, row.createdAt, row.createdAt]);
  }

  async row(id: string): Promise<OutboxRow | undefined> {
    const [r] = await this.db.query('SELECT * FROM webhook_outbox WHERE id = ?', [id]);
    return r ? outboxFromRow(r) : undefined;
  }

  /**
   * Claims up to `limit` due rows (pending and due, or sending with a lapsed lease) for one attempt each: status
   * 'sending', attempts + 1, lease until `leaseUntil`. Rows locked by another node's claim are skipped.
   */
  async claimDue(now: string, leaseUntil: string, limit: number): Promise<OutboxRow[]> {
    if (limit <= 0) return [];
    // A CTE with a locking clause runs once (it is always materialised), so LIMIT bounds the claim exactly.
    const rows = await this.db.query(`WITH due AS (
        SELECT id FROM webhook_outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?
        ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
      UPDATE webhook_outbox o SET status = 'sending', attempts = o.attempts + 1, next_attempt_at = ?
      FROM due WHERE o.id = due.id
      RETURNING o.*`, [now, limit, leaseUntil]);
    return rows.map(outboxFromRow).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async nextDueAt(): Promise<string | undefined> {
    const [r] = await this.db.query(`SELECT MIN(next_attempt_at) AS at FROM webhook_outbox WHERE status IN ('pending', 'sending')`);
    return (r?.at as string | null) ?? undefined;
  }

  // As in store.ts: an outcome applies only to its own claim (same attempt, still 'sending'); a 2xx always counts.
  async markDelivered(id: string, status: number, at: string): Promise<void> {
    await this.db.run(`UPDATE webhook_outbox SET status = 'delivered', delivered_at = ?, last_status = ?, last_error = NULL
      WHERE id = ? AND status <> 'delivered'`, [at, status, id]);
  }

  async markRetry(id: string, attempt: number, nextAt: string, delayMs: number, lastStatus: number | null, lastError: string | null): Promise<void> {
    await this.db.run(`UPDATE webhook_outbox SET status = 'pending', next_attempt_at = ?, last_delay_ms = ?, last_status = ?, last_error = ?
      WHERE id = ? AND status = 'sending' AND attempts = ?`, [nextAt, delayMs, lastStatus, lastError, id, attempt]);
  }

  async markFailed(id: string, attempt: number, at: string, lastStatus: number | null, lastError: string | null): Promise<void> {
    await this.db.run(`UPDATE webhook_outbox SET status = 'failed', next_attempt_at = ?, last_status = ?, last_error = ?
      WHERE id = ? AND status = 'sending' AND attempts = ?`, [at, lastStatus, lastError, id, attempt]);
  }

  async release(id: string, attempt: number, at: string): Promise<void> {
    await this.db.run(`UPDATE webhook_outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = ?
      WHERE id = ? AND status = 'sending' AND attempts = ?`, [at, id, attempt]);
  }

  async stats(integratorId?: string, failures = 20): Promise<WebhookStats> {
    const where = integratorId ? 'WHERE integrator_id = ?' : '';
    const args = integratorId ? [integratorId] : [];
    const [c] = await this.db.query(`SELECT
        COUNT(*) FILTER (WHERE status = 'delivered') AS delivered,
        COUNT(*) FILTER (WHERE status IN ('pending', 'sending')) AS pending,
        COUNT(*) FILTER (WHERE status IN ('pending', 'sending') AND last_error IS NOT NULL) AS retrying,
        COUNT(*) FILTER (WHERE status = 'failed') AS failed,
        COALESCE(SUM(attempts), 0) AS attempts,
        MAX(delivered_at) AS last_success
      FROM webhook_outbox ${where}`, args);
    const recent = await this.db.query(`SELECT * FROM webhook_outbox ${where ? `${where} AND` : 'WHERE'} status = 'failed'
      ORDER BY next_attempt_at DESC LIMIT ?`, [...args, failures]);
    return {
      delivered: c!.delivered as number, pending: c!.pending as number, retrying: c!.retrying as number, failed: c!.failed as number,
      attempts: c!.attempts as number, lastSuccessAt: (c!.last_success as string | null) ?? null,
      recentFailures: recent.map(outboxFromRow).map((r) => ({
        id: r.id, integratorId: r.integratorId, url: r.url, attempts: r.attempts, lastStatus: r.lastStatus, lastError: r.lastError, failedAt: r.nextAttemptAt,
      })),
    };
  }
}

/** The outbox of either store: the same tables, in the SQLite file or in PostgreSQL. */
export function outboxFor(store: SqliteStore | PgStore): WebhookOutbox {
  return store instanceof PgStore ? new PgWebhookStore(store.db) : new WebhookStore(store.db);
}

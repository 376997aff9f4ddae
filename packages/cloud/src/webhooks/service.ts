// The webhook sender: a durable outbox in the store and a delivery loop that sends due rows at least once.
//
// enqueue() writes the exact body bytes to the outbox, so every attempt (also after a crash) sends the same id and
// body; only X-Halo-Timestamp and the signature change per attempt. A row is claimed with a lease before it is
// sent, so two loops never send it at once; a row whose sender died is due again when its lease runs out.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SqliteStore } from '../store/sqlite.js';
import type { PgStore } from '../store/postgres.js';
import type { WebhookEmitter, WebhookEvent } from './types.js';
import type { OutboxRow, WebhookOutbox, WebhookStore } from './store.js';
import { outboxFor } from './pg-store.js';
import { expandUrlTemplate } from './url.js';
import { signWebhook } from './signing.js';
import { nextDelay } from './backoff.js';
import { deriveWebhookSecret, webhookMasterKey } from './secrets.js';

export interface WebhookServiceOptions {
  /** First retry delay and lower bound of every retry delay (default 5 s). */
  baseDelayMs: number;
  /** Upper bound of a retry delay (default 30 min). */
  capDelayMs: number;
  /** Attempts before a delivery is given up as failed (default 10). */
  maxAttempts: number;
  /** Per-attempt timeout (default 5 s). */
  timeoutMs: number;
  /** How long a claim holds a row; must exceed timeoutMs. A crashed sender's rows are retried after it (default 30 s). */
  leaseMs: number;
  /** Deliveries in flight at once (default 8). */
  concurrency: number;
  /** Longest sleep between looks at the outbox (default 1 s); due retries wake the loop sooner. */
  pollMs: number;
  log?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Source of randomness for the backoff jitter, in [0, 1). */
  random?: () => number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookServiceOptions = {
  baseDelayMs: 5_000, capDelayMs: 30 * 60_000, maxAttempts: 10, timeoutMs: 5_000, leaseMs: 30_000, concurrency: 8, pollMs: 1_000,
};

type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry' | 'failed'; status: number | null; error: string }
  | { kind: 'stopped' };

/**
 * `O` types the outbox for callers that know their store (the SQLite outbox answers synchronously); the loop
 * itself awaits every outbox call, so it runs on either store. In a cluster each due row is claimed by one node
 * (the PostgreSQL outbox claims with FOR UPDATE SKIP LOCKED), so a webhook is sent by one node at a time.
 */
export class WebhookService<O extends WebhookOutbox = WebhookStore> implements WebhookEmitter {
  readonly outbox: O;
  private readonly o: WebhookServiceOptions;
  private masterKey?: Buffer;
  private running = false;
  private pumping = false;
  private pumpAgain = false;
  private pollTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopController = new AbortController();

  constructor(private readonly store: SqliteStore | PgStore, opts: Partial<WebhookServiceOptions> = {}) {
    this.o = { ...DEFAULT_WEBHOOK_OPTIONS, ...opts };
    const { baseDelayMs, capDelayMs, maxAttempts, timeoutMs, leaseMs, concurrency, pollMs } = this.o;
    if (!(baseDelayMs > 0 && capDelayMs >= baseDelayMs)) throw new Error('webhooks: need 0 < baseDelayMs <= capDelayMs');
    if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new Error('webhooks: maxAttempts must be a positive integer');
    if (!(timeoutMs > 0 && leaseMs > timeoutMs)) throw new Error('webhooks: need 0 < timeoutMs < leaseMs');
    if (!(Number.isInteger(concurrency) && concurrency >= 1) || !(pollMs > 0)) throw new Error('webhooks: bad concurrency or pollMs');
    this.outbox = outboxFor(store) as O;
  }

  /** Durably records the event if the integrator has a webhook, and wakes the loop; does not wait for delivery. */
  async enqueue(event: WebhookEvent): Promise<void> {
    const cfg = await this.outbox.config(event.integratorId);
    if (!cfg) return;
    const id = randomUUID();
    // Key order is part of the contract's bytes: id, occurredAt, siteId, queryId, webhookSource.
    const body = JSON.stringify({ id, occurredAt: event.occurredAt, siteId: event.siteId, queryId: event.queryId, webhookSource: event.source });
    await this.outbox.insert({
      id, integratorId: event.integratorId, siteId: event.siteId, queryId: event.queryId, source: event.source,
      occurredAt: event.occurredAt, url: expandUrlTemplate(cfg.urlTemplate, event), body, createdAt: new Date().toISOString(),
    });
    this.kick();
  }

  /** Starts the loop. Rows a crashed process left 'sending' are sent again once their lease has run out. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopController = new AbortController();
    this.pollTimer = setInterval(() => this.kick(), this.o.pollMs).unref();
    this.kick();
  }

  /** Stops the loop; deliveries in flight are aborted and their rows given back (sent again on the next start). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    this.stopController.abort();
    while (this.inFlight.size > 0 || this.pumping) {
      await Promise.allSettled([...this.inFlight.values()]);
      if (this.pumping) await new Promise((r) => setImmediate(r));
    }
  }

  stats(integratorId?: string): ReturnType<O['stats']> {
    return this.outbox.stats(integratorId) as ReturnType<O['stats']>;
  }

  private kick(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.kick();
      }
    });
  }

  private async pump(): Promise<void> {
    try {
      this.masterKey ??= await webhookMasterKey(this.store);
      if (!this.running) return;
      const now = Date.now();
      const rows = await this.outbox.claimDue(new Date(now).toISOString(), new Date(now + this.o.leaseMs).toISOString(), this.o.concurrency - this.inFlight.size);
      for (const row of rows) {
        const p = this.deliver(row).catch((e: Error) => this.o.log?.warn({ id: row.id, err: e.message }, 'webhook delivery bookkeeping failed'))
          .finally(() => {
            this.inFlight.delete(row.id);
            this.kick();
          });
        this.inFlight.set(row.id, p);
      }
      await this.scheduleWake();
    } catch (e) {
      // The store may be busy or closing; the poll timer tries again.
      if (this.running) this.o.log?.warn({ err: (e as Error).message }, 'webhook outbox poll failed');
    }
  }

  /** Wakes the loop when the next row falls due, if that is sooner than the next poll. */
  private async scheduleWake(): Promise<void> {
    clearTimeout(this.wakeTimer);
    const due = await this.outbox.nextDueAt();
    if (!due || !this.running) return;
    const wait = Math.max(0, Date.parse(due) - Date.now());
    if (wait < this.o.pollMs) this.wakeTimer = setTimeout(() => this.kick(), wait + 1).unref();
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const cfg = await this.outbox.config(row.integratorId);
    const outcome: Outcome = cfg
      ? await this.send(row, deriveWebhookSecret(this.masterKey!, row.integratorId, cfg.secretVersion))
      : { kind: 'failed', status: null, error: 'the integrator no longer has a webhook' };
    const at = new Date().toISOString();
    const log = this.o.log;
    if (outcome.kind === 'delivered') {
      await this.outbox.markDelivered(row.id, outcome.status, at);
      log?.debug({ id: row.id, attempt: row.attempts, status: outcome.status }, 'webhook delivered');
    } else if (outcome.kind === 'stopped') {
      await this.outbox.release(row.id, row.attempts, at);
    } else if (outcome.kind === 'retry' && row.attempts < this.o.maxAttempts) {
      const delay = nextDelay(row.lastDelayMs, { baseMs: this.o.baseDelayMs, capMs: this.o.capDelayMs }, this.o.random);
      await this.outbox.markRetry(row.id, row.attempts, new Date(Date.now() + delay).toISOString(), delay, outcome.status, outcome.error);
      log?.info({ id: row.id, integratorId: row.integratorId, attempt: row.attempts, status: outcome.status, error: outcome.error, retryInMs: delay }, 'webhook attempt failed; will retry');
    } else {
      const error = outcome.kind === 'retry' ? `${outcome.error} (gave up after ${row.attempts} attempts)` : outcome.error;
      await this.outbox.markFailed(row.id, row.attempts, at, outcome.status, error);
      log?.warn({ id: row.id, integratorId: row.integratorId, attempts: row.attempts, status: outcome.status, error }, 'webhook delivery failed');
    }
  }

  private async send(row: OutboxRow, secret: string): Promise<Outcome> {
    const timestamp = new Date().toISOString();
    const stop = this.stopController.signal;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Halo-Id': row.id,
          'X-Halo-Timestamp': timestamp,
          'X-Halo-Signature-256': signWebhook(secret, row.body, timestamp),
        },
        body: row.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), stop]),
      });
      await res.body?.cancel().catch(() => undefined);
      const s = res.status;
      if (s >= 200 && s < 300) return { kind: 'delivered', status: s };
      const retryable = !(s >= 400 && s < 500) || s === 408 || s === 429;
      return { kind: retryable ? 'retry' : 'failed', status: s, error: `HTTP ${s}` };
    } catch (e) {
      if (stop.aborted) return { kind: 'stopped' };
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const error = err.name === 'TimeoutError' ? `no response within ${this.o.timeoutMs} ms`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
      return { kind: 'retry', status: null, error };
    }
  }
}

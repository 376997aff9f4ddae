// Registered queries: recurring queries the site's Link runs on schedule. The Cloud keeps their
// definitions (re-sent to the Link on every connection, so they survive restarts of either side), the
// latest result — uploaded only when its hash changed — and their metrics; a changed result is
// announced by webhook.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LIMITS, type Command, type RegisteredDefinition } from '@conduit/protocol';
import type { RegisteredRecord, SiteRecord, Store } from '../store/types.js';
import type { Gateway, RegisteredMessage } from '../gateway/gateway.js';
import type { LinkSession } from '../gateway/session.js';
import type { PageStore } from '../results/page-store.js';
import type { WebhookEmitter } from '../webhooks/types.js';
import type { AuditLog } from '../audit/log.js';
import { ApiError } from '../http/errors.js';
import { FRAME_OVERHEAD_BYTES, linkFrameBytes } from '../link-features.js';

export interface RegisteredOptions {
  /** Shortest allowed frequency in seconds (60 in production; lower only for tests and drills). */
  minFrequencyS: number;
}

export interface RegisteredBody {
  name: string;
  registeredQueryType: 'query';
  frequency: number;
  duration: number;
  registerCommand: { command: Command };
}

export class RegisteredQueries {
  private sweeper?: NodeJS.Timeout;
  private readonly applying = new Map<string, Promise<void>>();
  /** Set in cluster mode: asks the node holding the site's Link to sync it. */
  remoteSync?: (siteId: string) => Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly gateway: Gateway,
    private readonly files: PageStore,
    private readonly webhooks: WebhookEmitter,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly opts: RegisteredOptions = { minFrequencyS: LIMITS.registeredMinFrequencyS },
  ) {}

  async create(integratorId: string, site: SiteRecord, body: RegisteredBody, requestSize: number): Promise<RegisteredRecord> {
    if (body.frequency < this.opts.minFrequencyS) throw new ApiError(400, `Invalid request: frequency must be at least ${this.opts.minFrequencyS} seconds.`);
    if (body.duration < body.frequency) throw new ApiError(400, 'Invalid request: duration must be at least one frequency long.');
    const now = new Date();
    const r: RegisteredRecord = {
      id: randomUUID(), integratorId, siteId: site.id, name: body.name, command: body.registerCommand.command, frequency: body.frequency,
      duration: body.duration, status: 'enabled', requestSize, createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + body.duration * 1000).toISOString(), completedAt: null, lastHash: null, lastError: null,
      lastSucceededAt: null, lastFailedAt: null, lastExecutionDuration: null, succeededCount: 0, failedCount: 0, resultSizeSum: 0,
      resultRows: null, resultSize: null, resultParameters: null,
    };
    // The Link gets all of a site's registered queries in one frame, which must stay within what it takes.
    const all = definitions([...(await this.store.registeredForSite(site.id, 'enabled')), r], now.getTime());
    const bytes = Buffer.byteLength(JSON.stringify(all));
    const limit = linkFrameBytes(site.linkVersion) - FRAME_OVERHEAD_BYTES;
    if (bytes > limit) {
      throw new ApiError(413, `With this one, the practice's registered queries would take ${bytes} bytes; its Conduit Link (${site.linkVersion}) takes at most ${limit}. Cancel some, or register smaller commands.`);
    }
    await this.store.insertRegistered(r);
    this.audit.record({ kind: 'registered.created', actor: `integrator:${integratorId}`, siteId: site.id, integratorId, outcome: 'ok', details: { registeredId: r.id, frequency: r.frequency, duration: r.duration } });
    await this.syncSite(site.id);
    return r;
  }

  async owned(integratorId: string, siteId: string, id: string): Promise<RegisteredRecord> {
    const r = await this.store.registered(id.toLowerCase());
    if (!r || r.integratorId !== integratorId || r.siteId !== siteId) throw new ApiError(404, 'No registered query with this id exists for this site and integrator.');
    return r;
  }

  async list(integratorId: string, siteId: string): Promise<RegisteredRecord[]> {
    return (await this.store.registeredForSite(siteId, 'enabled')).filter((r) => r.integratorId === integratorId);
  }

  async cancel(integratorId: string, siteId: string, id: string): Promise<void> {
    const r = await this.owned(integratorId, siteId, id);
    if (r.status === 'enabled') {
      r.status = 'cancelled';
      r.completedAt = new Date().toISOString();
      await this.store.updateRegistered(r);
      this.audit.record({ kind: 'registered.cancelled', actor: `integrator:${integratorId}`, siteId, integratorId, outcome: 'ok', details: { registeredId: r.id } });
      await this.syncSite(siteId);
    }
  }

  async latestResult(r: RegisteredRecord): Promise<Buffer | undefined> {
    return r.lastHash ? this.files.readWhole(r.id) : undefined;
  }

  /** Sends the Link the full set of queries it must run. */
  async syncSite(siteId: string, session: LinkSession | undefined = this.gateway.session(siteId)): Promise<void> {
    if (!session) return this.remoteSync?.(siteId);
    const queries = definitions(await this.store.registeredForSite(siteId, 'enabled'), Date.now());
    if (!session.send({ type: 'registered.sync', queries })) {
      this.log.error({ siteId, queries: queries.length }, 'the registered queries are too large for the site\'s Link to take; not sent');
    }
  }

  welcomed(session: LinkSession): void {
    void this.syncSite(session.siteId, session).catch((e: Error) => this.log.warn({ err: e.message }, 'registered sync failed'));
  }

  /** A run reported by the Link. */
  onMessage(session: LinkSession, msg: RegisteredMessage): void {
    // One query's runs are recorded in order: two in flight at once would each read the record and the
    // later write would undo the earlier one's hash and counts.
    const prev = this.applying.get(msg.registeredId) ?? Promise.resolve();
    const next = prev.then(() => this.apply(session, msg)).catch((e: Error) => this.log.error({ err: e.message }, 'could not record a registered query run'));
    this.applying.set(msg.registeredId, next);
    void next.finally(() => {
      if (this.applying.get(msg.registeredId) === next) this.applying.delete(msg.registeredId);
    });
  }

  private async apply(session: LinkSession, msg: RegisteredMessage): Promise<void> {
    const r = await this.store.registered(msg.registeredId);
    if (!r || r.siteId !== session.siteId || r.status !== 'enabled') return;
    const at = new Date(msg.runAt).toISOString();
    if (msg.type === 'registered.failed') {
      r.failedCount++;
      r.lastFailedAt = at;
      r.lastError = msg.errorDetails;
      await this.store.updateRegistered(r);
      return;
    }
    r.succeededCount++;
    r.lastSucceededAt = at;
    r.lastExecutionDuration = msg.sqlExecutionDuration;
    r.lastError = null;
    if (msg.changed && msg.data !== undefined && msg.hash !== r.lastHash) {
      const data = Buffer.from(msg.data, 'base64');
      await this.files.writeWhole(r.id, data);
      r.lastHash = msg.hash;
      r.resultRows = msg.rows;
      r.resultSize = data.length;
      r.resultParameters = msg.parameters;
      r.resultSizeSum += data.length;
      await this.store.updateRegistered(r);
      await this.webhooks.enqueue({ integratorId: r.integratorId, siteId: r.siteId, queryId: r.id, source: 'registered', occurredAt: at });
      return;
    }
    await this.store.updateRegistered(r);
  }

  /** Ends queries whose duration has passed. */
  startSweeping(intervalMs = 5_000): void {
    this.sweeper = setInterval(() => void this.sweep().catch((e: Error) => this.log.warn({ err: e.message }, 'registered sweep failed')), intervalMs);
    this.sweeper.unref();
  }

  /**
   * Ends every expired query, as of its expiry, whether or not its site's Link is connected (they used
   * to wait for the Link to come back; Halo lists "registered queries fail to expire" among its known
   * issues). The store ends each once, also when several nodes sweep. The Links whose set changed are
   * re-synced: here, through the node holding them, or not at all when offline (a Link drops expired
   * queries itself).
   */
  async sweep(now = Date.now()): Promise<void> {
    const sessions = new Map(this.gateway.sessionList.map((s) => [s.siteId, s]));
    const ended = await this.store.completeExpiredRegistered(new Date(now).toISOString());
    for (const siteId of new Set(ended.map((r) => r.siteId))) await this.syncSite(siteId, sessions.get(siteId));
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

export function registeredJson(r: RegisteredRecord): Record<string, unknown> {
  return {
    id: r.id, name: r.name, registeredQueryType: 'query', status: r.status, frequency: r.frequency, duration: r.duration,
    ...(r.lastHash ? { lastHash: r.lastHash } : {}),
    ...(r.lastError ? { lastErrorDetails: r.lastError } : {}),
    metrics: {
      ...(r.lastSucceededAt ? { lastSucceededAt: r.lastSucceededAt } : {}),
      ...(r.lastFailedAt ? { lastFailedAt: r.lastFailedAt } : {}),
      ...(r.lastExecutionDuration !== null ? { lastExecutionDuration: r.lastExecutionDuration } : {}),
      executionSucceededCount: r.succeededCount, executionFailedCount: r.failedCount, resultSizeSum: r.resultSizeSum, requestSize: r.requestSize,
    },
    createdAt: r.createdAt,
    ...(r.completedAt ? { completedAt: r.completedAt } : {}),
  };
}

/** What the Link is sent of a site's registered queries: those not yet expired. */
function definitions(records: RegisteredRecord[], now: number): RegisteredDefinition[] {
  return records
    .filter((r) => Date.parse(r.expiresAt) > now)
    .map((r) => ({ id: r.id, integratorId: r.integratorId, command: r.command, frequency: r.frequency, expiresAt: Date.parse(r.expiresAt), lastHash: r.lastHash }));
}

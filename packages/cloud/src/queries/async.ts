// Async queries: accepted at once (201), run at the site when it has room, their result streamed page
// by page to disk (each page durable before the Link reads on), kept for the retention period, and
// announced by webhook. Every outcome ends the query; a failed one keeps no partial pages.
import type { Logger } from 'pino';
import { LIMITS, type Command, type ErrorDetails, type QueryPage } from '@conduit/protocol';
import type { PageRecord, QueryRecord, SiteRecord, Store } from '../store/types.js';
import type { Gateway } from '../gateway/gateway.js';
import type { DispatchOutcome, PageSink } from '../gateway/session.js';
import type { PageStore, PageSink as PageWriter } from '../results/page-store.js';
import type { WebhookEmitter } from '../webhooks/types.js';
import type { AuditLog } from '../audit/log.js';
import { BUS_DOWN, complete, newQueryRecord, queryJson, siteDown, transition } from './lifecycle.js';
import { envelope, MESSAGES } from '../http/errors.js';
import { ACCESS_MESSAGES } from '../practice/control.js';
import type { HttpAnswer } from './service.js';

export interface AsyncLimits {
  executionMs: number;
  pageBytes: number;
  retentionMs: number;
  /** Time allowed for uploading after execution, before the Cloud gives up waiting. */
  uploadAllowanceMs: number;
}

export const DEFAULT_ASYNC_LIMITS: AsyncLimits = {
  executionMs: LIMITS.asyncExecutionMs,
  pageBytes: LIMITS.asyncPageBytes,
  retentionMs: LIMITS.asyncRetentionMs,
  uploadAllowanceMs: 60 * 60_000,
};

export interface AsyncRequest {
  integratorId: string;
  site: SiteRecord;
  command: Command;
  catalogue?: string;
  maxTimeInQueue: number;
  requestSize: number;
}

/** An async query to run here: the request without the site record (a node taking it over has only the id). */
export type AsyncRun = Omit<AsyncRequest, 'site'> & { siteId: string };

/**
 * In a cluster: hands a query to the node holding the site's Link; its queued record, undefined when no
 * node holds it, or 'clusterDown' when the bus could not be asked.
 */
export interface AsyncHandover {
  submitAsync(q: QueryRecord, req: Omit<AsyncRequest, 'site'>): Promise<QueryRecord | undefined | 'clusterDown'>;
}

/** The store lease under which one node at a time deletes expired results. */
export const RESULTS_SWEEP = 'results.sweep';

const details = (errorType: ErrorDetails['errorType'], errorCode: number, errorMessage: string): ErrorDetails => ({ errorType, errorCode, errorMessage });

export class AsyncQueries {
  private sweeper?: NodeJS.Timeout;
  private sweepHolder?: string;
  /** Set in cluster mode. */
  remote?: AsyncHandover;

  constructor(
    private readonly store: Store,
    private readonly gateway: Pick<Gateway, 'session' | 'dispatch'>,
    private readonly files: PageStore,
    private readonly webhooks: WebhookEmitter,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    readonly limits: AsyncLimits = DEFAULT_ASYNC_LIMITS,
    /** In a cluster, this node: the records created here name it, so a survivor can end them if it dies. */
    private readonly node?: string,
  ) {}

  async submit(req: AsyncRequest): Promise<{ answer: HttpAnswer; record: QueryRecord; done: Promise<void> }> {
    const now = Date.now();
    const q = newQueryRecord({ integratorId: req.integratorId, siteId: req.site.id, mode: 'async', command: req.command, maxTimeInQueue: req.maxTimeInQueue, requestSize: req.requestSize, node: this.node }, now);
    await this.store.insertQuery(q);
    // Halo answers 201 with the query as it was created (`initialising`); polling shows it move on. A copy:
    // the record itself changes as it runs.
    const created = structuredClone(queryJson(q));
    if (!this.gateway.session(req.site.id)) {
      // In a cluster the node holding the site's Link takes the query over (and stores its pages).
      const handed = await this.remote?.submitAsync(q, { integratorId: req.integratorId, command: req.command, catalogue: req.catalogue, maxTimeInQueue: req.maxTimeInQueue, requestSize: req.requestSize });
      if (handed && handed !== 'clusterDown') return { answer: { status: 201, body: created }, record: handed, done: Promise.resolve() };
      const { status, message } = handed === 'clusterDown' ? BUS_DOWN : siteDown(req.site);
      complete(q, status, Date.now(), details('haloLink', 503, message));
      await this.store.updateQuery(q);
      this.record(q);
      return { answer: { status: 503, body: envelope(503, message) }, record: q, done: Promise.resolve() };
    }
    const ran = await this.run(q, { ...req, siteId: req.site.id }, now);
    return { ...ran, answer: { status: 201, body: created } };
  }

  /** Queues a recorded async query at the site's Link connected here and ends it when the Link is done. */
  async run(q: QueryRecord, req: AsyncRun, now = Date.parse(q.createdAt)): Promise<{ answer: HttpAnswer; record: QueryRecord; done: Promise<void> }> {
    transition(q, 'queued', Date.now());
    await this.store.updateQuery(q);
    const writers = new Map<number, PageWriter>();
    // Pages being stored; a failure waits for them, so no page row can land after the clean-up.
    const storing = new Set<Promise<void>>();
    const state = { ended: false, storing };
    const sink: PageSink = {
      chunk: (page, payload) => {
        let w = writers.get(page);
        if (!w) writers.set(page, (w = this.files.open(q.id, page)));
        w.write(payload);
      },
      page: (meta: QueryPage) => {
        const op = (async () => {
          const w = writers.get(meta.page);
          if (!w || w.size !== meta.size) throw new Error(`page ${meta.page} arrived incomplete (${w?.size ?? 0} of ${meta.size} bytes)`);
          writers.delete(meta.page);
          await w.finish();
          if (state.ended) throw new Error('the query already ended');
          await this.store.addPage({ queryId: q.id, pageNumber: meta.page, size: meta.size, rows: meta.rows, rangeStart: meta.rangeStart, rangeEnd: meta.rangeEnd });
        })();
        storing.add(op);
        void op.finally(() => storing.delete(op)).catch(() => undefined);
        return op;
      },
    };
    // Progress writes are awaited with the pages before the final write, so a slower progress UPDATE
    // (another pool connection on PostgreSQL) can never land after the final status.
    const progress = (op: Promise<void>): void => {
      storing.add(op);
      void op.finally(() => storing.delete(op));
    };
    const { outcome } = this.gateway.dispatch({
      siteId: req.siteId,
      deadline: now + req.maxTimeInQueue + this.limits.executionMs + this.limits.uploadAllowanceMs,
      paged: sink,
      onStarted: (t) => {
        transition(q, 'executing', t);
        progress(this.saveProgress(q));
      },
      onUploading: (t) => {
        transition(q, 'uploading', t);
        progress(this.saveProgress(q));
      },
      exec: {
        queryId: q.id, mode: 'async', integratorId: req.integratorId, command: req.command, catalogue: req.catalogue,
        startBy: now + req.maxTimeInQueue, executionMs: this.limits.executionMs, maxResultBytes: Number.MAX_SAFE_INTEGER,
        pageBytes: this.limits.pageBytes,
      },
    });
    const done = outcome.then((o) => this.finish(q, o, writers, state)).catch((e: Error) => this.log.error({ err: e.message, queryId: q.id }, 'async query bookkeeping failed'));
    return { answer: { status: 201, body: null }, record: q, done };
  }

  private async finish(q: QueryRecord, o: DispatchOutcome, writers: Map<number, PageWriter>, state: { ended: boolean; storing: Set<Promise<void>> }): Promise<void> {
    const now = Date.now();
    const fail = async (status: QueryRecord['status'], d: ErrorDetails): Promise<void> => {
      state.ended = true;
      await Promise.allSettled([...state.storing]);
      for (const w of writers.values()) w.abort();
      complete(q, status, now, d);
      await this.store.updateQuery(q);
      await this.store.deletePages(q.id);
      await this.files.remove(q.id);
    };
    const stage = q.status === 'uploading' ? 'uploadFailed' : 'executionFailed';
    switch (o.kind) {
      case 'completed': {
        await Promise.allSettled([...state.storing]);
        const pages = await this.store.pages(q.id);
        const stored = pages.reduce((n, p) => n + p.size, 0);
        const expectPages = o.msg.pages ?? 0;
        if (pages.length !== expectPages || stored !== o.msg.size) {
          await fail('uploadFailed', details('haloLink', 502, `The result arrived incomplete (${pages.length} of ${expectPages} pages, ${stored} of ${o.msg.size} bytes).`));
          break;
        }
        if (q.status === 'queued' && o.startedAt) transition(q, 'executing', o.startedAt);
        if (q.status === 'executing') transition(q, 'uploading', o.uploadingAt ?? o.completedAt);
        q.sqlExecutionDuration = o.msg.sqlExecutionDuration;
        q.resultSize = o.msg.size;
        q.rows = o.msg.rows ?? null;
        q.rowsAffected = o.msg.rowsAffected ?? null;
        q.parameters = o.msg.parameters;
        q.resultsExpireAt = new Date(o.completedAt + this.limits.retentionMs).toISOString();
        complete(q, 'successful', o.completedAt);
        await this.store.updateQuery(q);
        await this.webhooks.enqueue({ integratorId: q.integratorId, siteId: q.siteId, queryId: q.id, source: 'async', occurredAt: q.completedAt! });
        break;
      }
      case 'failed':
        await fail(o.msg.status === 'expiredInQueue' ? 'expiredInQueue' : stage, o.msg.errorDetails);
        break;
      case 'offline':
        await fail('initialisationFailedSiteOffline', details('haloLink', 503, MESSAGES.siteOffline));
        break;
      case 'clusterDown':
        await fail(BUS_DOWN.status, details('haloLink', 503, BUS_DOWN.message));
        break;
      case 'disconnected':
        await fail(stage, details('haloLink', 503, 'The site disconnected while the query was in flight; no partial result is kept. Submit the query again.'));
        break;
      case 'timeout':
        await fail(stage, details('haloLink', 504, 'The site did not finish the query before the deadline; it was cancelled.'));
        break;
      case 'cancelled':
        await fail(stage, o.revoked ? details('haloLink', 403, ACCESS_MESSAGES.disabled) : details('haloLink', 499, `The query was cancelled: ${o.reason}.`));
        break;
      case 'storeFailed':
        this.log.error({ queryId: q.id, err: o.message }, 'could not store result page');
        await fail('uploadFailed', details('haloLink', 500, 'The Cloud could not store the result; submit the query again.'));
        break;
      case 'tooLarge':
        await fail(stage, details('http', 413, 'The result is too large.'));
        break;
    }
    this.record(q);
  }

  /** A progress step is best effort: a failed write (store unreachable) is logged, the final write decides. */
  private saveProgress(q: QueryRecord): Promise<void> {
    return this.store.updateQuery(q).catch((e: Error) => this.log.warn({ queryId: q.id, err: e.message }, 'could not record query progress'));
  }

  private record(q: QueryRecord): void {
    this.audit.record({
      kind: 'query', actor: `integrator:${q.integratorId}`, siteId: q.siteId, integratorId: q.integratorId,
      outcome: q.status === 'successful' ? 'ok' : 'failed',
      details: {
        queryId: q.id, mode: q.mode, executionMode: q.executionMode, status: q.status, commandHash: q.commandHash,
        commandSize: q.commandSize, requestSize: q.requestSize, resultSize: q.resultSize, rows: q.rows, rowsAffected: q.rowsAffected,
        sqlExecutionDuration: q.sqlExecutionDuration, durationMs: q.completedAt ? Date.parse(q.completedAt) - Date.parse(q.createdAt) : null,
        ...(q.errorDetails ? { errorType: q.errorDetails.errorType, errorCode: q.errorDetails.errorCode } : {}),
      },
    });
  }

  pages(queryId: string): Promise<PageRecord[]> {
    return this.store.pages(queryId);
  }

  /**
   * Deletes result pages past their retention, every minute. Every node runs the timer, but each tick
   * sweeps only under the store's lease `results.sweep`: one node at a time does it. The lease lasts two
   * intervals, so its holder renews it every tick and keeps it; when the holder stops (or dies) another
   * node takes over within two intervals. `holder` names this node (stable across its restarts).
   */
  startSweeping(intervalMs = 60_000, holder = this.node ?? 'single-node'): void {
    this.sweepHolder = holder;
    this.sweeper = setInterval(() => void this.sweepUnderLease(holder, 2 * intervalMs).catch((e: Error) => this.log.warn({ err: e.message }, 'result sweep failed')), intervalMs);
    this.sweeper.unref();
  }

  /** One sweep if `holder` holds or takes the lease: how many results it deleted, or undefined when another node holds it. */
  async sweepUnderLease(holder: string, leaseMs: number, now = Date.now()): Promise<number | undefined> {
    if (!(await this.store.claimLease(RESULTS_SWEEP, holder, now, leaseMs))) return undefined;
    return this.sweep(now);
  }

  async sweep(now = Date.now()): Promise<number> {
    const ids = await this.store.expiredResults(new Date(now).toISOString());
    for (const id of ids) {
      await this.files.remove(id);
      await this.store.deletePages(id);
    }
    return ids.length;
  }

  /** Queues the webhooks a stop between "successful" and "webhook queued" would have lost. */
  async repairWebhooks(now = Date.now()): Promise<number> {
    const missed = await this.store.asyncWithoutWebhook(new Date(now - this.limits.retentionMs).toISOString());
    for (const q of missed) await this.webhooks.enqueue({ integratorId: q.integratorId, siteId: q.siteId, queryId: q.id, source: 'async', occurredAt: q.completedAt! });
    if (missed.length) this.log.warn({ webhooks: missed.length }, 'queued webhooks missed by the last stop');
    return missed.length;
  }

  /** Stops sweeping and gives the lease up, so another node (or this one restarted) need not wait for it to lapse. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    if (this.sweepHolder) await this.store.releaseLease(RESULTS_SWEEP, this.sweepHolder).catch(() => undefined);
    this.sweepHolder = undefined;
  }
}

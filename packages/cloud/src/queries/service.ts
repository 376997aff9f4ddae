// Runs queries for integrators: creates the record, routes it to the site's Link, and turns what
// happened into the record's final state and the HTTP answer. No query is ever left in flight: every
// outcome (result, failure, disconnect, deadline, cancellation) ends it.
import type { Logger } from 'pino';
import { LIMITS, type Command, type ErrorDetails } from '@conduit/protocol';
import type { QueryRecord, SiteRecord, Store } from '../store/types.js';
import type { Dispatcher } from '../gateway/gateway.js';
import type { DispatchOutcome } from '../gateway/session.js';
import { BUS_DOWN, complete, newQueryRecord, queryJson, queryJsonBytes, siteDown, transition } from './lifecycle.js';
import { envelope, MESSAGES } from '../http/errors.js';
import type { AuditLog } from '../audit/log.js';
import type { WriteBehind } from '../store/write-behind.js';
import { ACCESS_MESSAGES } from '../practice/control.js';

export interface ImmediateRequest {
  integratorId: string;
  site: SiteRecord;
  command: Command;
  catalogue?: string;
  maxTimeInQueue: number;
  requestSize: number;
  /**
   * Calls `then` if the integrator goes away before its answer; returns a function that stops watching.
   * (A close listener, not an AbortSignal: an AbortController and its EventTarget cost more than the rest
   * of the request's bookkeeping.)
   */
  whenGone?: (then: () => void) => () => void;
}

export interface HttpAnswer {
  status: number;
  /** An object to serialise, or a Buffer of JSON already serialised. */
  body: unknown;
  /**
   * To call once the answer has been handed to the socket: queues the query's final record and audit
   * event, which are bookkeeping after the answer and need not delay it.
   */
  after?: () => void;
  /** The query the answer is about, for answers whose body does not carry it (the 503 and 504 envelopes). */
  queryId?: string;
}

export interface QueryLimits {
  immediateExecutionMs: number;
}
export const DEFAULT_QUERY_LIMITS: QueryLimits = { immediateExecutionMs: LIMITS.immediateExecutionMs };

const details = (errorType: ErrorDetails['errorType'], errorCode: number, errorMessage: string): ErrorDetails => ({ errorType, errorCode, errorMessage });

export class QueryService {
  /** Queries in flight on this node, so status reads see live progress without extra writes. */
  private readonly live = new Map<string, QueryRecord>();
  private readonly writes: WriteBehind;

  constructor(
    private readonly store: Store,
    private readonly gateway: Dispatcher,
    private readonly log: Logger,
    private readonly audit: AuditLog,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS,
    /** In a cluster, this node: the records created here name it, so a survivor can end them if it dies. */
    private readonly node?: string,
  ) {
    this.writes = audit.writes;
  }

  async get(id: string): Promise<QueryRecord | undefined> {
    return this.live.get(id) ?? (await this.store.query(id));
  }

  async runImmediate(req: ImmediateRequest): Promise<HttpAnswer> {
    const now = Date.now();
    const q = newQueryRecord({ integratorId: req.integratorId, siteId: req.site.id, mode: 'immediate', command: req.command, maxTimeInQueue: req.maxTimeInQueue, requestSize: req.requestSize, node: this.node }, now);
    const asked = this.gateway.reachable(req.site.id);
    const reach = typeof asked === 'object' ? await asked : asked;
    if (reach !== true) {
      await this.writes.insert(q);
      const { status, message } = reach === 'clusterDown' ? BUS_DOWN : siteDown(req.site);
      complete(q, status, Date.now(), details('haloLink', 503, message));
      this.ended(q, 503, req.command.text);
      return { status: 503, body: envelope(503, message), queryId: q.id };
    }
    // The query leaves before its record is committed, and the commit overlaps the round trip to the
    // site; the answer waits for it (docs/decisions.md, "sent, then stored"). After a failed insert the
    // next queries are stored first again, so a store that cannot record stops the queries it would miss.
    const storeFirst = this.writes.insertsFailing;
    if (storeFirst) await this.writes.insert(q);
    this.live.set(q.id, q);
    let answered = false;
    let stopWatching: (() => void) | undefined;
    try {
      transition(q, 'queued', Date.now());
      // Queued before the insert, so the send comes first in the check phase.
      const sent = this.atEndOfTurn(() => this.gateway.dispatch({
        siteId: req.site.id,
        deadline: now + req.maxTimeInQueue + this.limits.immediateExecutionMs + 5_000,
        onStarted: (t) => transition(q, 'executing', t),
        exec: {
          queryId: q.id, mode: 'immediate', integratorId: req.integratorId, command: req.command, catalogue: req.catalogue,
          startBy: now + req.maxTimeInQueue, executionMs: this.limits.immediateExecutionMs, maxResultBytes: LIMITS.immediateMaxResultBytes,
        },
      }));
      // On a single node the record is written with the query's end, in the write window (one insert of
      // its final state, off the main thread), and the answer does not wait for it (docs/decisions.md,
      // "answered, then stored"); in a cluster another node may look for it while it runs.
      const stored = storeFirst ? undefined
        : this.writes.lateInsertsAllowed ? this.storeLate(q)
        : this.writes.insert(q).then(() => undefined, (e: Error) => e);
      const { outcome, cancel } = await sent;
      stopWatching = req.whenGone?.(() => cancel('the integrator closed the connection'));
      const o = await outcome;
      const notStored = await stored;
      // The query ran (or was refused) at the site, so its answer still goes out: withholding it could
      // make an integrator repeat a write that has already happened.
      if (notStored) this.log.error({ err: notStored.message, queryId: q.id }, 'a query ran but its record could not be stored');
      const answer = this.finish(q, o);
      answered = true;
      return { ...answer, queryId: q.id, after: () => this.ended(q, answer.status, req.command.text) };
    } finally {
      stopWatching?.();
      if (!answered) this.live.delete(q.id);
    }
  }

  /** Queues the record for the write window; a failure is logged there (the answer has gone or is going). */
  private storeLate(q: QueryRecord): undefined {
    this.writes.insertLate(q).catch((e: Error) => this.log.error({ err: e.message, queryId: q.id }, 'a query ran but its record could not be stored'));
    return undefined;
  }

  private outbox: (() => void)[] = [];
  /**
   * Runs `send` in the check phase of this event-loop turn, before the turn's store flush (registered
   * after it): the queries of one turn still leave in one write to each Link, and ahead of their commit.
   */
  private atEndOfTurn<T>(send: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.outbox.push(() => {
        try {
          resolve(send());
        } catch (e) {
          reject(e as Error);
        }
      }) > 1) return;
      setImmediate(() => {
        const due = this.outbox;
        this.outbox = [];
        for (const f of due) f();
      });
    });
  }

  /**
   * The query has its answer: the final record and the audit event are written after it, together, within
   * the write window (status reads are served from memory until the record is stored).
   */
  private ended(q: QueryRecord, httpStatus: number, text: string): void {
    this.live.set(q.id, q);
    this.writes.update(q).then(
      () => this.live.delete(q.id),
      (e: Error) => {
        this.live.delete(q.id);
        this.log.error({ err: e.message, queryId: q.id }, 'could not record the end of a query');
      },
    );
    this.recordQuery(q, httpStatus, text);
  }

  /**
   * One audit event per query: who, where, what (as a hash), sizes, rows, timings, outcome. The details'
   * keys are written in sorted order, the audit chain's canonical form, so hashing them is one JSON.stringify.
   */
  private recordQuery(q: QueryRecord, httpStatus: number, text: string): void {
    this.audit.record({
      kind: 'query', actor: `integrator:${q.integratorId}`, siteId: q.siteId, integratorId: q.integratorId,
      outcome: q.status === 'successful' ? 'ok' : 'failed',
      details: {
        commandHash: q.commandHash, commandSize: q.commandSize, commandText: this.audit.opts.commandText ? text : undefined,
        durationMs: q.completedAt ? Date.parse(q.completedAt) - Date.parse(q.createdAt) : null,
        errorCode: q.errorDetails?.errorCode, errorType: q.errorDetails?.errorType, executionMode: q.executionMode, httpStatus, mode: q.mode,
        queryId: q.id, requestSize: q.requestSize, resultSize: q.resultSize, rows: q.rows, rowsAffected: q.rowsAffected,
        sqlExecutionDuration: q.sqlExecutionDuration, status: q.status,
      },
    });
  }

  /** Applies a dispatch outcome to the record and chooses the HTTP answer. */
  private finish(q: QueryRecord, o: DispatchOutcome): HttpAnswer {
    const now = Date.now();
    switch (o.kind) {
      case 'completed': {
        if (o.startedAt && q.status !== 'executing') transition(q, 'executing', o.startedAt);
        transition(q, 'uploading', o.uploadingAt ?? o.completedAt);
        if (o.data.length !== o.msg.size) {
          complete(q, 'uploadFailed', now, details('haloLink', 502, `The result arrived incomplete (${o.data.length} of ${o.msg.size} bytes).`));
          return { status: 502, body: envelope(502, q.errorDetails!.errorMessage) };
        }
        q.sqlExecutionDuration = o.msg.sqlExecutionDuration;
        q.resultSize = o.msg.size;
        q.rows = o.msg.rows ?? null;
        q.rowsAffected = o.msg.rowsAffected ?? null;
        complete(q, 'successful', o.completedAt);
        const data = q.executionMode === 'nonQuery' ? undefined : o.data;
        return { status: 200, body: queryJsonBytes(q, { data, parameters: o.msg.parameters }) };
      }
      case 'failed': {
        if (o.startedAt && q.status !== 'executing') transition(q, 'executing', o.startedAt);
        const d = o.msg.errorDetails;
        if (o.msg.status === 'expiredInQueue') {
          complete(q, 'expiredInQueue', o.completedAt, d);
          return { status: 504, body: envelope(504, `Query waited more than its maxTimeInQueue (${q.maxTimeInQueue} ms) at the site and was not run.`) };
        }
        complete(q, 'executionFailed', o.completedAt, d);
        if (d.errorType === 'mssql' && d.errorCode === -2) {
          return { status: 504, body: envelope(504, `Query took more than ${this.limits.immediateExecutionMs / 1000} seconds to execute and was stopped at the site.`) };
        }
        if (d.errorType === 'http' && d.errorCode === 413) return { status: 413, body: queryJson(q) };
        // Refused by the practice's permissions at the Link (disabled, allow-list, read-only).
        if ((d.errorType === 'haloLink' && d.errorCode === 403) || (d.errorType === 'mssql' && d.errorCode === 3906)) return { status: 403, body: queryJson(q) };
        if (d.errorType === 'haloLink') return { status: d.errorCode === 499 ? 503 : 500, body: queryJson(q) };
        return { status: 400, body: queryJson(q) };
      }
      case 'tooLarge':
        complete(q, 'executionFailed', now, details('http', 413, `Query results are larger than the ${LIMITS.immediateMaxResultBytes / 1048576} MB limit of immediate queries. Narrow the query or use an async query.`));
        return { status: 413, body: queryJson(q) };
      case 'offline':
        complete(q, 'initialisationFailedSiteOffline', now, details('haloLink', 503, MESSAGES.siteOffline));
        return { status: 503, body: envelope(503, MESSAGES.siteOffline) };
      case 'clusterDown':
        complete(q, BUS_DOWN.status, now, details('haloLink', 503, BUS_DOWN.message));
        return { status: 503, body: envelope(503, BUS_DOWN.message) };
      case 'disconnected': {
        const msg = 'The site disconnected while the query was in flight. It may or may not have run; check before retrying a write.';
        complete(q, 'executionFailed', now, details('haloLink', 503, msg));
        return { status: 503, body: envelope(503, msg) };
      }
      case 'timeout': {
        const msg = `The site did not answer before the deadline (maxTimeInQueue plus the ${this.limits.immediateExecutionMs / 1000} s execution limit); the query was cancelled.`;
        complete(q, 'executionFailed', now, details('haloLink', 504, msg));
        return { status: 504, body: envelope(504, msg) };
      }
      case 'storeFailed':
        complete(q, 'executionFailed', now, details('haloLink', 500, 'The Cloud could not handle the result.'));
        return { status: 500, body: queryJson(q) };
      case 'cancelled': {
        if (o.revoked) {
          complete(q, 'executionFailed', now, details('haloLink', 403, ACCESS_MESSAGES.disabled));
          return { status: 403, body: envelope(403, ACCESS_MESSAGES.disabled) };
        }
        const msg = `The query was cancelled: ${o.reason}.`;
        complete(q, 'executionFailed', now, details('haloLink', 499, msg));
        this.log.info({ queryId: q.id }, 'immediate query cancelled');
        return { status: 499, body: envelope(499, msg) };
      }
    }
  }
}

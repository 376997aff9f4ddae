// One state machine for every query: Halo statuses, statusTiming recorded at each step, and the
// JSON an integrator sees. Terminal states carry completedAt; failures carry errorDetails.
// crypto.hash (one call, no Hash object) costs a third of createHash().update().digest() for a short text.
import { hash } from 'node:crypto';
import { LIMITS, type Command, type ErrorDetails, type QueryMode, type ResultParameter } from '@conduit/protocol';
import { MESSAGES } from '../http/errors.js';
import { BASE64_SLICE, spliceBase64 } from '../http/base64-json.js';
import { timeOrderedId } from './ids.js';
import type { PageRecord, QueryRecord, QueryStatus, SiteRecord, StatusTiming } from '../store/types.js';
import { availabilityOf } from '../sites.js';
import { currentPhase } from '../store/rows.js';

type TimedPhase = keyof StatusTiming;
const TIMED: ReadonlySet<QueryStatus> = new Set<QueryStatus>(['initialising', 'queued', 'executing', 'uploading']);

// A query's steps mostly fall in the same millisecond; formatting a Date is not free, so the last
// one is remembered.
let lastMs = Number.NaN;
let lastIso = '';
const iso = (ms: number): string => {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};

export interface NewQuery {
  integratorId: string;
  siteId: string;
  mode: QueryMode;
  command: Command;
  maxTimeInQueue: number;
  requestSize: number;
  /** The cluster node that creates it (and runs it, or waits for its outcome); none on a single node. */
  node?: string;
}

/** A new query record, `initialising` from `now`, with a time-ordered id. Only a hash of the command text is kept. */
export function newQueryRecord(n: NewQuery, now: number): QueryRecord {
  const at = iso(now);
  return {
    id: timeOrderedId(now), integratorId: n.integratorId, siteId: n.siteId, mode: n.mode, status: 'initialising',
    maxTimeInQueue: n.maxTimeInQueue, commandSize: Buffer.byteLength(n.command.text), requestSize: n.requestSize,
    commandHash: hash('sha256', n.command.text, 'hex'), executionMode: n.command.executionMode,
    createdAt: at, updatedAt: at, completedAt: null, statusTiming: { initialising: { startTime: at } },
    sqlExecutionDuration: null, resultSize: null, rows: null, rowsAffected: null, errorDetails: null, parameters: null, resultsExpireAt: null,
    node: n.node ?? null,
  };
}

/** Why a query could not even be sent: the site's Link is not connected. */
/**
 * Why a query cannot reach a site whose Link holds no connection. Unreachable is said as it is: a Link
 * silent for two minutes, or one whose connection dropped moments ago (heard within the window).
 */
export function siteDown(site: SiteRecord, now = Date.now()): { status: QueryStatus; message: string } {
  if (availabilityOf(site, null) === 'offline') return { status: 'initialisationFailedSiteOffline', message: MESSAGES.siteOffline };
  const heard = site.lastHeardAt === null ? Number.NaN : Date.parse(site.lastHeardAt);
  return { status: 'initialisationFailedSiteUnreachable', message: now - heard <= LIMITS.unreachableAfterMs ? MESSAGES.siteDropped : MESSAGES.siteUnreachable };
}

/** Why a query cannot reach a site whose Link another cluster node holds, when the bus to that node fails. */
export const BUS_DOWN: { status: QueryStatus; message: string } = { status: 'initialisationFailedSiteUnreachable', message: MESSAGES.clusterDown };

/** Moves a query to `status` at time `at` (epoch ms), closing the phase it was in. */
export function transition(q: QueryRecord, status: QueryStatus, at: number): void {
  const when = iso(at);
  const open = currentPhase(q.statusTiming);
  if (open && !open.endTime) open.endTime = when;
  if (TIMED.has(status)) q.statusTiming[status as TimedPhase] = { startTime: when };
  q.status = status;
  q.updatedAt = when;
}

export function complete(q: QueryRecord, status: QueryStatus, at: number, errorDetails?: ErrorDetails): void {
  transition(q, status, at);
  q.completedAt = iso(at);
  if (errorDetails) q.errorDetails = errorDetails;
}

/**
 * Halo's uploading and uploadFailed queries carry metrics.sqlExecutionDuration, which the Link reports only
 * with the completed result. Until then (and when the upload failed before it) it is the executing phase:
 * from the start of the statement until its first result bytes left the site.
 */
function uploadingSqlMs(q: QueryRecord): number | null {
  if (q.status !== 'uploading' && q.status !== 'uploadFailed') return null;
  const ex = q.statusTiming.executing;
  if (!ex) return 0;
  // Leaving executing (for uploading, or failing) closed the phase.
  return Math.max(0, Date.parse(ex.endTime ?? q.updatedAt) - Date.parse(ex.startTime));
}

export interface InlineResult {
  data?: Buffer;
  parameters: ResultParameter[];
}

/**
 * The Halo query object. `inline` is given only for an immediate query's own response; `pages` for a
 * successful async query (its page list).
 */
export function queryJson(q: QueryRecord, inline?: InlineResult, pages: PageRecord[] = [], dataMark?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: q.id, integratorId: q.integratorId, siteId: q.siteId, mode: q.mode, status: q.status,
    maxTimeInQueue: q.maxTimeInQueue, commandSize: q.commandSize, requestSize: q.requestSize,
    createdAt: q.createdAt, updatedAt: q.updatedAt, statusTiming: q.statusTiming,
  };
  const sqlMs = q.sqlExecutionDuration ?? uploadingSqlMs(q);
  if (sqlMs !== null) out.metrics = { sqlExecutionDuration: sqlMs };
  if (q.status === 'successful') {
    const size = q.resultSize ?? 0;
    // Built field by field, not with spreads: this runs for every immediate answer.
    const result: Record<string, unknown> = q.executionMode === 'nonQuery' ? { rowsAffected: q.rowsAffected ?? 0 } : { rows: q.rows ?? 0 };
    result.size = size;
    if (inline) {
      if (inline.data) result.data = dataMark ?? inline.data.toString('base64');
      result.parameters = inline.parameters;
    } else {
      result.pages = pages.map((p) => ({ pageNumber: p.pageNumber, status: 'cached', size: p.size, rows: { count: p.rows, rangeStart: p.rangeStart, rangeEnd: p.rangeEnd } }));
    }
    out.result = result;
    out.resultSize = size;
  }
  if (q.errorDetails) {
    out.errorCode = q.errorDetails.errorCode;
    out.errorMessage = q.errorDetails.errorMessage;
    out.errorDetails = q.errorDetails;
  }
  if (q.completedAt) out.completedAt = q.completedAt;
  return out;
}

// Stands in for the result data while the rest of the object is serialised. Only Cloud-made fields come
// before `result.data`, so the first occurrence is the one.
const DATA_MARK = '\u0000conduit:result-data\u0000';
const DATA_MARK_JSON = JSON.stringify(DATA_MARK);

/** An immediate query's own response, serialised: the same JSON as `queryJson(q, inline)`, built without big strings. */
export function queryJsonBytes(q: QueryRecord, inline: InlineResult): Buffer {
  // Up to one slice, the base64 string is small: plain JSON.stringify is the cheaper way.
  if (!inline.data || q.status !== 'successful' || inline.data.length <= BASE64_SLICE) return Buffer.from(JSON.stringify(queryJson(q, inline)));
  return spliceBase64(JSON.stringify(queryJson(q, inline, [], DATA_MARK)), DATA_MARK_JSON, inline.data);
}

// One error type for everything the API (or the way to it) can answer, with a `kind` to branch on.
import type { ErrorDetails, Query } from './types.js';
import { REFUSED_BEFORE_RUNNING_503, errorCode } from './retry.js';

export type ErrorKind =
  | 'badRequest' // 400 envelope, 415, other 4xx not listed here: fix the request
  | 'unauthorized' // 401: missing or invalid subscription key
  | 'forbidden' // 403: see `reason`
  | 'notFound' // 404: unknown path, site, query or page
  | 'gone' // 410: async results expired (kept 24 h)
  | 'payloadTooLarge' // 413: request body over 4 MB, or an immediate result over 8 MB (then `errorDetails`)
  | 'rateLimited' // 429: see `retryAfterMs`
  | 'siteOffline' // 503: the practice's Link is not connected (or dropped mid-query)
  | 'timeout' // 504, a query that expired in the queue, or the SDK's own time limit ran out
  | 'queryFailed' // the query ran and failed: `errorDetails` says why (SQL error number, …)
  | 'server' // other 5xx
  | 'network' // no HTTP answer at all (connection refused, reset, DNS)
  | 'aborted'; // the caller's AbortSignal fired

/**
 * Why a 403 was given. Conduit and Halo answer every refused site-scoped call with a general envelope
 * whose **message text** says which rule refused it; there is no machine-readable code, so the SDK
 * recognises the documented sentences (docs/integrators.md, "Pairing with a practice"):
 *
 * | reason | the message starts with / contains |
 * |---|---|
 * | `notPaired` | "not paired with this site" |
 * | `disabled` | "disabled in the PMS" (also when the Link cut a running query) |
 * | `nonAuthoritative` | "not authoritative" |
 * | `guidChanged` | "Halo GUID of this practice has changed" |
 * | `badPairingCode` | "pairing code is not valid" (pair-site) |
 * | `permission` | a query refused by the practice's permissions: allow-list (`haloLink` 403) or read-only access (`mssql` 3906) |
 * | `unknown` | anything else (e.g. an API gateway's "Caller Ip Not Allowed") |
 */
export type ForbiddenReason = 'notPaired' | 'disabled' | 'nonAuthoritative' | 'guidChanged' | 'badPairingCode' | 'permission' | 'unknown';

export function forbiddenReason(message: string, details?: ErrorDetails): ForbiddenReason {
  const m = message.toLowerCase();
  if (m.includes('not paired with this site')) return 'notPaired';
  if (/disabled .*in the pms/.test(m)) return 'disabled';
  if (m.includes('not authoritative')) return 'nonAuthoritative';
  if (m.includes('halo guid of this practice has changed')) return 'guidChanged';
  if (m.includes('pairing code is not valid')) return 'badPairingCode';
  if (details && ((details.errorType === 'haloLink' && details.errorCode === 403) || (details.errorType === 'mssql' && details.errorCode === 3906))) return 'permission';
  return 'unknown';
}

export interface ConduitApiErrorInit {
  kind: ErrorKind;
  status: number;
  message: string;
  statusText?: string;
  errorDetails?: ErrorDetails;
  query?: Query;
  reason?: ForbiddenReason;
  retryAfterMs?: number;
  method?: string;
  path?: string;
  attempts?: number;
  body?: unknown;
  cause?: unknown;
}

/**
 * Thrown by every client call that does not succeed. `status` is the HTTP status (0 when there was no
 * answer: `network`, `aborted`, or the SDK's own `timeout`). `errorDetails` and `query` are set when
 * the answer was a query object (the query ran and failed); `reason` for 403s; `retryAfterMs` when
 * the server sent `Retry-After`.
 */
export class ConduitApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly statusText?: string;
  readonly errorDetails?: ErrorDetails;
  readonly query?: Query;
  readonly reason?: ForbiddenReason;
  readonly retryAfterMs?: number;
  /** The request that failed, e.g. `GET /integrator/sites/…` (never the key). */
  readonly method?: string;
  readonly path?: string;
  /** How many times the request was sent (1 = no retry). */
  readonly attempts: number;
  /** The parsed response body, if any. */
  readonly body?: unknown;

  constructor(init: ConduitApiErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'ConduitApiError';
    this.kind = init.kind;
    this.status = init.status;
    this.statusText = init.statusText;
    this.errorDetails = init.errorDetails;
    this.query = init.query;
    this.reason = init.reason;
    this.retryAfterMs = init.retryAfterMs;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts ?? 1;
    this.body = init.body;
  }
}

export function isConduitApiError(e: unknown, kind?: ErrorKind): e is ConduitApiError {
  return e instanceof ConduitApiError && (kind === undefined || e.kind === kind);
}

function isQueryObject(body: unknown): body is Query & { errorDetails?: ErrorDetails } {
  return typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string' && typeof (body as { status?: unknown }).status === 'string';
}

function kindOfStatus(status: number, queryObject: boolean): ErrorKind {
  switch (status) {
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'notFound';
    case 410: return 'gone';
    case 413: return 'payloadTooLarge';
    case 429: return 'rateLimited';
    case 503: return 'siteOffline';
    case 504: return 'timeout';
  }
  if (queryObject) return 'queryFailed';
  if (status >= 500) return 'server';
  return 'badRequest';
}

/** Turns a non-2xx answer into a ConduitApiError (both Halo body shapes, or any other body). */
export function errorFromResponse(args: { status: number; statusText: string; body: unknown; text: string; retryAfterMs?: number; method: string; path: string; attempts: number }): ConduitApiError {
  const { status, body } = args;
  const env = (body as Partial<ErrorEnvelope>)?.error;
  let message: string;
  let errorDetails: ErrorDetails | undefined;
  let query: Query | undefined;
  if (env && typeof env === 'object' && typeof env.message === 'string') {
    message = env.message;
  } else if (isQueryObject(body)) {
    query = body;
    errorDetails = body.errorDetails;
    message = errorDetails?.errorMessage ?? (body as { errorMessage?: string }).errorMessage ?? `query ${body.id} ended ${body.status}`;
  } else {
    message = args.text ? `${status} ${args.statusText}: ${args.text.slice(0, 200)}` : `${status} ${args.statusText}`;
  }
  const kind = kindOfStatus(status, query !== undefined);
  return new ConduitApiError({
    kind, status, message, statusText: env?.statusText ?? args.statusText, errorDetails, query,
    reason: status === 403 ? forbiddenReason(message, errorDetails) : undefined,
    retryAfterMs: args.retryAfterMs, method: args.method, path: args.path, attempts: args.attempts, body,
  });
}

interface ErrorEnvelope {
  error: { status: number; statusText: string; message: string };
}

/** The error for an async query that ended without success. */
export function errorFromQuery(q: Query, method?: string, path?: string): ConduitApiError {
  const details = 'errorDetails' in q ? q.errorDetails : undefined;
  const kind: ErrorKind = q.status === 'initialisationFailedSiteOffline' || q.status === 'initialisationFailedSiteUnreachable'
    ? 'siteOffline'
    : q.status === 'expiredInQueue' ? 'timeout' : 'queryFailed';
  return new ConduitApiError({
    kind, status: 0, message: details?.errorMessage ?? `query ${q.id} ended ${q.status}`, errorDetails: details, query: q, method, path,
    reason: details?.errorCode === 403 || details?.errorCode === 3906 ? forbiddenReason(details.errorMessage, details) : undefined,
  });
}

/** A 504 the API gives a query it never started (it waited in the site's queue past its maxTimeInQueue). */
const NOT_RUN_504 = /was not run/i;

/**
 * Whether a failed call may still have been carried out at the practice without the caller being told:
 * the answer was lost, came too late, or the site dropped mid-query. A write that fails this way must
 * be checked (read the practice database) before it is made again. False when the API refused the call
 * before running it, or when the statement ran and failed (`queryFailed` with an `mssql` error).
 */
export function mayHaveRun(e: unknown): boolean {
  if (!(e instanceof ConduitApiError)) return true;
  switch (e.kind) {
    case 'badRequest': case 'unauthorized': case 'forbidden': case 'notFound': case 'gone': case 'rateLimited':
      return false;
    case 'payloadTooLarge':
      return e.errorDetails !== undefined; // an over-size result: the statement ran
    case 'siteOffline':
      return !REFUSED_BEFORE_RUNNING_503.test(e.message);
    case 'timeout':
      return !(NOT_RUN_504.test(e.message) || e.query?.status === 'expiredInQueue');
    case 'queryFailed':
      return e.errorDetails?.errorType !== 'mssql' && !(e.errorDetails?.errorType === 'haloLink' && e.errorDetails.errorCode === 403);
    case 'network':
      return errorCode(e.cause ?? e) !== 'ECONNREFUSED';
    default:
      return true;
  }
}

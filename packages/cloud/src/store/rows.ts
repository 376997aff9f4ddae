// Row mapping and the dialect-neutral SQL shared by the SQLite and PostgreSQL stores: both keep the same columns,
// JSON as text and timestamps as ISO text, so a record reads back the same from either. SQL uses `?` placeholders
// (pg-pool.ts numbers them for PostgreSQL).
import type { ErrorDetails, Integration } from '@conduit/protocol';
import type { AuditEvent, AuditFilter, PageRecord, Phase, QueryRecord, RegisteredRecord, RegisteredStatus, SiteRecord, StatusTiming } from './types.js';

/** Columns of the queries table in the order of queryParams(). */
const QUERY_COLUMNS = ['integrator_id', 'site_id', 'mode', 'status', 'max_time_in_queue', 'command_size', 'request_size', 'command_hash',
  'execution_mode', 'created_at', 'updated_at', 'completed_at', 'status_timing', 'sql_execution_duration', 'result_size', 'rows',
  'rows_affected', 'error_details', 'parameters', 'results_expire_at', 'node'];

const placeholders = (cols: readonly string[]): string => cols.map(() => '?').join(', ');
const assignments = (cols: readonly string[]): string => cols.map((c) => `${c} = ?`).join(', ');

/** Both take queryParams(q). */
export const INSERT_QUERY = `INSERT INTO queries (${QUERY_COLUMNS.join(', ')}, id) VALUES (${placeholders(QUERY_COLUMNS)}, ?)`;
export const UPDATE_QUERY = `UPDATE queries SET ${assignments(QUERY_COLUMNS)} WHERE id = ?`;
/**
 * `n` records (each queryParams(q)) written in one statement: new rows inserted, existing ones overwritten.
 * One statement is atomic on its own, so a batch costs one round trip instead of one per record
 * plus BEGIN and COMMIT. The ids must be distinct (PostgreSQL refuses to touch a row twice in one statement).
 */
export function upsertQueries(n: number): string {
  const row = `(${placeholders(QUERY_COLUMNS)}, ?)`;
  return `INSERT INTO queries (${QUERY_COLUMNS.join(', ')}, id) VALUES ${Array.from({ length: n }, () => row).join(', ')}
    ON CONFLICT (id) DO UPDATE SET ${QUERY_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

/** Columns a query's progress changes (everything but who asked, where, what and when it was created), in queryStateParams() order. */
const QUERY_STATE_COLUMNS = ['status', 'updated_at', 'completed_at', 'status_timing', 'sql_execution_duration', 'result_size', 'rows',
  'rows_affected', 'error_details', 'parameters', 'results_expire_at', 'node'];
/** Takes queryStateParams(q): half the values of UPDATE_QUERY, for the hot path's final updates. */
export const UPDATE_QUERY_STATE = `UPDATE queries SET ${assignments(QUERY_STATE_COLUMNS)} WHERE id = ?`;

export function queryStateParams(q: QueryRecord): unknown[] {
  return [q.status, q.updatedAt, q.completedAt, JSON.stringify(q.statusTiming), q.sqlExecutionDuration, q.resultSize, q.rows, q.rowsAffected,
    q.errorDetails ? JSON.stringify(q.errorDetails) : null, q.parameters ? JSON.stringify(q.parameters) : null, q.resultsExpireAt, q.node ?? null, q.id];
}

export type Row = Record<string, unknown>;

export function siteFromRow(r: Row): SiteRecord {
  return {
    id: r.id as string, linkId: r.link_id as string, pmsType: r.pms_type as SiteRecord['pmsType'],
    pmsSiteId: r.pms_site_id as string, practiceName: r.practice_name as string, pmsVersion: r.pms_version as string,
    linkVersion: r.link_version as string, catalogues: JSON.parse(r.catalogues as string) as SiteRecord['catalogues'],
    authoritative: Boolean(r.authoritative), status: r.status as SiteRecord['status'], createdAt: r.created_at as string,
    enrichedAt: r.enriched_at as string, lastHeardAt: (r.last_heard_at as string | null) ?? null,
    clientTimestamp: (r.client_timestamp as string | null) ?? null, session: r.session as SiteRecord['session'],
    supersededBy: (r.superseded_by as string | null) ?? null,
  };
}

export function auditFromRow(r: Row): AuditEvent {
  return {
    seq: r.seq as number, at: r.at as string, kind: r.kind as string, actor: r.actor as string,
    siteId: (r.site_id as string | null) ?? null, integratorId: (r.integrator_id as string | null) ?? null,
    outcome: r.outcome as AuditEvent['outcome'], details: JSON.parse(r.details as string) as Record<string, unknown>,
    prevHash: r.prev_hash as string, hash: r.hash as string,
  };
}

const SITE_COLUMNS: Record<keyof Omit<SiteRecord, 'id'>, string> = {
  linkId: 'link_id', pmsType: 'pms_type', pmsSiteId: 'pms_site_id', practiceName: 'practice_name', pmsVersion: 'pms_version',
  linkVersion: 'link_version', catalogues: 'catalogues', authoritative: 'authoritative', status: 'status', createdAt: 'created_at',
  enrichedAt: 'enriched_at', lastHeardAt: 'last_heard_at', clientTimestamp: 'client_timestamp', session: 'session',
  supersededBy: 'superseded_by',
};

function siteValue(key: keyof SiteRecord, v: unknown): unknown {
  if (key === 'catalogues') return JSON.stringify(v);
  if (key === 'authoritative') return v ? 1 : 0;
  return v;
}

const SITE_KEYS = Object.keys(SITE_COLUMNS) as (keyof Omit<SiteRecord, 'id'>)[];

/** Takes siteParams(site). */
export const INSERT_SITE = `INSERT INTO sites (id, ${SITE_KEYS.map((k) => SITE_COLUMNS[k]).join(', ')}) VALUES (?, ${placeholders(SITE_KEYS)})`;

export function siteParams(site: SiteRecord): unknown[] {
  return [site.id, ...SITE_KEYS.map((k) => siteValue(k, site[k]))];
}

/** The UPDATE of the patched columns of a site, or undefined for an empty patch. */
export function siteUpdate(id: string, patch: Partial<Omit<SiteRecord, 'id'>>): { sql: string; args: unknown[] } | undefined {
  const keys = Object.keys(patch) as (keyof Omit<SiteRecord, 'id'>)[];
  if (keys.length === 0) return undefined;
  return { sql: `UPDATE sites SET ${assignments(keys.map((k) => SITE_COLUMNS[k]))} WHERE id = ?`, args: [...keys.map((k) => siteValue(k, patch[k])), id] };
}

export function integrationFromRow(r: Row): Integration {
  return {
    integratorId: r.integrator_id as string, enabled: Boolean(r.enabled), access: r.access as Integration['access'],
    allowList: r.allow_list ? (JSON.parse(r.allow_list as string) as Integration['allowList']) : null, updatedAt: r.updated_at as string,
  };
}

export function pageFromRow(r: Row): PageRecord {
  return {
    queryId: r.query_id as string, pageNumber: r.page_number as number, size: r.size as number, rows: r.rows as number,
    rangeStart: r.range_start as number, rangeEnd: r.range_end as number,
  };
}

/** The newest `limit` events matching the filter (newest first: callers reverse), as SQL and its arguments. */
export function auditSelect(f: AuditFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.siteId) { where.push('site_id = ?'); args.push(f.siteId); }
  if (f.integratorId) { where.push('integrator_id = ?'); args.push(f.integratorId); }
  if (f.kind) { where.push('kind = ?'); args.push(f.kind); }
  if (f.since) { where.push('at >= ?'); args.push(f.since); }
  if (f.until) { where.push('at <= ?'); args.push(f.until); }
  args.push(f.limit ?? 100);
  return { sql: `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`, args };
}

export function queryFromRow(r: Row): QueryRecord {
  return {
    id: r.id as string, integratorId: r.integrator_id as string, siteId: r.site_id as string, mode: r.mode as QueryRecord['mode'],
    status: r.status as QueryRecord['status'], maxTimeInQueue: r.max_time_in_queue as number, commandSize: r.command_size as number,
    requestSize: r.request_size as number, commandHash: r.command_hash as string, executionMode: r.execution_mode as QueryRecord['executionMode'],
    createdAt: r.created_at as string, updatedAt: r.updated_at as string, completedAt: (r.completed_at as string | null) ?? null,
    statusTiming: JSON.parse(r.status_timing as string) as QueryRecord['statusTiming'],
    sqlExecutionDuration: (r.sql_execution_duration as number | null) ?? null, resultSize: (r.result_size as number | null) ?? null,
    rows: (r.rows as number | null) ?? null, rowsAffected: (r.rows_affected as number | null) ?? null,
    errorDetails: r.error_details ? (JSON.parse(r.error_details as string) as ErrorDetails) : null,
    parameters: r.parameters ? (JSON.parse(r.parameters as string) as QueryRecord['parameters']) : null,
    resultsExpireAt: (r.results_expire_at as string | null) ?? null, node: (r.node as string | null) ?? null,
  };
}

const REG_COLUMNS = ['integrator_id', 'site_id', 'name', 'command', 'frequency', 'duration', 'status', 'request_size', 'created_at', 'expires_at',
  'completed_at', 'last_hash', 'last_error', 'last_succeeded_at', 'last_failed_at', 'last_execution_duration', 'succeeded_count', 'failed_count',
  'result_size_sum', 'result_rows', 'result_size', 'result_parameters'];

/** Both take registeredParams(r). */
export const INSERT_REGISTERED = `INSERT INTO registered_queries (${REG_COLUMNS.join(', ')}, id) VALUES (${placeholders(REG_COLUMNS)}, ?)`;
export const UPDATE_REGISTERED = `UPDATE registered_queries SET ${assignments(REG_COLUMNS)} WHERE id = ?`;

export function registeredParams(r: RegisteredRecord): unknown[] {
  return [r.integratorId, r.siteId, r.name, JSON.stringify(r.command), r.frequency, r.duration, r.status, r.requestSize, r.createdAt, r.expiresAt,
    r.completedAt, r.lastHash, r.lastError ? JSON.stringify(r.lastError) : null, r.lastSucceededAt, r.lastFailedAt, r.lastExecutionDuration,
    r.succeededCount, r.failedCount, r.resultSizeSum, r.resultRows, r.resultSize, r.resultParameters ? JSON.stringify(r.resultParameters) : null, r.id];
}

export function registeredFromRow(r: Row): RegisteredRecord {
  return {
    id: r.id as string, integratorId: r.integrator_id as string, siteId: r.site_id as string, name: r.name as string,
    command: JSON.parse(r.command as string) as RegisteredRecord['command'], frequency: r.frequency as number, duration: r.duration as number,
    status: r.status as RegisteredStatus, requestSize: r.request_size as number, createdAt: r.created_at as string, expiresAt: r.expires_at as string,
    completedAt: (r.completed_at as string | null) ?? null, lastHash: (r.last_hash as string | null) ?? null,
    lastError: r.last_error ? (JSON.parse(r.last_error as string) as ErrorDetails) : null,
    lastSucceededAt: (r.last_succeeded_at as string | null) ?? null, lastFailedAt: (r.last_failed_at as string | null) ?? null,
    lastExecutionDuration: (r.last_execution_duration as number | null) ?? null, succeededCount: r.succeeded_count as number,
    failedCount: r.failed_count as number, resultSizeSum: r.result_size_sum as number, resultRows: (r.result_rows as number | null) ?? null,
    resultSize: (r.result_size as number | null) ?? null,
    resultParameters: r.result_parameters ? (JSON.parse(r.result_parameters as string) as RegisteredRecord['resultParameters']) : null,
  };
}

export function queryParams(q: QueryRecord): unknown[] {
  return [q.integratorId, q.siteId, q.mode, q.status, q.maxTimeInQueue, q.commandSize, q.requestSize, q.commandHash,
    q.executionMode, q.createdAt, q.updatedAt, q.completedAt, JSON.stringify(q.statusTiming), q.sqlExecutionDuration,
    q.resultSize, q.rows, q.rowsAffected, q.errorDetails ? JSON.stringify(q.errorDetails) : null,
    q.parameters ? JSON.stringify(q.parameters) : null, q.resultsExpireAt, q.node ?? null, q.id];
}


/** The latest phase a query has entered (the one it is in, unless it has ended). */
export function currentPhase(timing: StatusTiming): Phase | undefined {
  for (const name of ['uploading', 'executing', 'queued', 'initialising'] as const) {
    const p = timing[name];
    if (p) return p;
  }
  return undefined;
}

/**
 * A query a stop of the Cloud (or of its node) cut off: failed in upload if its pages were arriving,
 * otherwise in execution, with the phase it was in closed at `at`, as a failure at run time closes it.
 */
export function failCutOff(q: QueryRecord, details: ErrorDetails, at: string): void {
  const open = currentPhase(q.statusTiming);
  if (open) open.endTime ??= at;
  q.status = q.status === 'uploading' ? 'uploadFailed' : 'executionFailed';
  q.errorDetails = details;
  q.completedAt = at;
  q.updatedAt = at;
}

// Row mapping shared by the SQLite and PostgreSQL stores: both keep the same columns, JSON as text and
// timestamps as ISO text, so a record reads back the same from either.
import type { ErrorDetails } from '@conduit/protocol';
import type { AuditEvent, QueryRecord, RegisteredRecord, RegisteredStatus, SiteRecord } from './types.js';

/** Columns of the queries table in the order of queryParams(). */
export const QUERY_COLUMNS = ['integrator_id', 'site_id', 'mode', 'status', 'max_time_in_queue', 'command_size', 'request_size', 'command_hash',
  'execution_mode', 'created_at', 'updated_at', 'completed_at', 'status_timing', 'sql_execution_duration', 'result_size', 'rows',
  'rows_affected', 'error_details', 'parameters', 'results_expire_at', 'node'];

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

export const SITE_COLUMNS: Record<keyof Omit<SiteRecord, 'id'>, string> = {
  linkId: 'link_id', pmsType: 'pms_type', pmsSiteId: 'pms_site_id', practiceName: 'practice_name', pmsVersion: 'pms_version',
  linkVersion: 'link_version', catalogues: 'catalogues', authoritative: 'authoritative', status: 'status', createdAt: 'created_at',
  enrichedAt: 'enriched_at', lastHeardAt: 'last_heard_at', clientTimestamp: 'client_timestamp', session: 'session',
  supersededBy: 'superseded_by',
};

export function siteValue(key: keyof SiteRecord, v: unknown): unknown {
  if (key === 'catalogues') return JSON.stringify(v);
  if (key === 'authoritative') return v ? 1 : 0;
  return v;
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

export const REG_COLUMNS = ['integrator_id', 'site_id', 'name', 'command', 'frequency', 'duration', 'status', 'request_size', 'created_at', 'expires_at',
  'completed_at', 'last_hash', 'last_error', 'last_succeeded_at', 'last_failed_at', 'last_execution_duration', 'succeeded_count', 'failed_count',
  'result_size_sum', 'result_rows', 'result_size', 'result_parameters'];

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


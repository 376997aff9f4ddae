// Request and response types of the Halo Connect Integrator API, written by hand from the reference
// (integrator-openapi.json, Halo Cloud API for Integrators). The reference's schemas are deeply nested
// allOf chains (the successful async query alone is five levels); hand-written discriminated unions on
// `status` read better and narrow properly. The enum lists below are checked against the reference by
// test/types.test.ts, so they cannot drift from it silently.

/** SqlDbType names accepted as `Parameter.type` (reference schema `Type`). */
export const SQL_DB_TYPES = [
  'BigInt', 'Binary', 'Bit', 'Char', 'String', 'Date', 'DateTime', 'DateTime2', 'DateTimeOffset', 'Decimal',
  'Float', 'Image', 'Int', 'Money', 'NChar', 'NText', 'NVarChar', 'Real', 'SmallDateTime', 'SmallInt',
  'SmallMoney', 'Structured', 'Text', 'Time', 'Timestamp', 'TinyInt', 'Udt', 'UniqueIdentifier', 'VarBinary',
  'VarChar', 'Variant', 'Xml',
] as const;
export type SqlDbType = (typeof SQL_DB_TYPES)[number];

export const EXECUTION_MODES = ['reader', 'nonQuery', 'scalar'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];
export const COMMAND_TYPES = ['text', 'storedProcedure'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];
export const DIRECTIONS = ['output', 'input', 'inputOutput', 'returnValue'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** A command parameter. Values travel as strings in the type's string form (dates `YYYY-MM-DD`, binary base64). */
export interface Parameter {
  /** e.g. `@surname` */
  name: string;
  /** Default `input`. */
  direction?: Direction;
  type: SqlDbType;
  value?: string | null;
  size?: number;
}

/** A parameter as it comes back in a result (`output`, `inputOutput`, `returnValue`). */
export interface ResultParameter {
  name: string;
  direction?: Direction;
  type: SqlDbType;
  value?: string | null;
  size?: number;
}

export interface Command {
  /** The SQL (`type: text`) or the procedure name (`type: storedProcedure`). */
  text: string;
  /** Default `reader`. */
  executionMode?: ExecutionMode;
  /** Default `text`. */
  type?: CommandType;
  parameters?: Parameter[];
}

/** Body of `POST …/queries/immediate`. */
export interface ImmediateQueryRequest {
  /** Milliseconds the query may wait at the site before it starts: 0–60000, default 30000. */
  maxTimeInQueue?: number;
  command: Command;
  catalogue?: string;
}

/** Body of `POST …/queries/async`. */
export interface AsyncQueryRequest {
  /** Milliseconds the query may wait at the site before it starts: up to 7200000, default 3600000. */
  maxTimeInQueue?: number;
  command: Command;
  catalogue?: string;
}

/** Body of `POST …/queries/registered`. */
export interface RegisteredQueryRequest {
  name: string;
  registeredQueryType: 'query';
  /** Seconds between runs. */
  frequency: number;
  /** Seconds the query keeps running, up to 86400. */
  duration: number;
  registerCommand: { command: Command };
}

export const ERROR_TYPES = ['http', 'mssql', 'fbsql', 'haloLink'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** Why a query that ran failed (`errorDetails` of a query, `lastErrorDetails` of a registered query). */
export interface ErrorDetails {
  errorType: ErrorType;
  /** SQL Server error number for `mssql`; an HTTP-like code for `http` / `haloLink`. */
  errorCode: number;
  errorMessage: string;
}

/** The general error envelope, `{"error": {status, statusText, message}}`. */
export interface ErrorEnvelope {
  error: { status: number; statusText: string; message: string };
}

export interface Phase {
  startTime: string;
  endTime?: string;
}

export interface StatusTiming {
  initialising: Phase;
  queued?: Phase;
  executing?: Phase;
  downloading?: Phase;
  uploading?: Phase;
}

export const QUERY_STATUSES = [
  'initialising', 'initialisationFailedCacheError', 'initialisationFailedSiteOffline', 'initialisationFailedSiteUnreachable',
  'queued', 'expiredInQueue', 'executing', 'executionFailed', 'uploading', 'uploadFailed', 'successful',
] as const;
export type QueryStatus = (typeof QUERY_STATUSES)[number];

/** Statuses after which a query never changes again. */
export const FINAL_QUERY_STATUSES: readonly QueryStatus[] = [
  'initialisationFailedCacheError', 'initialisationFailedSiteOffline', 'initialisationFailedSiteUnreachable',
  'expiredInQueue', 'executionFailed', 'uploadFailed', 'successful',
];
export const isFinalStatus = (s: QueryStatus): boolean => FINAL_QUERY_STATUSES.includes(s);

export type QueryMode = 'immediate' | 'async';

interface QueryBase {
  id: string;
  integratorId: string;
  /** Halo GUID of the site. */
  siteId: string;
  mode: QueryMode;
  maxTimeInQueue: number;
  commandSize: number;
  requestSize: number;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  statusTiming: StatusTiming;
  metrics?: { sqlExecutionDuration: number };
}

/** An immediate query's own 200 response: the result is inline. */
export interface InlineResult {
  /** Reader: row count. */
  rows?: number;
  /** nonQuery: rows affected. */
  rowsAffected?: number;
  /** Bytes of the JSON in `data`. */
  size: number;
  /** base64 of a JSON array of row objects (reader) or of one JSON value (scalar). Absent for nonQuery. */
  data?: string;
  parameters?: ResultParameter[];
}

export const RESULT_PAGE_STATUSES = ['queued', 'uploading', 'cached'] as const;
export type ResultPageStatus = (typeof RESULT_PAGE_STATUSES)[number];

export interface PageInfo {
  pageNumber: number;
  status: ResultPageStatus;
  size: number;
  rows: { count: number; rangeStart: number; rangeEnd: number };
}

/** A successful async query's result: a list of pages to fetch. */
export interface PagedResult {
  rows?: number;
  rowsAffected?: number;
  size: number;
  pages: PageInfo[];
}

export interface SuccessfulQuery<R = InlineResult | PagedResult> extends QueryBase {
  status: 'successful';
  result: R;
  resultSize: number;
}

export interface FailedQuery extends QueryBase {
  status: Exclude<QueryStatus, 'successful' | 'initialising' | 'queued' | 'executing' | 'uploading'>;
  errorDetails?: ErrorDetails;
  /** Deprecated copies of errorDetails.errorCode / errorMessage. */
  errorCode?: number;
  errorMessage?: string;
}

export interface PendingQuery extends QueryBase {
  status: 'initialising' | 'queued' | 'executing' | 'uploading';
}

/** Any query object (`GET …/queries/{queryId}`), discriminated on `status`. */
export type Query = SuccessfulQuery | FailedQuery | PendingQuery;
/** The 200 answer of an immediate query. */
export type SuccessfulImmediateQuery = SuccessfulQuery<InlineResult> & { mode: 'immediate' };
/** An async query; once successful, `result.pages` lists its pages. */
export type AsyncQuery = (SuccessfulQuery<PagedResult> | FailedQuery | PendingQuery) & { mode: 'async' };

export interface QueryStatusBatchResult {
  queryId: string;
  status: 'found' | 'notFound';
  query?: Query;
}

/** `GET …/results/{pageNumber}` body. */
export interface ResultPageBody {
  /** base64 of the page's JSON array of rows; absent for a nonQuery's page 1 (parameters only). */
  data?: string;
  parameters?: ResultParameter[];
}

export const REGISTERED_QUERY_STATUSES = ['initialisationFailedCacheError', 'enabled', 'cancelled', 'completed'] as const;
export type RegisteredQueryStatus = (typeof REGISTERED_QUERY_STATUSES)[number];

export interface RegisteredQuery {
  id: string;
  name: string;
  registeredQueryType: 'query';
  status: RegisteredQueryStatus;
  frequency: number;
  duration: number;
  /** SHA-256 of the last successful result; absent until the first successful run. */
  lastHash?: string;
  lastErrorDetails?: ErrorDetails;
  metrics: {
    lastSucceededAt?: string;
    lastFailedAt?: string;
    lastExecutionDuration?: number;
    executionSucceededCount?: number;
    executionFailedCount?: number;
    resultSizeSum?: number;
    requestSize?: number;
  };
  createdAt: string;
  completedAt?: string;
}

/** `GET …/queries/registered/{queryId}/results` body. */
export interface RegisteredQueryResultBody {
  data: string;
  parameters: ResultParameter[] | null;
  rows: number;
  size: number;
}

export const PMS_TYPES = ['BestPractice', 'Zedmed', 'D4w'] as const;
export type PmsType = (typeof PMS_TYPES)[number];
export const PRACTICE_MANAGEMENT_NAMES = ['Best Practice', 'Zedmed', 'D4w'] as const;
export type PracticeManagementName = (typeof PRACTICE_MANAGEMENT_NAMES)[number];
export const SITE_AVAILABILITIES = ['online', 'offline', 'unreachable'] as const;
export type SiteAvailability = (typeof SITE_AVAILABILITIES)[number];
export const SITE_STATUSES = ['initialising', 'active', 'removed', 'uninstalled'] as const;
export type SiteStatus = (typeof SITE_STATUSES)[number];

/** A site as an integrator sees it (reference `SiteForIntegrator`). `id` is the Halo GUID. */
export interface Site {
  id: string;
  pmsType: PmsType;
  availability: SiteAvailability;
  status: SiteStatus;
  haloLinkVersion?: string;
  enrichedAt?: string;
  catalogue?: { name: string; isDefault: boolean }[];
  practiceMetadata?: {
    pmsType?: PmsType;
    practiceName?: string;
    practiceManagementSiteId?: string;
    practiceManagementVersion?: string;
  };
  /** Deprecated fields, still sent. */
  name?: string;
  practiceManagementSiteId?: string;
  practiceManagementName?: PracticeManagementName;
  practiceManagementVersion?: string;
  createdAt?: string;
  authoritative?: boolean;
  clientTimestampUTC?: string;
  heartbeatTimestampUTC?: string;
}

/** The body of a query-completion webhook. */
export interface WebhookPayload {
  id: string;
  occurredAt: string;
  siteId: string;
  queryId: string;
  webhookSource: 'async' | 'registered';
}

// The Cloud's persistent state behind one interface, so the embedded SQLite store and a clustered
// PostgreSQL store are interchangeable. Query rows hold metadata only: never result data or parameter values.
import type { Command, ErrorDetails, Integration, QueryMode, ResultParameter, SiteInfo } from '@conduit/protocol';

export interface IntegratorRecord {
  id: string;
  name: string;
  createdAt: string;
}

export interface SiteRecord {
  id: string; // Halo GUID
  linkId: string;
  pmsType: SiteInfo['pmsType'];
  pmsSiteId: string;
  practiceName: string;
  pmsVersion: string;
  linkVersion: string;
  catalogues: SiteInfo['catalogues'];
  authoritative: boolean;
  status: 'initialising' | 'active' | 'removed' | 'uninstalled';
  createdAt: string;
  enrichedAt: string;
  lastHeardAt: string | null;
  clientTimestamp: string | null;
  /** 'open' while a session is up, 'closed' when the Link said goodbye, 'dropped' when the socket died. */
  session: 'open' | 'closed' | 'dropped';
  /** Set when another Link was promoted for this practice: this GUID is no longer the practice's. */
  supersededBy: string | null;
}

/** A practice is identified across Links by its PMS type and PMS Site ID. */
export interface PracticeKey {
  pmsType: SiteRecord['pmsType'];
  pmsSiteId: string;
}

export interface PairingCodeRecord {
  codeHash: string;
  expiresAt: string;
  createdAt: string;
}

export interface AuditEvent {
  seq: number;
  at: string;
  kind: string;
  /** Who acted: "integrator:<id>", "link:<siteId>", "operator", "cloud". */
  actor: string;
  siteId: string | null;
  integratorId: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

export interface AuditFilter {
  siteId?: string;
  integratorId?: string;
  since?: string;
  until?: string;
  kind?: string;
  limit?: number;
}

export interface LinkRecord {
  id: string;
  publicKey: string;
  siteId: string;
  createdAt: string;
}

export type QueryStatus =
  | 'initialising' | 'queued' | 'executing' | 'uploading' | 'successful' | 'executionFailed' | 'uploadFailed'
  | 'expiredInQueue' | 'initialisationFailedSiteOffline' | 'initialisationFailedSiteUnreachable' | 'initialisationFailedCacheError';

export const TERMINAL_STATUSES: ReadonlySet<QueryStatus> = new Set<QueryStatus>([
  'successful', 'executionFailed', 'uploadFailed', 'expiredInQueue',
  'initialisationFailedSiteOffline', 'initialisationFailedSiteUnreachable', 'initialisationFailedCacheError',
]);

export interface Phase { startTime: string; endTime?: string }
export interface StatusTiming { initialising: Phase; queued?: Phase; executing?: Phase; uploading?: Phase }

export interface QueryRecord {
  id: string;
  integratorId: string;
  siteId: string;
  mode: QueryMode;
  status: QueryStatus;
  maxTimeInQueue: number;
  commandSize: number;
  requestSize: number;
  commandHash: string;
  executionMode: 'reader' | 'nonQuery' | 'scalar';
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  statusTiming: StatusTiming;
  sqlExecutionDuration: number | null;
  resultSize: number | null;
  rows: number | null;
  rowsAffected: number | null;
  errorDetails: ErrorDetails | null;
  /** Output parameters of a finished async query (values as the API strings). */
  parameters: ResultParameter[] | null;
  /** When the result pages of an async query are deleted (then 410 Gone). */
  resultsExpireAt: string | null;
  /** The Cloud node that holds the query's Link session (cluster mode); absent or null on a single node. */
  node?: string | null;
}

export interface PageRecord {
  queryId: string;
  pageNumber: number;
  size: number;
  rows: number;
  rangeStart: number;
  rangeEnd: number;
}

export type RegisteredStatus = 'initialisationFailedCacheError' | 'enabled' | 'cancelled' | 'completed';

export interface RegisteredRecord {
  id: string;
  integratorId: string;
  siteId: string;
  name: string;
  command: Command;
  frequency: number;
  duration: number;
  status: RegisteredStatus;
  requestSize: number;
  createdAt: string;
  expiresAt: string;
  completedAt: string | null;
  lastHash: string | null;
  lastError: ErrorDetails | null;
  lastSucceededAt: string | null;
  lastFailedAt: string | null;
  lastExecutionDuration: number | null;
  succeededCount: number;
  failedCount: number;
  resultSizeSum: number;
  resultRows: number | null;
  resultSize: number | null;
  resultParameters: ResultParameter[] | null;
}

export interface Store {
  /** One round trip to the store: health checks. */
  ping(): Promise<void>;
  createIntegrator(rec: IntegratorRecord, keyHashes: { primary: string; secondary: string }): Promise<void>;
  integratorByKeyHash(hash: string): Promise<IntegratorRecord | undefined>;
  listIntegrators(): Promise<IntegratorRecord[]>;

  linkByPublicKey(publicKey: string): Promise<LinkRecord | undefined>;
  createLinkAndSite(link: LinkRecord, site: SiteRecord): Promise<void>;
  updateSite(id: string, patch: Partial<Omit<SiteRecord, 'id'>>): Promise<void>;
  site(id: string): Promise<SiteRecord | undefined>;
  sitesByPmsId(pmsType: SiteRecord['pmsType'], pmsSiteId: string): Promise<SiteRecord[]>;
  listSites(): Promise<SiteRecord[]>;

  insertQuery(q: QueryRecord): Promise<void>;
  updateQuery(q: QueryRecord): Promise<void>;
  /** Optional: many inserts then updates in one transaction (the query service groups each event-loop turn's). */
  writeQueries?(inserts: QueryRecord[], updates: QueryRecord[]): Promise<void>;
  /**
   * Optional: query inserts, then updates, then audit events appended to the chain, all in one
   * transaction (store/write-behind.ts). Without it they are written as writeQueries and appendAuditBatch.
   * An update writes the record's progress only (status, timings, results, errors, node): who asked,
   * where, what and when it was created never change after the insert.
   */
  writeBatch?(inserts: QueryRecord[], updates: QueryRecord[], events: NewAuditEvent[]): Promise<void>;
  /**
   * True when the store itself writes query records and audit events in the order they were handed to
   * it, and lets an urgent write (an insert that gates a send or an answer) overtake writes waiting for company
   * (PostgreSQL's write pipe): the write-behind then hands each write over at once instead of one batch
   * at a time.
   */
  readonly ordersWrites?: boolean;
  query(id: string): Promise<QueryRecord | undefined>;
  /**
   * Marks every query that was in flight when the Cloud stopped as failed; returns their ids. With `node`, only
   * the queries of that node (a cluster node restarting, or another node cleaning up after a dead one).
   */
  failInterrupted(details: ErrorDetails, at: string, node?: string): Promise<string[]>;

  integrations(practice: PracticeKey): Promise<Integration[]>;
  /** Replaces a practice's integration settings; returns the previous ones. */
  replaceIntegrations(practice: PracticeKey, list: Integration[]): Promise<Integration[]>;
  setPairingCode(practice: PracticeKey, integratorId: string, code: PairingCodeRecord): Promise<void>;
  pairingCode(practice: PracticeKey, integratorId: string): Promise<PairingCodeRecord | undefined>;
  /** Consumes the code and records the pairing in one step; false when the code was used meanwhile. */
  consumePairingCode(practice: PracticeKey, integratorId: string, codeHash: string, at: string): Promise<boolean>;
  isPaired(practice: PracticeKey, integratorId: string): Promise<boolean>;
  /** Makes `siteId` the authoritative site of its practice; the others are superseded by it. */
  promoteSite(siteId: string): Promise<SiteRecord[]>;

  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Appends several events in order, in one transaction. */
  appendAuditBatch(events: NewAuditEvent[]): Promise<void>;
  listAudit(filter: AuditFilter): Promise<AuditEvent[]>;
  /** Every event in order, for verification. */
  auditChain(): Promise<AuditEvent[]>;

  /** Successful async queries since `since` whose integrator has a webhook but no webhook was queued (a stop between the two writes). */
  asyncWithoutWebhook(since: string): Promise<QueryRecord[]>;
  addPage(page: PageRecord): Promise<void>;
  pages(queryId: string): Promise<PageRecord[]>;
  /** Async queries whose results expired before `at` and still have pages. */
  expiredResults(at: string): Promise<string[]>;
  deletePages(queryId: string): Promise<void>;

  insertRegistered(r: RegisteredRecord): Promise<void>;
  updateRegistered(r: RegisteredRecord): Promise<void>;
  registered(id: string): Promise<RegisteredRecord | undefined>;
  /** Registered queries of a site, optionally only those in a status. */
  registeredForSite(siteId: string, status?: RegisteredStatus): Promise<RegisteredRecord[]>;

  /**
   * Ends the enabled registered queries of every site whose duration has passed by `at`, and returns the ones this call ended: a query is ended, and returned, by one caller only across all nodes.
   */
  completeExpiredRegistered(at: string): Promise<RegisteredRecord[]>;

  /**
   * Takes or renews the lease `name` for `holder` until `nowMs + leaseMs`; true when `holder` holds it now.
   * For work one node at a time must do (sweeps): the lease of a dead node lapses and another takes over.
   */
  claimLease(name: string, holder: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Stores `value` under `key` unless the key exists; returns the stored value either way (first writer wins). */
  setSettingOnce(key: string, value: string): Promise<string>;

  close(): Promise<void>;
}

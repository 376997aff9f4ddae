// Versioned, forward-only schema migrations for the SQLite store. Never edit a shipped step; add one.
export const SQLITE_MIGRATIONS: string[] = [
  `CREATE TABLE integrators (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE integrator_keys (
     key_hash TEXT PRIMARY KEY, integrator_id TEXT NOT NULL REFERENCES integrators(id), slot TEXT NOT NULL,
     created_at TEXT NOT NULL);
   CREATE TABLE sites (
     id TEXT PRIMARY KEY, link_id TEXT NOT NULL, pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL,
     practice_name TEXT NOT NULL, pms_version TEXT NOT NULL, link_version TEXT NOT NULL, catalogues TEXT NOT NULL,
     authoritative INTEGER NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, enriched_at TEXT NOT NULL,
     last_heard_at TEXT, client_timestamp TEXT, session TEXT NOT NULL);
   CREATE INDEX sites_pms ON sites (pms_type, pms_site_id);
   CREATE TABLE links (
     id TEXT PRIMARY KEY, public_key TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL REFERENCES sites(id),
     created_at TEXT NOT NULL);
   CREATE TABLE queries (
     id TEXT PRIMARY KEY, integrator_id TEXT NOT NULL, site_id TEXT NOT NULL, mode TEXT NOT NULL,
     status TEXT NOT NULL, max_time_in_queue INTEGER NOT NULL, command_size INTEGER NOT NULL,
     request_size INTEGER NOT NULL, command_hash TEXT NOT NULL, execution_mode TEXT NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL, completed_at TEXT, status_timing TEXT NOT NULL,
     sql_execution_duration INTEGER, result_size INTEGER, rows INTEGER, rows_affected INTEGER, error_details TEXT);
   CREATE INDEX queries_open ON queries (status) WHERE completed_at IS NULL;
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

// Practice control: integrations reported by the authoritative Link, pairing codes (hashes only),
// pairings, site promotion, and the hash-chained audit log.
SQLITE_MIGRATIONS.push(`
  ALTER TABLE sites ADD COLUMN superseded_by TEXT;
  CREATE TABLE integrations (
    pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL, integrator_id TEXT NOT NULL, enabled INTEGER NOT NULL,
    access TEXT NOT NULL, allow_list TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (pms_type, pms_site_id, integrator_id));
  CREATE TABLE pairing_codes (
    pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL, integrator_id TEXT NOT NULL, code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (pms_type, pms_site_id, integrator_id));
  CREATE TABLE pairings (
    pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL, integrator_id TEXT NOT NULL, paired_at TEXT NOT NULL,
    PRIMARY KEY (pms_type, pms_site_id, integrator_id));
  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, site_id TEXT,
    integrator_id TEXT, outcome TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE INDEX audit_site ON audit_events (site_id, at);
  CREATE INDEX audit_integrator ON audit_events (integrator_id, at);
`);

// Webhooks: one URL template per integrator, and a durable outbox of deliveries.
SQLITE_MIGRATIONS.push(`
  CREATE TABLE integrator_webhooks (
    integrator_id TEXT PRIMARY KEY REFERENCES integrators(id), url_template TEXT NOT NULL, secret_version INTEGER NOT NULL,
    updated_at TEXT NOT NULL);
  CREATE TABLE webhook_outbox (
    id TEXT PRIMARY KEY, integrator_id TEXT NOT NULL, site_id TEXT NOT NULL, query_id TEXT NOT NULL, source TEXT NOT NULL,
    occurred_at TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL, last_delay_ms INTEGER NOT NULL, last_status INTEGER, last_error TEXT,
    created_at TEXT NOT NULL, delivered_at TEXT);
  CREATE INDEX webhook_due ON webhook_outbox (status, next_attempt_at);
  CREATE INDEX webhook_integrator ON webhook_outbox (integrator_id, created_at);
`);

// Async result pages and registered queries.
SQLITE_MIGRATIONS.push(`
  ALTER TABLE queries ADD COLUMN parameters TEXT;
  ALTER TABLE queries ADD COLUMN results_expire_at TEXT;
  CREATE TABLE query_pages (
    query_id TEXT NOT NULL, page_number INTEGER NOT NULL, size INTEGER NOT NULL, rows INTEGER NOT NULL,
    range_start INTEGER NOT NULL, range_end INTEGER NOT NULL, PRIMARY KEY (query_id, page_number));
  CREATE INDEX queries_expiry ON queries (results_expire_at) WHERE results_expire_at IS NOT NULL;
  CREATE TABLE registered_queries (
    id TEXT PRIMARY KEY, integrator_id TEXT NOT NULL, site_id TEXT NOT NULL, name TEXT NOT NULL, command TEXT NOT NULL,
    frequency INTEGER NOT NULL, duration INTEGER NOT NULL, status TEXT NOT NULL, request_size INTEGER NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, completed_at TEXT, last_hash TEXT, last_error TEXT,
    last_succeeded_at TEXT, last_failed_at TEXT, last_execution_duration INTEGER, succeeded_count INTEGER NOT NULL DEFAULT 0,
    failed_count INTEGER NOT NULL DEFAULT 0, result_size_sum INTEGER NOT NULL DEFAULT 0, result_rows INTEGER, result_size INTEGER,
    result_parameters TEXT);
  CREATE INDEX registered_site ON registered_queries (site_id, status);
`);

// Cluster-ready state: the node holding a query's session, and leases for work one holder at a time must do.
// pairing_failures is unused (the Redis bus counts failed pairings across nodes); a shipped step stays as it is.
SQLITE_MIGRATIONS.push(`
  ALTER TABLE queries ADD COLUMN node TEXT;
  CREATE TABLE pairing_failures (key TEXT NOT NULL, at_ms INTEGER NOT NULL);
  CREATE INDEX pairing_failures_key ON pairing_failures (key, at_ms);
  CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms INTEGER NOT NULL);
  CREATE INDEX registered_expiry ON registered_queries (expires_at) WHERE status = 'enabled';
`);

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

// Versioned, forward-only schema migrations for the PostgreSQL store. Never edit a shipped step; add one.
// Timestamps are ISO 8601 text, as in the SQLite store: every writer stores UTC `toISOString()` values, which
// sort and compare as text, and they come back byte for byte as written. JSON columns are text for the same reason.
// pairing_failures in step 1 is unused: the Redis bus counts failed pairings across nodes.
export const PG_MIGRATIONS: string[] = [
  `CREATE TABLE integrators (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE integrator_keys (
     key_hash TEXT PRIMARY KEY, integrator_id TEXT NOT NULL REFERENCES integrators(id), slot TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE sites (
     id TEXT PRIMARY KEY, link_id TEXT NOT NULL, pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL,
     practice_name TEXT NOT NULL, pms_version TEXT NOT NULL, link_version TEXT NOT NULL, catalogues TEXT NOT NULL,
     authoritative BOOLEAN NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, enriched_at TEXT NOT NULL,
     last_heard_at TEXT, client_timestamp TEXT, session TEXT NOT NULL, superseded_by TEXT);
   CREATE INDEX sites_pms ON sites (pms_type, pms_site_id);
   CREATE TABLE links (
     id TEXT PRIMARY KEY, public_key TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL REFERENCES sites(id), created_at TEXT NOT NULL);
   CREATE TABLE queries (
     id TEXT PRIMARY KEY, integrator_id TEXT NOT NULL, site_id TEXT NOT NULL, mode TEXT NOT NULL,
     status TEXT NOT NULL, max_time_in_queue INTEGER NOT NULL, command_size BIGINT NOT NULL,
     request_size BIGINT NOT NULL, command_hash TEXT NOT NULL, execution_mode TEXT NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL, completed_at TEXT, status_timing TEXT NOT NULL,
     sql_execution_duration BIGINT, result_size BIGINT, rows BIGINT, rows_affected BIGINT, error_details TEXT,
     parameters TEXT, results_expire_at TEXT, node TEXT);
   CREATE INDEX queries_open ON queries (node) WHERE completed_at IS NULL;
   CREATE INDEX queries_expiry ON queries (results_expire_at) WHERE results_expire_at IS NOT NULL;
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

   CREATE TABLE integrations (
     pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL, integrator_id TEXT NOT NULL, enabled BOOLEAN NOT NULL,
     access TEXT NOT NULL, allow_list TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (pms_type, pms_site_id, integrator_id));
   CREATE TABLE pairing_codes (
     pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL, integrator_id TEXT NOT NULL, code_hash TEXT NOT NULL,
     expires_at TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (pms_type, pms_site_id, integrator_id));
   CREATE TABLE pairings (
     pms_type TEXT NOT NULL, pms_site_id TEXT NOT NULL, integrator_id TEXT NOT NULL, paired_at TEXT NOT NULL,
     PRIMARY KEY (pms_type, pms_site_id, integrator_id));
   CREATE TABLE pairing_failures (key TEXT NOT NULL, at_ms BIGINT NOT NULL);
   CREATE INDEX pairing_failures_key ON pairing_failures (key, at_ms);
   CREATE TABLE audit_events (
     seq BIGINT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, site_id TEXT,
     integrator_id TEXT, outcome TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
   CREATE INDEX audit_site ON audit_events (site_id, at);
   CREATE INDEX audit_integrator ON audit_events (integrator_id, at);

   CREATE TABLE integrator_webhooks (
     integrator_id TEXT PRIMARY KEY REFERENCES integrators(id), url_template TEXT NOT NULL, secret_version INTEGER NOT NULL,
     updated_at TEXT NOT NULL);
   CREATE TABLE webhook_outbox (
     id TEXT PRIMARY KEY, integrator_id TEXT NOT NULL, site_id TEXT NOT NULL, query_id TEXT NOT NULL, source TEXT NOT NULL,
     occurred_at TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
     next_attempt_at TEXT NOT NULL, last_delay_ms BIGINT NOT NULL, last_status INTEGER, last_error TEXT,
     created_at TEXT NOT NULL, delivered_at TEXT);
   CREATE INDEX webhook_due ON webhook_outbox (status, next_attempt_at);
   CREATE INDEX webhook_integrator ON webhook_outbox (integrator_id, created_at);
   CREATE INDEX webhook_query ON webhook_outbox (query_id);

   CREATE TABLE query_pages (
     query_id TEXT NOT NULL, page_number INTEGER NOT NULL, size BIGINT NOT NULL, rows BIGINT NOT NULL,
     range_start BIGINT NOT NULL, range_end BIGINT NOT NULL, PRIMARY KEY (query_id, page_number));
   CREATE TABLE registered_queries (
     id TEXT PRIMARY KEY, integrator_id TEXT NOT NULL, site_id TEXT NOT NULL, name TEXT NOT NULL, command TEXT NOT NULL,
     frequency INTEGER NOT NULL, duration INTEGER NOT NULL, status TEXT NOT NULL, request_size BIGINT NOT NULL,
     created_at TEXT NOT NULL, expires_at TEXT NOT NULL, completed_at TEXT, last_hash TEXT, last_error TEXT,
     last_succeeded_at TEXT, last_failed_at TEXT, last_execution_duration BIGINT, succeeded_count BIGINT NOT NULL DEFAULT 0,
     failed_count BIGINT NOT NULL DEFAULT 0, result_size_sum BIGINT NOT NULL DEFAULT 0, result_rows BIGINT, result_size BIGINT,
     result_parameters TEXT);
   CREATE INDEX registered_site ON registered_queries (site_id, status);
   CREATE INDEX registered_expiry ON registered_queries (expires_at) WHERE status = 'enabled';

   CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms BIGINT NOT NULL);`,

  // Result pages of async queries and the latest results of registered queries, so any node serves any page.
  // A page is uploaded as chunks under an upload id; it exists (result_pages_done) only once complete.
  `CREATE TABLE result_chunks (
     upload_id UUID NOT NULL, seq INTEGER NOT NULL, query_id TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (upload_id, seq));
   CREATE INDEX result_chunks_query ON result_chunks (query_id);
   CREATE TABLE result_pages_done (
     query_id TEXT NOT NULL, page_number INTEGER NOT NULL, upload_id UUID NOT NULL, size BIGINT NOT NULL,
     PRIMARY KEY (query_id, page_number));
   CREATE TABLE result_whole (name TEXT PRIMARY KEY, data BYTEA NOT NULL, written_at TEXT NOT NULL);`,

  // One webhook per async query across the cluster: a node repairing missed webhooks at start and the node
  // finishing the query may both enqueue it; the second insert is dropped (registered queries send one per change).
  `CREATE UNIQUE INDEX webhook_async_once ON webhook_outbox (query_id) WHERE source = 'async';`,

  // Appends a batch of audit events to the one chain in a single statement: the lock, the head, the hashes and
  // the inserts happen inside PostgreSQL, so an append is one round trip and the lock is never held across the
  // network. Each hash is sha256 of `[seq,<body>,"prevHash"]`, the text audit/chain.ts eventHash hashes; the
  // node sends each event's body (eventBody). VOLATILE (the default), so the head is read after the lock.
  // lock_wait_ms > 0 gives up on the lock after that long (a node's write pipe must not keep its query records
  // waiting behind a slow appender); 0 waits as long as the server's lock_timeout allows.
  `CREATE FUNCTION conduit_audit_append(lock_key BIGINT, lock_wait_ms INTEGER, ats TEXT[], kinds TEXT[], actors TEXT[],
     site_ids TEXT[], integrator_ids TEXT[], outcomes TEXT[], details TEXT[], bodies TEXT[])
   RETURNS TABLE (out_seq BIGINT, out_prev_hash TEXT, out_hash TEXT) LANGUAGE plpgsql AS $fn$
   DECLARE
     s BIGINT;
     h TEXT;
     p TEXT;
     wait_before TEXT;
   BEGIN
     IF lock_wait_ms > 0 THEN
       wait_before := current_setting('lock_timeout');
       PERFORM set_config('lock_timeout', lock_wait_ms::text, true);
     END IF;
     PERFORM pg_advisory_xact_lock(lock_key);
     IF lock_wait_ms > 0 THEN
       PERFORM set_config('lock_timeout', wait_before, true);
     END IF;
     SELECT a.seq, a.hash INTO s, h FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
     s := COALESCE(s, 0);
     h := COALESCE(h, repeat('0', 64));
     FOR i IN 1 .. COALESCE(array_length(bodies, 1), 0) LOOP
       s := s + 1;
       p := h;
       h := encode(sha256(convert_to('[' || s::text || ',' || bodies[i] || ',"' || p || '"]', 'UTF8')), 'hex');
       INSERT INTO audit_events (seq, at, kind, actor, site_id, integrator_id, outcome, details, prev_hash, hash)
         VALUES (s, ats[i], kinds[i], actors[i], site_ids[i], integrator_ids[i], outcomes[i], details[i], p, h);
       out_seq := s;
       out_prev_hash := p;
       out_hash := h;
       RETURN NEXT;
     END LOOP;
     INSERT INTO settings (key, value) VALUES ('audit.head', '{"seq":' || s::text || ',"hash":"' || h || '"}')
       ON CONFLICT (key) DO UPDATE SET value = excluded.value;
   END
   $fn$;`,
];

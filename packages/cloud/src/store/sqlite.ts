// The embedded store: one SQLite file in WAL mode, safe for the admin CLI to open while the Cloud runs.
import Database from 'better-sqlite3';
import { privateDir, privateSqliteFile } from './private-files.js';
import { dirname } from 'node:path';
import type { ErrorDetails, Integration } from '@conduit/protocol';
import { chainEvent, GENESIS } from '../audit/chain.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteWriter } from './sqlite-writer.js';
import {
  auditFromRow, auditSelect, failCutOff, INSERT_QUERY, INSERT_REGISTERED, INSERT_SITE, integrationFromRow, pageFromRow, queryFromRow, queryParams, registeredFromRow,
  registeredParams, siteFromRow, siteParams, siteUpdate, UPDATE_QUERY, UPDATE_REGISTERED, UPDATE_QUERY_STATE, queryStateParams, type Row,
} from './rows.js';
import type {
  AuditEvent, AuditFilter, IntegratorRecord, LinkRecord, NewAuditEvent, PageRecord, PairingCodeRecord, PracticeKey, QueryRecord,
  RegisteredRecord, RegisteredStatus, SiteRecord, Store,
} from './types.js';

export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly stmts;

  private writer?: SqliteWriter;

  constructor(private readonly file: string) {
    if (file !== ':memory:') {
      privateDir(dirname(file));
      privateSqliteFile(file);
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // SQLite's own default (2 MB; better-sqlite3 sets 16 MB). The hot pages are few (index right edges, the
    // chain head), and every commit scanned the whole page-cache hash table (pcache1TruncateUnsafe, 2 % of
    // the Cloud's time under load in a perf profile): the scan is proportional to the cache.
    this.db.pragma('cache_size = -2000');
    this.migrate();
    const d = this.db;
    this.stmts = {
      insertQuery: d.prepare(INSERT_QUERY),
      updateQuery: d.prepare(UPDATE_QUERY),
      updateQueryState: d.prepare(UPDATE_QUERY_STATE),
      query: d.prepare('SELECT * FROM queries WHERE id = ?'),
      integratorByKey: d.prepare(`SELECT i.id, i.name, i.created_at FROM integrator_keys k JOIN integrators i ON i.id = k.integrator_id WHERE k.key_hash = ?`),
      site: d.prepare('SELECT * FROM sites WHERE id = ?'),
      linkByKey: d.prepare('SELECT * FROM links WHERE public_key = ?'),
      auditHead: d.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1'),
      insertAudit: d.prepare('INSERT INTO audit_events (seq, at, kind, actor, site_id, integrator_id, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      setAuditHead: d.prepare("INSERT INTO settings (key, value) VALUES ('audit.head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    };
  }

  private readonly prepared = new Map<string, Database.Statement>();

  /** Statements are compiled once and reused: compiling costs more than running most of them. */
  private prep(sql: string): Database.Statement {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.prepared.set(sql, st);
    }
    return st;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    SQLITE_MIGRATIONS.forEach((sql, i) => {
      const version = i + 1;
      if (done.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      }).immediate();
    });
  }

  async createIntegrator(rec: IntegratorRecord, keys: { primary: string; secondary: string }): Promise<void> {
    this.db.transaction(() => {
      this.prep('INSERT INTO integrators (id, name, created_at) VALUES (?, ?, ?)').run(rec.id, rec.name, rec.createdAt);
      const ins = this.prep('INSERT INTO integrator_keys (key_hash, integrator_id, slot, created_at) VALUES (?, ?, ?, ?)');
      ins.run(keys.primary, rec.id, 'primary', rec.createdAt);
      ins.run(keys.secondary, rec.id, 'secondary', rec.createdAt);
    }).immediate();
  }

  async integratorByKeyHash(hash: string): Promise<IntegratorRecord | undefined> {
    const r = this.stmts.integratorByKey.get(hash) as Row | undefined;
    return r ? { id: r.id as string, name: r.name as string, createdAt: r.created_at as string } : undefined;
  }

  async listIntegrators(): Promise<IntegratorRecord[]> {
    return (this.prep('SELECT * FROM integrators ORDER BY created_at').all() as Row[]).map((r) => ({ id: r.id as string, name: r.name as string, createdAt: r.created_at as string }));
  }

  async linkByPublicKey(publicKey: string): Promise<LinkRecord | undefined> {
    const r = this.stmts.linkByKey.get(publicKey) as Row | undefined;
    return r ? { id: r.id as string, publicKey: r.public_key as string, siteId: r.site_id as string, createdAt: r.created_at as string } : undefined;
  }

  async createLinkAndSite(link: LinkRecord, site: SiteRecord): Promise<void> {
    this.db.transaction(() => {
      this.prep(INSERT_SITE).run(...siteParams(site));
      this.prep('INSERT INTO links (id, public_key, site_id, created_at) VALUES (?, ?, ?, ?)').run(link.id, link.publicKey, link.siteId, link.createdAt);
    }).immediate();
  }

  async updateSite(id: string, patch: Partial<Omit<SiteRecord, 'id'>>): Promise<void> {
    const u = siteUpdate(id, patch);
    if (u) this.prep(u.sql).run(...u.args);
  }

  async site(id: string): Promise<SiteRecord | undefined> {
    const r = this.stmts.site.get(id) as Row | undefined;
    return r ? siteFromRow(r) : undefined;
  }

  async sitesByPmsId(pmsType: SiteRecord['pmsType'], pmsSiteId: string): Promise<SiteRecord[]> {
    return (this.prep('SELECT * FROM sites WHERE pms_type = ? AND pms_site_id = ? ORDER BY created_at').all(pmsType, pmsSiteId) as Row[]).map(siteFromRow);
  }

  async listSites(): Promise<SiteRecord[]> {
    return (this.prep('SELECT * FROM sites ORDER BY created_at').all() as Row[]).map(siteFromRow);
  }

  async insertQuery(q: QueryRecord): Promise<void> {
    this.stmts.insertQuery.run(...queryParams(q));
  }

  async updateQuery(q: QueryRecord): Promise<void> {
    this.stmts.updateQuery.run(...queryParams(q));
  }

  async writeQueries(inserts: QueryRecord[], updates: QueryRecord[]): Promise<void> {
    this.db.transaction(() => {
      for (const q of inserts) this.stmts.insertQuery.run(...queryParams(q));
      for (const q of updates) this.stmts.updateQuery.run(...queryParams(q));
    })();
  }

  /**
   * Final updates and audit events from now on go to a writer thread with its own connection
   * (sqlite-writer.ts); a file store only. The Cloud starts it; the admin CLI and tests need not.
   */
  async startWriter(): Promise<void> {
    if (this.file === ':memory:' || this.writer) return;
    this.writer = await SqliteWriter.start(this.file);
  }

  /** With a writer thread this store keeps the order of the writes handed to it (Store.ordersWrites). */
  get ordersWrites(): boolean {
    return this.writer !== undefined;
  }

  /**
   * With the writer thread: final updates and audit events go to it; a batch of inserts alone is written
   * here at once unless the thread has writes outstanding (then it queues behind them, so the two
   * connections never contend for the write lock and writes keep the order they were handed over in).
   */
  async writeBatch(inserts: QueryRecord[], updates: QueryRecord[], events: NewAuditEvent[]): Promise<void> {
    const w = this.writer;
    if (w?.usable && (w.outstanding > 0 || updates.length + events.length > 0)) return w.write(inserts, updates, events);
    this.writeBatchNow(inserts, updates, events);
  }

  /** IMMEDIATE when it chains audit events (see appendChained); otherwise the first write takes the lock. */
  writeBatchNow(inserts: QueryRecord[], updates: QueryRecord[], events: NewAuditEvent[]): void {
    const tx = this.db.transaction(() => {
      for (const q of inserts) this.stmts.insertQuery.run(...queryParams(q));
      for (const q of updates) this.stmts.updateQueryState.run(...queryStateParams(q));
      if (events.length > 0) this.chain(events);
    });
    if (events.length > 0) tx.immediate();
    else tx();
  }

  async query(id: string): Promise<QueryRecord | undefined> {
    const r = this.stmts.query.get(id) as Row | undefined;
    return r ? queryFromRow(r) : undefined;
  }

  async failInterrupted(details: ErrorDetails, at: string, node?: string): Promise<string[]> {
    const open = (node === undefined
      ? this.prep('SELECT * FROM queries WHERE completed_at IS NULL').all()
      : this.prep('SELECT * FROM queries WHERE completed_at IS NULL AND node = ?').all(node)) as Row[];
    const rows = open.map(queryFromRow);
    const tx = this.db.transaction(() => {
      for (const q of rows) {
        failCutOff(q, details, at);
        this.stmts.updateQuery.run(...queryParams(q));
      }
    });
    tx.immediate();
    return rows.map((q) => q.id);
  }

  async integrations(p: PracticeKey): Promise<Integration[]> {
    return (this.prep('SELECT * FROM integrations WHERE pms_type = ? AND pms_site_id = ? ORDER BY integrator_id').all(p.pmsType, p.pmsSiteId) as Row[])
      .map(integrationFromRow);
  }

  async replaceIntegrations(p: PracticeKey, list: Integration[]): Promise<Integration[]> {
    const before = await this.integrations(p);
    this.db.transaction(() => {
      this.prep('DELETE FROM integrations WHERE pms_type = ? AND pms_site_id = ?').run(p.pmsType, p.pmsSiteId);
      const ins = this.prep('INSERT INTO integrations (pms_type, pms_site_id, integrator_id, enabled, access, allow_list, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const i of list) ins.run(p.pmsType, p.pmsSiteId, i.integratorId, i.enabled ? 1 : 0, i.access, i.allowList ? JSON.stringify(i.allowList) : null, i.updatedAt);
    }).immediate();
    return before;
  }

  async setPairingCode(p: PracticeKey, integratorId: string, c: PairingCodeRecord): Promise<void> {
    this.prep(`INSERT INTO pairing_codes (pms_type, pms_site_id, integrator_id, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (pms_type, pms_site_id, integrator_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, created_at = excluded.created_at`)
      .run(p.pmsType, p.pmsSiteId, integratorId, c.codeHash, c.expiresAt, c.createdAt);
  }

  async pairingCode(p: PracticeKey, integratorId: string): Promise<PairingCodeRecord | undefined> {
    const r = this.prep('SELECT * FROM pairing_codes WHERE pms_type = ? AND pms_site_id = ? AND integrator_id = ?').get(p.pmsType, p.pmsSiteId, integratorId) as Row | undefined;
    return r ? { codeHash: r.code_hash as string, expiresAt: r.expires_at as string, createdAt: r.created_at as string } : undefined;
  }

  async consumePairingCode(p: PracticeKey, integratorId: string, codeHash: string, at: string): Promise<boolean> {
    return this.db.transaction(() => {
      const del = this.prep('DELETE FROM pairing_codes WHERE pms_type = ? AND pms_site_id = ? AND integrator_id = ? AND code_hash = ?').run(p.pmsType, p.pmsSiteId, integratorId, codeHash);
      if (del.changes !== 1) return false;
      this.prep(`INSERT INTO pairings (pms_type, pms_site_id, integrator_id, paired_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (pms_type, pms_site_id, integrator_id) DO UPDATE SET paired_at = excluded.paired_at`).run(p.pmsType, p.pmsSiteId, integratorId, at);
      return true;
    }).immediate();
  }

  async isPaired(p: PracticeKey, integratorId: string): Promise<boolean> {
    return this.prep('SELECT 1 FROM pairings WHERE pms_type = ? AND pms_site_id = ? AND integrator_id = ?').get(p.pmsType, p.pmsSiteId, integratorId) !== undefined;
  }

  async promoteSite(siteId: string): Promise<SiteRecord[]> {
    return this.db.transaction(() => {
      const site = this.stmts.site.get(siteId) as Row | undefined;
      if (!site) throw new Error(`no site ${siteId}`);
      this.prep('UPDATE sites SET authoritative = 0, superseded_by = ? WHERE pms_type = ? AND pms_site_id = ? AND id <> ?').run(siteId, site.pms_type, site.pms_site_id, siteId);
      this.prep('UPDATE sites SET authoritative = 1, superseded_by = NULL WHERE id = ?').run(siteId);
      this.prep("INSERT INTO settings (key, value) VALUES ('sites.version', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1").run();
      return (this.prep('SELECT * FROM sites WHERE pms_type = ? AND pms_site_id = ? ORDER BY created_at').all(site.pms_type, site.pms_site_id) as Row[]).map(siteFromRow);
    }).immediate();
  }

  async appendAudit(e: NewAuditEvent): Promise<AuditEvent> {
    return this.appendChained([e])[0]!;
  }

  async appendAuditBatch(events: NewAuditEvent[]): Promise<void> {
    if (events.length > 0) this.appendChained(events);
  }

  /** IMMEDIATE: the admin CLI may append while the Cloud runs; the chain must stay linear. */
  private appendChained(events: NewAuditEvent[]): AuditEvent[] {
    return this.db.transaction(() => this.chain(events)).immediate();
  }

  /** Appends events after the chain's head; inside a transaction that holds the write lock. */
  private chain(events: NewAuditEvent[]): AuditEvent[] {
    const last = this.stmts.auditHead.get() as { seq: number; hash: string } | undefined;
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS;
    const out: AuditEvent[] = [];
    for (const e of events) {
      seq++;
      const { hash, detailsJson } = chainEvent(seq, prevHash, e);
      this.stmts.insertAudit.run(seq, e.at, e.kind, e.actor, e.siteId, e.integratorId, e.outcome, detailsJson, prevHash, hash);
      out.push({ ...e, seq, prevHash, hash });
      prevHash = hash;
    }
    this.stmts.setAuditHead.run(JSON.stringify({ seq, hash: prevHash }));
    return out;
  }

  async listAudit(f: AuditFilter): Promise<AuditEvent[]> {
    const { sql, args } = auditSelect(f);
    return (this.prep(sql).all(...args) as Row[]).map(auditFromRow).reverse();
  }

  async auditChain(): Promise<AuditEvent[]> {
    return (this.prep('SELECT * FROM audit_events ORDER BY rowid').all() as Row[]).map(auditFromRow);
  }

  async asyncWithoutWebhook(since: string): Promise<QueryRecord[]> {
    return (this.prep(`SELECT q.* FROM queries q JOIN integrator_webhooks w ON w.integrator_id = q.integrator_id
      WHERE q.mode = 'async' AND q.status = 'successful' AND q.completed_at >= ? AND q.completed_at >= w.updated_at
        AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.query_id = q.id)`).all(since) as Row[]).map(queryFromRow);
  }

  async addPage(p: PageRecord): Promise<void> {
    this.prep('INSERT INTO query_pages (query_id, page_number, size, rows, range_start, range_end) VALUES (?, ?, ?, ?, ?, ?)')
      .run(p.queryId, p.pageNumber, p.size, p.rows, p.rangeStart, p.rangeEnd);
  }

  async pages(queryId: string): Promise<PageRecord[]> {
    return (this.prep('SELECT * FROM query_pages WHERE query_id = ? ORDER BY page_number').all(queryId) as Row[]).map(pageFromRow);
  }

  async expiredResults(at: string): Promise<string[]> {
    return (this.prep('SELECT id FROM queries WHERE results_expire_at IS NOT NULL AND results_expire_at < ? AND EXISTS (SELECT 1 FROM query_pages p WHERE p.query_id = queries.id)').all(at) as { id: string }[]).map((r) => r.id);
  }

  async deletePages(queryId: string): Promise<void> {
    this.prep('DELETE FROM query_pages WHERE query_id = ?').run(queryId);
  }

  async insertRegistered(r: RegisteredRecord): Promise<void> {
    this.prep(INSERT_REGISTERED).run(...registeredParams(r));
  }

  async updateRegistered(r: RegisteredRecord): Promise<void> {
    this.prep(UPDATE_REGISTERED).run(...registeredParams(r));
  }

  async registered(id: string): Promise<RegisteredRecord | undefined> {
    const r = this.prep('SELECT * FROM registered_queries WHERE id = ?').get(id) as Row | undefined;
    return r ? registeredFromRow(r) : undefined;
  }

  async registeredForSite(siteId: string, status?: RegisteredStatus): Promise<RegisteredRecord[]> {
    const rows = status
      ? this.prep('SELECT * FROM registered_queries WHERE site_id = ? AND status = ? ORDER BY created_at').all(siteId, status)
      : this.prep('SELECT * FROM registered_queries WHERE site_id = ? ORDER BY created_at').all(siteId);
    return (rows as Row[]).map(registeredFromRow);
  }

  async completeExpiredRegistered(at: string): Promise<RegisteredRecord[]> {
    return this.db.transaction((): RegisteredRecord[] => {
      const due = (this.prep(`SELECT * FROM registered_queries WHERE status = 'enabled' AND expires_at <= ? ORDER BY expires_at`).all(at) as Row[])
        .map(registeredFromRow);
      // Completed as of its expiry, not of the sweep that noticed it.
      const end = this.prep(`UPDATE registered_queries SET status = 'completed', completed_at = expires_at WHERE id = ? AND status = 'enabled'`);
      for (const r of due) {
        end.run(r.id);
        r.status = 'completed';
        r.completedAt = r.expiresAt;
      }
      return due;
    }).immediate();
  }

  async claimLease(name: string, holder: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const r = this.prep(`INSERT INTO leases (name, holder, until_ms) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
      WHERE leases.holder = excluded.holder OR leases.until_ms <= ?`).run(name, holder, nowMs + leaseMs, nowMs);
    return r.changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.prep('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = this.prep('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.prep('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async setSettingOnce(key: string, value: string): Promise<string> {
    this.prep('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(key, value);
    return (this.prep('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value;
  }

  async ping(): Promise<void> {
    this.prep('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.db.close();
  }
}

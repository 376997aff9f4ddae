// The cluster store: the same Store on PostgreSQL, shared by every Cloud node. Claims that must happen once
// across nodes use row locks (FOR UPDATE SKIP LOCKED) or one conditional UPDATE; audit appends are serialised
// by a transaction-scoped advisory lock so the hash chain stays one line with several writers.
import type { ErrorDetails, Integration } from '@conduit/protocol';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { PgPool } from './pg-pool.js';
import { PgWritePipe } from './pg-write-pipe.js';
import {
  auditFromRow, auditSelect, failCutOff, INSERT_REGISTERED, INSERT_SITE, integrationFromRow, pageFromRow, queryFromRow, queryParams, registeredFromRow,
  registeredParams, siteFromRow, siteParams, siteUpdate, UPDATE_QUERY, UPDATE_REGISTERED,
} from './rows.js';
import type {
  AuditEvent, AuditFilter, IntegratorRecord, LinkRecord, NewAuditEvent, PageRecord, PairingCodeRecord, PracticeKey, QueryRecord,
  RegisteredRecord, RegisteredStatus, SiteRecord, Store,
} from './types.js';

export interface PgStoreOptions {
  /** Connections in this node's pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** PostgreSQL ends a session left idle inside a transaction this long (default 30 s; see PgPool). */
  idleInTransactionMs?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export class PgStore implements Store {
  private readonly pipe: PgWritePipe;

  /** The schema steps this store applied as it opened (none when another node, or an earlier start, had). */
  applied: number[] = [];

  private constructor(readonly db: PgPool) {
    this.pipe = new PgWritePipe(db);
  }

  /** Connects and applies the missing migrations (nodes starting at once wait for each other). */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const db = new PgPool(url, opts.poolSize ?? 10, opts.connectTimeoutMs ?? 10_000, opts.idleInTransactionMs ?? 30_000);
    let applied: number[];
    try {
      applied = await db.migrate(PG_MIGRATIONS);
    } catch (e) {
      await db.end().catch(() => undefined);
      throw e;
    }
    const store = new PgStore(db);
    store.applied = applied;
    return store;
  }

  async createIntegrator(rec: IntegratorRecord, keys: { primary: string; secondary: string }): Promise<void> {
    await this.db.tx(async (t) => {
      await t.run('INSERT INTO integrators (id, name, created_at) VALUES (?, ?, ?)', [rec.id, rec.name, rec.createdAt]);
      const ins = 'INSERT INTO integrator_keys (key_hash, integrator_id, slot, created_at) VALUES (?, ?, ?, ?)';
      await t.run(ins, [keys.primary, rec.id, 'primary', rec.createdAt]);
      await t.run(ins, [keys.secondary, rec.id, 'secondary', rec.createdAt]);
    });
  }

  async integratorByKeyHash(hash: string): Promise<IntegratorRecord | undefined> {
    const [r] = await this.db.query('SELECT i.id, i.name, i.created_at FROM integrator_keys k JOIN integrators i ON i.id = k.integrator_id WHERE k.key_hash = ?', [hash]);
    return r ? { id: r.id as string, name: r.name as string, createdAt: r.created_at as string } : undefined;
  }

  async listIntegrators(): Promise<IntegratorRecord[]> {
    return (await this.db.query('SELECT * FROM integrators ORDER BY created_at, id')).map((r) => ({ id: r.id as string, name: r.name as string, createdAt: r.created_at as string }));
  }

  async linkByPublicKey(publicKey: string): Promise<LinkRecord | undefined> {
    const [r] = await this.db.query('SELECT * FROM links WHERE public_key = ?', [publicKey]);
    return r ? { id: r.id as string, publicKey: r.public_key as string, siteId: r.site_id as string, createdAt: r.created_at as string } : undefined;
  }

  async createLinkAndSite(link: LinkRecord, site: SiteRecord): Promise<void> {
    await this.db.tx(async (t) => {
      await t.run(INSERT_SITE, siteParams(site));
      await t.run('INSERT INTO links (id, public_key, site_id, created_at) VALUES (?, ?, ?, ?)', [link.id, link.publicKey, link.siteId, link.createdAt]);
    });
  }

  async updateSite(id: string, patch: Partial<Omit<SiteRecord, 'id'>>): Promise<void> {
    const u = siteUpdate(id, patch);
    if (u) await this.db.run(u.sql, u.args);
  }

  async site(id: string): Promise<SiteRecord | undefined> {
    const [r] = await this.db.query('SELECT * FROM sites WHERE id = ?', [id]);
    return r ? siteFromRow(r) : undefined;
  }

  async sitesByPmsId(pmsType: SiteRecord['pmsType'], pmsSiteId: string): Promise<SiteRecord[]> {
    return (await this.db.query('SELECT * FROM sites WHERE pms_type = ? AND pms_site_id = ? ORDER BY created_at, id', [pmsType, pmsSiteId])).map(siteFromRow);
  }

  async listSites(): Promise<SiteRecord[]> {
    return (await this.db.query('SELECT * FROM sites ORDER BY created_at, id')).map(siteFromRow);
  }

  /** The pipe below keeps the order of the writes it is given (Store.ordersWrites). */
  readonly ordersWrites = true;

  // Query records and audit events go through one group-committing pipe (pg-write-pipe.ts). Records are
  // upserted: an insert, an update and a turn's batch all store the record's current state.
  async insertQuery(q: QueryRecord): Promise<void> {
    await this.pipe.write([q], [], true);
  }

  async updateQuery(q: QueryRecord): Promise<void> {
    await this.pipe.write([q], [], true);
  }

  /** A turn's record writes (store/write-behind.ts); with no insert they are a turn's final updates, which may wait to ride along. */
  async writeQueries(inserts: QueryRecord[], updates: QueryRecord[]): Promise<void> {
    await this.pipe.write([...inserts, ...updates], [], inserts.length > 0);
  }

  async query(id: string): Promise<QueryRecord | undefined> {
    const [r] = await this.db.query('SELECT * FROM queries WHERE id = ?', [id]);
    return r ? queryFromRow(r) : undefined;
  }

  async failInterrupted(details: ErrorDetails, at: string, node?: string): Promise<string[]> {
    return this.db.tx(async (t) => {
      // Rows another node is updating right now are skipped: that node is alive and finishing them.
      const rows = (node === undefined
        ? await t.query('SELECT * FROM queries WHERE completed_at IS NULL ORDER BY created_at FOR UPDATE SKIP LOCKED')
        : await t.query('SELECT * FROM queries WHERE completed_at IS NULL AND node = ? ORDER BY created_at FOR UPDATE SKIP LOCKED', [node])).map(queryFromRow);
      for (const q of rows) {
        failCutOff(q, details, at);
        await t.run(UPDATE_QUERY, queryParams(q));
      }
      return rows.map((q) => q.id);
    });
  }

  async integrations(p: PracticeKey): Promise<Integration[]> {
    return (await this.db.query('SELECT * FROM integrations WHERE pms_type = ? AND pms_site_id = ? ORDER BY integrator_id', [p.pmsType, p.pmsSiteId])).map(integrationFromRow);
  }

  async replaceIntegrations(p: PracticeKey, list: Integration[]): Promise<Integration[]> {
    return this.db.tx(async (t) => {
      // Lock the practice's rows first so two nodes replacing at once each see the other's result as "before".
      const before = (await t.query('SELECT * FROM integrations WHERE pms_type = ? AND pms_site_id = ? ORDER BY integrator_id FOR UPDATE', [p.pmsType, p.pmsSiteId]))
        .map(integrationFromRow);
      await t.run('DELETE FROM integrations WHERE pms_type = ? AND pms_site_id = ?', [p.pmsType, p.pmsSiteId]);
      for (const i of list) {
        await t.run('INSERT INTO integrations (pms_type, pms_site_id, integrator_id, enabled, access, allow_list, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [p.pmsType, p.pmsSiteId, i.integratorId, i.enabled, i.access, i.allowList ? JSON.stringify(i.allowList) : null, i.updatedAt]);
      }
      return before;
    });
  }

  async setPairingCode(p: PracticeKey, integratorId: string, c: PairingCodeRecord): Promise<void> {
    await this.db.run(`INSERT INTO pairing_codes (pms_type, pms_site_id, integrator_id, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (pms_type, pms_site_id, integrator_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, created_at = excluded.created_at`,
    [p.pmsType, p.pmsSiteId, integratorId, c.codeHash, c.expiresAt, c.createdAt]);
  }

  async pairingCode(p: PracticeKey, integratorId: string): Promise<PairingCodeRecord | undefined> {
    const [r] = await this.db.query('SELECT * FROM pairing_codes WHERE pms_type = ? AND pms_site_id = ? AND integrator_id = ?', [p.pmsType, p.pmsSiteId, integratorId]);
    return r ? { codeHash: r.code_hash as string, expiresAt: r.expires_at as string, createdAt: r.created_at as string } : undefined;
  }

  async consumePairingCode(p: PracticeKey, integratorId: string, codeHash: string, at: string): Promise<boolean> {
    return this.db.tx(async (t) => {
      // The DELETE takes the row lock: of two nodes consuming the same code, one deletes it, the other finds none.
      const n = await t.run('DELETE FROM pairing_codes WHERE pms_type = ? AND pms_site_id = ? AND integrator_id = ? AND code_hash = ?', [p.pmsType, p.pmsSiteId, integratorId, codeHash]);
      if (n !== 1) return false;
      await t.run(`INSERT INTO pairings (pms_type, pms_site_id, integrator_id, paired_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (pms_type, pms_site_id, integrator_id) DO UPDATE SET paired_at = excluded.paired_at`, [p.pmsType, p.pmsSiteId, integratorId, at]);
      return true;
    });
  }

  async isPaired(p: PracticeKey, integratorId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM pairings WHERE pms_type = ? AND pms_site_id = ? AND integrator_id = ?', [p.pmsType, p.pmsSiteId, integratorId])).length > 0;
  }

  async promoteSite(siteId: string): Promise<SiteRecord[]> {
    return this.db.tx(async (t) => {
      const [site] = await t.query('SELECT * FROM sites WHERE id = ? FOR UPDATE', [siteId]);
      if (!site) throw new Error(`no site ${siteId}`);
      await t.run('UPDATE sites SET authoritative = FALSE, superseded_by = ? WHERE pms_type = ? AND pms_site_id = ? AND id <> ?', [siteId, site.pms_type, site.pms_site_id, siteId]);
      await t.run('UPDATE sites SET authoritative = TRUE, superseded_by = NULL WHERE id = ?', [siteId]);
      await t.run(`INSERT INTO settings (key, value) VALUES ('sites.version', '1')
        ON CONFLICT (key) DO UPDATE SET value = (CAST(settings.value AS INTEGER) + 1)::text`);
      return (await t.query('SELECT * FROM sites WHERE pms_type = ? AND pms_site_id = ? ORDER BY created_at, id', [site.pms_type, site.pms_site_id])).map(siteFromRow);
    });
  }

  async appendAudit(e: NewAuditEvent): Promise<AuditEvent> {
    return (await this.pipe.write([], [e], true))[0]!;
  }

  /**
   * Several nodes append to one chain: conduit_audit_append (pg-migrations.ts) takes a transaction-scoped
   * advisory lock, reads the head inside it and chains the batch within one statement, so each event links to
   * the one committed just before it and the lock is held for no network round trip. Query events (already
   * batched by the audit log) may wait to ride with the next record write; any other kind goes at once.
   */
  async appendAuditBatch(events: NewAuditEvent[]): Promise<void> {
    if (events.length > 0) await this.pipe.write([], events, events.some((e) => e.kind !== 'query'));
  }

  async listAudit(f: AuditFilter): Promise<AuditEvent[]> {
    const { sql, args } = auditSelect(f);
    return (await this.db.query(sql, args)).map(auditFromRow).reverse();
  }

  async auditChain(): Promise<AuditEvent[]> {
    return (await this.db.query('SELECT * FROM audit_events ORDER BY seq')).map(auditFromRow);
  }

  async asyncWithoutWebhook(since: string): Promise<QueryRecord[]> {
    return (await this.db.query(`SELECT q.* FROM queries q JOIN integrator_webhooks w ON w.integrator_id = q.integrator_id
      WHERE q.mode = 'async' AND q.status = 'successful' AND q.completed_at >= ? AND q.completed_at >= w.updated_at
        AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.query_id = q.id) ORDER BY q.completed_at`, [since])).map(queryFromRow);
  }

  async addPage(p: PageRecord): Promise<void> {
    await this.db.run('INSERT INTO query_pages (query_id, page_number, size, rows, range_start, range_end) VALUES (?, ?, ?, ?, ?, ?)',
      [p.queryId, p.pageNumber, p.size, p.rows, p.rangeStart, p.rangeEnd]);
  }

  async pages(queryId: string): Promise<PageRecord[]> {
    return (await this.db.query('SELECT * FROM query_pages WHERE query_id = ? ORDER BY page_number', [queryId])).map(pageFromRow);
  }

  async expiredResults(at: string): Promise<string[]> {
    return (await this.db.query(`SELECT id FROM queries WHERE results_expire_at IS NOT NULL AND results_expire_at < ?
      AND EXISTS (SELECT 1 FROM query_pages p WHERE p.query_id = queries.id) ORDER BY results_expire_at`, [at])).map((r) => r.id as string);
  }

  async deletePages(queryId: string): Promise<void> {
    await this.db.run('DELETE FROM query_pages WHERE query_id = ?', [queryId]);
  }

  async insertRegistered(r: RegisteredRecord): Promise<void> {
    await this.db.run(INSERT_REGISTERED, registeredParams(r));
  }

  async updateRegistered(r: RegisteredRecord): Promise<void> {
    await this.db.run(UPDATE_REGISTERED, registeredParams(r));
  }

  async registered(id: string): Promise<RegisteredRecord | undefined> {
    const [r] = await this.db.query('SELECT * FROM registered_queries WHERE id = ?', [id]);
    return r ? registeredFromRow(r) : undefined;
  }

  async registeredForSite(siteId: string, status?: RegisteredStatus): Promise<RegisteredRecord[]> {
    const rows = status
      ? await this.db.query('SELECT * FROM registered_queries WHERE site_id = ? AND status = ? ORDER BY created_at, id', [siteId, status])
      : await this.db.query('SELECT * FROM registered_queries WHERE site_id = ? ORDER BY created_at, id', [siteId]);
    return rows.map(registeredFromRow);
  }

  async completeExpiredRegistered(at: string): Promise<RegisteredRecord[]> {
    // Rows another node is ending are skipped, not waited for; the UPDATE ... RETURNING gives this caller exactly
    // the rows it ended.
    const rows = await this.db.query(`WITH due AS (
        SELECT id FROM registered_queries WHERE status = 'enabled' AND expires_at <= ? FOR UPDATE SKIP LOCKED)
      UPDATE registered_queries r SET status = 'completed', completed_at = r.expires_at FROM due WHERE r.id = due.id
      RETURNING r.*`, [at]);
    return rows.map(registeredFromRow).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  }

  async claimLease(name: string, holder: string, nowMs: number, leaseMs: number): Promise<boolean> {
    // One statement: the row lock of the upsert decides between nodes claiming at once.
    const n = await this.db.run(`INSERT INTO leases (name, holder, until_ms) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
      WHERE leases.holder = excluded.holder OR leases.until_ms <= ?`, [name, holder, nowMs + leaseMs, nowMs]);
    return n === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const [r] = await this.db.query('SELECT value FROM settings WHERE key = ?', [key]);
    return r?.value as string | undefined;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async setSettingOnce(key: string, value: string): Promise<string> {
    await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value]);
    const [r] = await this.db.query('SELECT value FROM settings WHERE key = ?', [key]);
    return r!.value as string;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

// The embedded store: one SQLite file in WAL mode, safe for the admin CLI to open while the Cloud runs.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ErrorDetails } from '@conduit/protocol';
import { SQLITE_MIGRATIONS } from './migrations.js';
import type { IntegratorRecord, LinkRecord, QueryRecord, SiteRecord, Store } from './types.js';

type Row = Record<string, unknown>;

function siteFromRow(r: Row): SiteRecord {
  return {
    id: r.id as string, linkId: r.link_id as string, pmsType: r.pms_type as SiteRecord['pmsType'],
    pmsSiteId: r.pms_site_id as string, practiceName: r.practice_name as string, pmsVersion: r.pms_version as string,
    linkVersion: r.link_version as string, catalogues: JSON.parse(r.catalogues as string) as SiteRecord['catalogues'],
    authoritative: r.authoritative === 1, status: r.status as SiteRecord['status'], createdAt: r.created_at as string,
    enrichedAt: r.enriched_at as string, lastHeardAt: (r.last_heard_at as string | null) ?? null,
    clientTimestamp: (r.client_timestamp as string | null) ?? null, session: r.session as SiteRecord['session'],
  };
}

const SITE_COLUMNS: Record<keyof Omit<SiteRecord, 'id'>, string> = {
  linkId: 'link_id', pmsType: 'pms_type', pmsSiteId: 'pms_site_id', practiceName: 'practice_name', pmsVersion: 'pms_version',
  linkVersion: 'link_version', catalogues: 'catalogues', authoritative: 'authoritative', status: 'status', createdAt: 'created_at',
  enrichedAt: 'enriched_at', lastHeardAt: 'last_heard_at', clientTimestamp: 'client_timestamp', session: 'session',
};

function siteValue(key: keyof SiteRecord, v: unknown): unknown {
  if (key === 'catalogues') return JSON.stringify(v);
  if (key === 'authoritative') return v ? 1 : 0;
  return v;
}

function queryFromRow(r: Row): QueryRecord {
  return {
    id: r.id as string, integratorId: r.integrator_id as string, siteId: r.site_id as string, mode: r.mode as QueryRecord['mode'],
    status: r.status as QueryRecord['status'], maxTimeInQueue: r.max_time_in_queue as number, commandSize: r.command_size as number,
    requestSize: r.request_size as number, commandHash: r.command_hash as string, executionMode: r.execution_mode as QueryRecord['executionMode'],
    createdAt: r.created_at as string, updatedAt: r.updated_at as string, completedAt: (r.completed_at as string | null) ?? null,
    statusTiming: JSON.parse(r.status_timing as string) as QueryRecord['statusTiming'],
    sqlExecutionDuration: (r.sql_execution_duration as number | null) ?? null, resultSize: (r.result_size as number | null) ?? null,
    rows: (r.rows as number | null) ?? null, rowsAffected: (r.rows_affected as number | null) ?? null,
    errorDetails: r.error_details ? (JSON.parse(r.error_details as string) as ErrorDetails) : null,
  };
}

function queryParams(q: QueryRecord): unknown[] {
  return [q.integratorId, q.siteId, q.mode, q.status, q.maxTimeInQueue, q.commandSize, q.requestSize, q.commandHash,
    q.executionMode, q.createdAt, q.updatedAt, q.completedAt, JSON.stringify(q.statusTiming), q.sqlExecutionDuration,
    q.resultSize, q.rows, q.rowsAffected, q.errorDetails ? JSON.stringify(q.errorDetails) : null, q.id];
}

export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const d = this.db;
    this.stmts = {
      insertQuery: d.prepare(`INSERT INTO queries (integrator_id, site_id, mode, status, max_time_in_queue, command_size, request_size,
        command_hash, execution_mode, created_at, updated_at, completed_at, status_timing, sql_execution_duration, result_size, rows,
        rows_affected, error_details, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      updateQuery: d.prepare(`UPDATE queries SET integrator_id=?, site_id=?, mode=?, status=?, max_time_in_queue=?, command_size=?,
        request_size=?, command_hash=?, execution_mode=?, created_at=?, updated_at=?, completed_at=?, status_timing=?,
        sql_execution_duration=?, result_size=?, rows=?, rows_affected=?, error_details=? WHERE id=?`),
      query: d.prepare('SELECT * FROM queries WHERE id = ?'),
      integratorByKey: d.prepare(`SELECT i.id, i.name, i.created_at FROM integrator_keys k JOIN integrators i ON i.id = k.integrator_id WHERE k.key_hash = ?`),
      site: d.prepare('SELECT * FROM sites WHERE id = ?'),
      linkByKey: d.prepare('SELECT * FROM links WHERE public_key = ?'),
    };
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
      this.db.prepare('INSERT INTO integrators (id, name, created_at) VALUES (?, ?, ?)').run(rec.id, rec.name, rec.createdAt);
      const ins = this.db.prepare('INSERT INTO integrator_keys (key_hash, integrator_id, slot, created_at) VALUES (?, ?, ?, ?)');
      ins.run(keys.primary, rec.id, 'primary', rec.createdAt);
      ins.run(keys.secondary, rec.id, 'secondary', rec.createdAt);
    }).immediate();
  }

  async integratorByKeyHash(hash: string): Promise<IntegratorRecord | undefined> {
    const r = this.stmts.integratorByKey.get(hash) as Row | undefined;
    return r ? { id: r.id as string, name: r.name as string, createdAt: r.created_at as string } : undefined;
  }

  async listIntegrators(): Promise<IntegratorRecord[]> {
    return (this.db.prepare('SELECT * FROM integrators ORDER BY created_at').all() as Row[]).map((r) => ({ id: r.id as string, name: r.name as string, createdAt: r.created_at as string }));
  }

  async linkByPublicKey(publicKey: string): Promise<LinkRecord | undefined> {
    const r = this.stmts.linkByKey.get(publicKey) as Row | undefined;
    return r ? { id: r.id as string, publicKey: r.public_key as string, siteId: r.site_id as string, createdAt: r.created_at as string } : undefined;
  }

  async createLinkAndSite(link: LinkRecord, site: SiteRecord): Promise<void> {
    this.db.transaction(() => {
      const cols = Object.values(SITE_COLUMNS);
      const keys = Object.keys(SITE_COLUMNS) as (keyof SiteRecord)[];
      this.db.prepare(`INSERT INTO sites (id, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`)
        .run(site.id, ...keys.map((k) => siteValue(k, site[k])));
      this.db.prepare('INSERT INTO links (id, public_key, site_id, created_at) VALUES (?, ?, ?, ?)').run(link.id, link.publicKey, link.siteId, link.createdAt);
    }).immediate();
  }

  async updateSite(id: string, patch: Partial<Omit<SiteRecord, 'id'>>): Promise<void> {
    const keys = Object.keys(patch) as (keyof Omit<SiteRecord, 'id'>)[];
    if (keys.length === 0) return;
    this.db.prepare(`UPDATE sites SET ${keys.map((k) => `${SITE_COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`)
      .run(...keys.map((k) => siteValue(k, patch[k])), id);
  }

  async site(id: string): Promise<SiteRecord | undefined> {
    const r = this.stmts.site.get(id) as Row | undefined;
    return r ? siteFromRow(r) : undefined;
  }

  async sitesByPmsId(pmsType: SiteRecord['pmsType'], pmsSiteId: string): Promise<SiteRecord[]> {
    return (this.db.prepare('SELECT * FROM sites WHERE pms_type = ? AND pms_site_id = ? ORDER BY created_at').all(pmsType, pmsSiteId) as Row[]).map(siteFromRow);
  }

  async listSites(): Promise<SiteRecord[]> {
    return (this.db.prepare('SELECT * FROM sites ORDER BY created_at').all() as Row[]).map(siteFromRow);
  }

  async insertQuery(q: QueryRecord): Promise<void> {
    this.stmts.insertQuery.run(...queryParams(q));
  }

  async updateQuery(q: QueryRecord): Promise<void> {
    this.stmts.updateQuery.run(...queryParams(q));
  }

  async query(id: string): Promise<QueryRecord | undefined> {
    const r = this.stmts.query.get(id) as Row | undefined;
    return r ? queryFromRow(r) : undefined;
  }

  async failInterrupted(details: ErrorDetails, at: string): Promise<number> {
    const open = (this.db.prepare('SELECT * FROM queries WHERE completed_at IS NULL').all() as Row[]).map(queryFromRow);
    const tx = this.db.transaction(() => {
      for (const q of open) {
        q.status = 'executionFailed';
        q.errorDetails = details;
        q.completedAt = at;
        q.updatedAt = at;
        this.stmts.updateQuery.run(...queryParams(q));
      }
    });
    tx.immediate();
    return open.length;
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

// The practice's "Setup third-party integrations" tick boxes as SQL Server sees them. In real Bp
// Premier every third-party integration the practice enables gets its own database login; unticking
// it cuts that login, and SQL Server then refuses it (error 18456, "Login failed for user '<name>'").
// The simulator keeps this in an extra table that is not part of Bp's schema, SIM_INTEGRATION_LOGIN,
// so the legacy Connector (and anything else that connects "with its own login") can ask whether it
// would still get in.
//
// A login with no row counts as ENABLED: databases made before this table existed, and setups that
// never touch it, behave exactly as before. The table is made by createPracticeDatabase and, on an
// older file, the first time a login is ticked or unticked.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { BpSimDatabase } from './database.js';
import { SqlServerError } from './errors.js';
import { enableCollation } from './collation-extension.js';

/** The simulation-only table (login names compare case-insensitively, as SQL Server's do by default). */
export const SIM_INTEGRATION_LOGIN_TABLE = 'SIM_INTEGRATION_LOGIN';
export const SIM_INTEGRATION_LOGIN_DDL = `CREATE TABLE IF NOT EXISTS ${SIM_INTEGRATION_LOGIN_TABLE} (NAME TEXT PRIMARY KEY COLLATE NOCASE, ENABLED INTEGER NOT NULL DEFAULT 1)`;

/** SQL Server's error number for a refused login. */
export const LOGIN_FAILED = 18456;

/** The error SQL Server gives a login that has been cut. */
export function loginFailedError(name: string): SqlServerError {
  return new SqlServerError(LOGIN_FAILED, `Login failed for user '${name}'.`, 14);
}

/** Creates SIM_INTEGRATION_LOGIN if the file does not have it yet (needs a writable connection). */
export function ensureIntegrationLoginTable(raw: Database.Database): void {
  raw.exec(SIM_INTEGRATION_LOGIN_DDL);
}

function withFile<T>(dbFile: string, f: (raw: Database.Database) => T): T {
  if (!existsSync(dbFile)) throw new Error(`practice database not found: ${dbFile}`);
  const raw = new Database(dbFile, { fileMustExist: true, timeout: 5000 });
  enableCollation(raw);
  try {
    return f(raw);
  } finally {
    raw.close();
  }
}

/** Ticks (enabled = true) or unticks the integration login `name` in the practice database file. */
export function setIntegrationLogin(dbFile: string, name: string, enabled: boolean): void {
  if (name.trim() === '') throw new Error('an integration login needs a name');
  withFile(dbFile, (raw) => {
    ensureIntegrationLoginTable(raw);
    raw.prepare(`INSERT INTO ${SIM_INTEGRATION_LOGIN_TABLE} (NAME, ENABLED) VALUES (?, ?) ON CONFLICT(NAME) DO UPDATE SET ENABLED = excluded.ENABLED`)
      .run(name, enabled ? 1 : 0);
  });
}

function enabledOn(raw: Database.Database, name: string): boolean {
  if (!hasTable(raw)) return true;
  const row = raw.prepare(`SELECT ENABLED FROM ${SIM_INTEGRATION_LOGIN_TABLE} WHERE NAME = ?`).get(name) as { ENABLED: number | null } | undefined;
  return row === undefined || row.ENABLED !== 0;
}

/**
 * Whether SQL Server would still let the login `name` in: false only when the practice unticked it.
 * A name with no row (or a file without the table) is enabled. Takes an open database or a file.
 */
export function integrationLoginEnabled(db: BpSimDatabase | string, name: string): boolean {
  if (typeof db === 'string') return withFile(db, (raw) => enabledOn(raw, name));
  return enabledOn(db.raw, name);
}

/** One recorded login and whether it is ticked. */
export interface IntegrationLogin {
  name: string;
  enabled: boolean;
}

function hasTable(raw: Database.Database): boolean {
  return !!raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(SIM_INTEGRATION_LOGIN_TABLE);
}

function listOn(raw: Database.Database): IntegrationLogin[] {
  if (!hasTable(raw)) return [];
  const rows = raw.prepare(`SELECT NAME, ENABLED FROM ${SIM_INTEGRATION_LOGIN_TABLE} ORDER BY NAME COLLATE NOCASE, NAME`).all() as { NAME: string; ENABLED: number | null }[];
  return rows.map((r) => ({ name: r.NAME, enabled: r.ENABLED !== 0 }));
}

/** Every login the practice database records, ticked or not, by name (none for a file without the table). */
export function listIntegrationLogins(db: BpSimDatabase | string): IntegrationLogin[] {
  if (typeof db === 'string') return withFile(db, listOn);
  return listOn(db.raw);
}

/**
 * Records the login `name` as ticked unless the file already has a row for it: a row the practice
 * unticked stays unticked. Returns whether a row was added.
 */
export function recordIntegrationLogin(dbFile: string, name: string): boolean {
  if (name.trim() === '') throw new Error('an integration login needs a name');
  return withFile(dbFile, (raw) => {
    ensureIntegrationLoginTable(raw);
    return raw.prepare(`INSERT INTO ${SIM_INTEGRATION_LOGIN_TABLE} (NAME, ENABLED) VALUES (?, 1) ON CONFLICT(NAME) DO NOTHING`).run(name).changes > 0;
  });
}

/** Sets the Bp Premier version the practice reports (PRACTICE.PMSVERSION), e.g. after an upgrade. */
export function setPmsVersion(dbFile: string, version: string): void {
  if (version.trim() === '') throw new Error('a PMS version is not empty');
  withFile(dbFile, (raw) => {
    const r = raw.prepare('UPDATE PRACTICE SET PMSVERSION = ? WHERE PRACTICEID = (SELECT MIN(PRACTICEID) FROM PRACTICE)').run(version);
    if (r.changes === 0) throw new Error(`${dbFile} has no PRACTICE row; was it created with createPracticeDatabase?`);
  });
}

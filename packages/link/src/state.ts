// The Link's local state: its Ed25519 identity, the Cloud key it trusts, and the ids the Cloud gave it.
// Kept in a small SQLite file readable only by the service account (mode 0600).
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { newIdentity, importIdentity, exportPrivateKey, type Identity, type Integration } from '@conduit/protocol';
import { StateLock } from './state-lock.js';
import { assertLinkStateFile } from './state-check.js';

export class LinkState {
  private readonly db: Database.Database;
  private readonly lock: StateLock;

  constructor(file: string) {
    assertLinkStateFile(file);
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Before anything is read or written: a second Link on this file is refused (state-lock.ts).
      this.lock = StateLock.acquire(file);
    } catch (e) {
      throw LinkState.explain(e, file);
    }
    try {
      this.db = this.open(file);
    } catch (e) {
      this.lock.release();
      throw LinkState.explain(e, file);
    }
  }

  /** A file system refusal, in words: which file, what it holds, and what to do. */
  private static explain(e: unknown, file: string): unknown {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (!['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM'].some((c) => code.startsWith(c))) return e;
    return new Error(`cannot write the Link's state file ${file} (${(e as Error).message}). It keeps the Link's identity and the practice's `
      + `integration settings, with ${file}-wal, -shm and .lock beside it. Run the Link as the account that owns it, give this account `
      + `write access to ${dirname(file)}, or choose a writable place with --state (a new state file registers as a second, non-authoritative server).`, { cause: e });
  }

  private open(file: string): Database.Database {
    // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode,
    // and the private key passes through the WAL.
    closeSync(openSync(file, 'a', 0o600));
    // And files an earlier release left readable (its -wal and -shm were 0644).
    LinkState.private(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS integrations (integrator_id TEXT PRIMARY KEY, enabled INTEGER NOT NULL, access TEXT NOT NULL,
        allow_list TEXT, updated_at TEXT NOT NULL);`);
    return db;
  }

  private static private(file: string): void {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      try {
        chmodSync(f, 0o600);
      } catch {
        /* absent, or a filesystem without modes */
      }
    }
  }

  get(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  set(key: string, value: string): void {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** The identity is made once, on first start, and never leaves this file. */
  identity(): Identity {
    const stored = this.get('identity.privateKey');
    if (stored) return importIdentity(stored);
    const id = newIdentity();
    this.set('identity.privateKey', exportPrivateKey(id.privateKey));
    return id;
  }

  integrations(): Integration[] {
    const rows = this.db.prepare('SELECT * FROM integrations ORDER BY integrator_id').all() as { integrator_id: string; enabled: number; access: string; allow_list: string | null; updated_at: string }[];
    return rows.map((r) => ({
      integratorId: r.integrator_id, enabled: r.enabled === 1, access: r.access as Integration['access'],
      allowList: r.allow_list ? (JSON.parse(r.allow_list) as Integration['allowList']) : null, updatedAt: r.updated_at,
    }));
  }

  /** Replaces all integration settings at once (adopting the Cloud's copy after a server move). */
  replaceIntegrations(list: Integration[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM integrations').run();
      for (const i of list) this.saveIntegration(i);
    })();
  }

  saveIntegration(i: Integration): void {
    this.db.prepare(`INSERT INTO integrations (integrator_id, enabled, access, allow_list, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(integrator_id) DO UPDATE SET enabled = excluded.enabled, access = excluded.access, allow_list = excluded.allow_list, updated_at = excluded.updated_at`)
      .run(i.integratorId, i.enabled ? 1 : 0, i.access, i.allowList ? JSON.stringify(i.allowList) : null, i.updatedAt);
  }

  close(): void {
    this.db.close();
    this.lock.release();
  }
}

// The Link's local state: its Ed25519 identity, the Cloud key it trusts, and the ids the Cloud gave it.
// Kept in a small SQLite file readable only by the service account (mode 0600).
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { newIdentity, importIdentity, exportPrivateKey, type Identity } from '@conduit/protocol';

export class LinkState {
  private readonly db: Database.Database;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    try {
      chmodSync(file, 0o600);
    } catch {
      /* not fatal on filesystems without modes */
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

  close(): void {
    this.db.close();
  }
}

// The Store, webhook outbox and result page contracts on the single-node defaults: SQLite and files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { WebhookStore } from '../src/webhooks/store.js';
import { ResultFiles } from '../src/results/files.js';
import { storeSuite } from './store-suite.js';
import { outboxSuite } from './store-outbox-suite.js';
import { pagesSuite } from './store-pages-suite.js';

const files = new WeakMap<Store, string>();

storeSuite('SQLite', {
  async open() {
    const file = join(mkdtempSync(join(tmpdir(), 'conduit-store-')), 'cloud.db');
    const s = new SqliteStore(file);
    files.set(s, file);
    return s;
  },
  async reopen(store) {
    await store.close();
    const file = files.get(store)!;
    const s = new SqliteStore(file);
    files.set(s, file);
    return s;
  },
  async dump(store, table) {
    return (store as SqliteStore).db.prepare(`SELECT * FROM ${table}`).all();
  },
});

outboxSuite('SQLite', {
  async open() {
    const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'conduit-store-')), 'cloud.db'));
    return { store, outbox: new WebhookStore(store.db) };
  },
});

pagesSuite('files', {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'conduit-pages-'));
    return { pages: new ResultFiles(dir), close: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});

// The Store contract on the embedded SQLite store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { storeSuite } from './store-suite.js';

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

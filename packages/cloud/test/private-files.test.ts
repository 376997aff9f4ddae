import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteStore } from '../src/store/sqlite.js';
import { ResultFiles } from '../src/results/files.js';

const mode = (f: string): number => statSync(f).mode & 0o777;

test("the Cloud's store (its signing key) and its -wal and -shm, and its folder, are readable only by its account", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'conduit-private-')), 'data', 'cloud');
  const file = join(dir, 'cloud.db');
  const store = new SqliteStore(file);
  await store.setSetting('probe', 'x');
  assert.equal(mode(dir), 0o700);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, `${f} is ${mode(f).toString(8)}`);
  // Left readable by an earlier release: made private on the next start (the first connection stays open,
  // so the -wal and -shm are still there).
  chmodSync(dir, 0o755);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
  const again = new SqliteStore(file);
  assert.equal(await again.getSetting('probe'), 'x');
  assert.equal(mode(dir), 0o700);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f);
  again.db.close();
  store.db.close();
});

test('async result pages (patient data) are written readable only by the Cloud', async () => {
  const base = mkdtempSync(join(tmpdir(), 'conduit-private-'));
  const root = join(base, 'results');
  mkdirSync(root, { mode: 0o755 });
  chmodSync(root, 0o755);
  const files = new ResultFiles(root);
  assert.equal(mode(root), 0o700);
  const id = randomUUID();
  const w = files.open(id, 1);
  w.write(Buffer.from('[{"a":1}]'));
  await w.finish();
  assert.equal(mode(join(root, id)), 0o700);
  assert.equal(mode(join(root, id, '1.json')), 0o600);
  files.writeWhole(randomUUID(), Buffer.from('[]'));
});

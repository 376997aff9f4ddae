import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LinkState } from '../src/state.js';

const mode = (f: string): number => statSync(f).mode & 0o777;
const files = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`];

test("the state file and its -wal and -shm are readable only by the Link's account (the private key passes through the WAL)", () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-state-')), 'link-state.db');
  const state = new LinkState(file);
  state.identity();
  state.set('siteId', 'x');
  // Not yet checkpointed: the key is in the WAL, which is why the WAL's mode matters.
  assert.ok(readFileSync(`${file}-wal`).length > 0);
  for (const f of files(file)) {
    assert.ok(existsSync(f), f);
    assert.equal(mode(f), 0o600, `${f} is ${mode(f).toString(8)}`);
  }
});

test('files an earlier release left world-readable are made private when the Link opens them', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-state-')), 'link-state.db');
  // As an earlier release left it (open, so its -wal and -shm are there; no lock file then).
  const first = new Database(file);
  first.pragma('journal_mode = WAL');
  first.exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO kv VALUES ('siteId', 'x')");
  for (const f of files(file)) chmodSync(f, 0o644);
  const again = new LinkState(file);
  assert.equal(again.get('siteId'), 'x');
  for (const f of files(file)) assert.equal(mode(f), 0o600, f);
  again.close();
  first.close();
});

test('one Link per state file: a second open is refused, saying so, until the first is closed', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-state-')), 'link-state.db');
  const first = new LinkState(file);
  const key = first.identity().publicKeyB64;
  assert.throws(() => new LinkState(file), (e: Error) => {
    assert.equal(e.name, 'StateInUseError');
    assert.match(e.message, /another Conduit Link is already running with the state file .*link-state\.db/);
    assert.match(e.message, /stop the other one first/);
    return true;
  });
  // The refused open changed nothing, and the first still works.
  first.set('siteId', 'x');
  first.close();
  const again = new LinkState(file);
  assert.equal(again.identity().publicKeyB64, key);
  assert.equal(again.get('siteId'), 'x');
  assert.equal(mode(`${file}.lock`), 0o600);
  again.close();
});

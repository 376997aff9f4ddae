import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  assert.ok(!existsSync(`${file}.lock-journal`), 'the lock leaves no journal beside the state file');
  again.close();
});

test("a file that is not a Link's state (the practice database, another program's, a text file) is refused and left as it was", () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-state-'));
  const practice = join(dir, 'practice.db');
  const other = new Database(practice);
  other.exec("CREATE TABLE PATIENTS (INTERNALID INTEGER, SURNAME TEXT); INSERT INTO PATIENTS VALUES (1, 'Carter')");
  other.close();
  chmodSync(practice, 0o644);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database\n');
  for (const [file, why] of [[practice, /it holds another program's tables: PATIENTS/], [text, /not an SQLite database/], [dir, /it is a folder/]] as const) {
    const before = statSync(file);
    assert.throws(() => new LinkState(file), (e: Error) => {
      assert.match(e.message, /is not a Conduit Link state file/);
      assert.match(e.message, why);
      assert.match(e.message, /Give --state a new file/);
      return true;
    }, file);
    assert.equal(statSync(file).mode, before.mode, `${file} keeps its mode`);
  }
  const check = new Database(practice, { readonly: true });
  assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), [{ name: 'PATIENTS' }]);
  check.close();
  // The Link's own file opens as before.
  const own = join(dir, 'link-state.db');
  new LinkState(own).close();
  new LinkState(own).close();
});

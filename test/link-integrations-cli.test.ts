// `conduit link integrations …` against a real running Link, as the practice's IT person types it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, conduitAsync, conduitSync } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'conduit-link-cli-'));
const db = join(dir, 'practice.db');
const made = conduitSync(['bp-sim', 'create', '--patients', '20', '--weeks', '1', db]);
assert.equal(made.status, 0, made.stderr);
// A Link whose Cloud does not answer: the practice's changes are kept on its computer meanwhile.
const link = new Proc(['link', '--cloud', 'http://127.0.0.1:1', '--database', db, '--ui-port', '0']);
after(async () => {
  await link.kill('SIGINT');
});
const ID = '0f8e2c1a-1111-4222-8333-944455556666';

test('an integrator given by something that is not an id is refused with where the ids are', async () => {
  await link.waitFor(/Setup third-party integrations/);
  for (const cmd of ['enable', 'disable', 'pairing-code']) {
    const r = await conduitAsync(['link', 'integrations', cmd, '--integrator', 'Acme Booking', '--database', db]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /"Acme Booking" is not an integrator id; the ids are listed by "conduit link integrations list"/, cmd);
  }
});

test('a change made while the Link is not connected says it is kept here and sent later', async () => {
  await link.waitFor(/Setup third-party integrations/);
  for (const [cmd, word] of [['enable', 'Enabled'], ['disable', 'Disabled']] as const) {
    const r = await conduitAsync(['link', 'integrations', cmd, '--integrator', ID, '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${word} ${ID}\\. Saved on this computer and applied by the Link now; it is NOT connected to Conduit, and sends the change when it reconnects\\.`));
  }
  const json = await conduitAsync(['link', 'integrations', 'enable', '--integrator', ID, '--database', db, '--json']);
  assert.equal(JSON.parse(json.stdout).enabled, true);
});

test('a state folder this account may not read is named as a permission problem, not as "no running Link"', async () => {
  // As a Link run as a service keeps it: its address file in a folder private to its own account.
  const root = process.getuid?.() === 0;
  const privateDir = mkdtempSync(join(tmpdir(), 'conduit-link-private-'));
  const state = join(privateDir, 'link.state');
  writeFileSync(`${state}.ui.json`, JSON.stringify({ url: 'http://127.0.0.1:1/', token: 'x' }));
  chmodSync(privateDir, root ? 0o700 : 0o000);
  try {
    // Root may read anything: the command runs as nobody then (uid 65534), as another account would.
    const r = conduitSync(['link', 'integrations', 'list', '--state', state], { HOME: tmpdir() }, root ? { uid: 65534, gid: 65534 } : undefined);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /the account "[^"]+" may not read .*link\.state\.ui\.json/);
    assert.match(r.stderr, /run this command as the account the Link runs as/);
    assert.doesNotMatch(r.stderr, /no running Link found/);
  } finally {
    chmodSync(privateDir, 0o700);
  }
});

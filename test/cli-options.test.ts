// The command line refuses values it cannot use, before starting anything, and says which and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conduitSync } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'conduit-cli-options-'));
const notBp = join(dir, 'notes.txt');
writeFileSync(notBp, 'not a database\n');
const made = conduitSync(['bp-sim', 'create', '--patients', '50', '--weeks', '1', join(dir, 'practice.db')]);
assert.equal(made.status, 0, made.stderr);
const db = join(dir, 'practice.db');
const link = (...extra: string[]): string[] => ['link', '--cloud', 'http://127.0.0.1:1', '--database', db, '--state', join(dir, 'state'), ...extra];

function refused(args: string[], pattern: RegExp, env: Record<string, string> = {}): void {
  const r = conduitSync(args, env);
  assert.equal(r.status, 1, `conduit ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern, args.join(' '));
}

test('numbers out of range are refused with the range', () => {
  refused(link('--concurrency', '0'), /--concurrency must be a whole number 1 or more, got "0"/);
  refused(link(), /CONDUIT_LINK_CONCURRENCY must be a whole number 1 or more/, { CONDUIT_LINK_CONCURRENCY: '0' });
  // The Cloud keeps a pairing code 7 days at most: a longer one would be shown with an expiry it does not have.
  refused(link('--pairing-ttl-hours', '1000'), /--pairing-ttl-hours must be a whole number from 1 to 168/);
  refused(link('--pairing-ttl-hours', '0'), /--pairing-ttl-hours must be a whole number from 1 to 168/);
  refused(link('--ui-port', '70000'), /--ui-port must be a whole number from 0 to 65535/);
  refused(['cloud', '--port', '99999', '--data-dir', join(dir, 'cloud')], /--port must be a whole number from 0 to 65535, got "99999"/);
  refused(['bp-sim', 'create', '--practitioners', '0', join(dir, 'other.db')], /--practitioners must be a whole number 1 or more/);
  refused(['admin', 'audit', 'list', '--limit', '-1', '--data-dir', join(dir, 'cloud')], /--limit must be a whole number 1 or more, got "-1"/);
  refused(['admin', 'audit', 'list', '--limit', 'abc', '--data-dir', join(dir, 'cloud')], /--limit must be a whole number 1 or more, got "abc"/);
});

test('a wrong Cloud address, Cloud key or practice database is named as such', () => {
  refused(['link', '--cloud', 'notaurl', '--database', db, '--state', join(dir, 'state')], /--cloud must be the Cloud's http:\/\/ or https:\/\/ address, got "notaurl"/);
  refused(link('--cloud-key', 'garbage'), /--cloud-key is not a Cloud public key/);
  refused(['link', '--cloud', 'http://127.0.0.1:1', '--database', notBp, '--state', join(dir, 'state2')], /notes\.txt is not a Bp Premier practice database/);
  // Another SQLite file is not written to.
  const other = join(dir, 'other-app.db');
  const made = conduitSync(['admin', 'integrator', 'list', '--store', other]);
  assert.equal(made.status, 1, 'a missing store is refused');
  writeFileSync(other, '');
  refused(['bp-sim', 'login', other, '--name', 'X', '--enable'], /other-app\.db is not a Bp Premier practice database/);
  refused(['bp-sim', 'version', other, 'Bp Premier Jade'], /other-app\.db is not a Bp Premier practice database/);
});

test('conduit booking --help prints its options and exits 0', () => {
  const r = conduitSync(['booking', '--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--conduit-url <url>/);
  assert.match(r.stdout, /BOOKING_PORT/);
});

test('a <state>.ui.json left by a Link that did not stop cleanly is reported as such, not as a raw error', async () => {
  const { createServer } = await import('node:http');
  const { conduitAsync } = await import('./support/processes.js');
  for (const [status, body] of [[200, '<html>some other program</html>'], [401, '{"error":"Missing or wrong X-Conduit-Token."}']] as const) {
    const other = createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/html' }).end(body));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const state = join(dir, `stale-${status}.state`);
    writeFileSync(`${state}.ui.json`, JSON.stringify({ url: `http://127.0.0.1:${(other.address() as { port: number }).port}/`, token: 'old' }));
    try {
      const r = await conduitAsync(['link', 'integrations', 'list', '--state', state]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /the Link for this state file is not at http:\/\/127\.0\.0\.1:\d+\/ .*did not stop cleanly/);
    } finally {
      other.close();
    }
  }
});

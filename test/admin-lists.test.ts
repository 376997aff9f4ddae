// `conduit admin … list` says when there is nothing to list, and when it shows only part of what there
// is, instead of printing nothing; --json stays valid JSON. Real `conduit` processes on a data folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, storeFile } from '@conduit/cloud';
import { conduitSync } from './support/processes.js';

// The operator's own environment must not choose the store for these tests.
const cli = (args: string[]): ReturnType<typeof conduitSync> => conduitSync(args, { CONDUIT_STORE_URL: '', CONDUIT_DATA_DIR: '' });

/** A data folder with a Cloud store in it, as the Cloud leaves on its first start; `events` audit events in it. */
async function dataDir(events = 0): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-admin-lists-'));
  const s = new SqliteStore(storeFile(dir));
  try {
    await s.appendAuditBatch(Array.from({ length: events }, (_, i) => ({
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), kind: 'auth.failed', actor: 'ip:127.0.0.1',
      siteId: null, integratorId: null, outcome: 'refused', details: { n: i + 1 },
    })));
  } finally {
    await s.close();
  }
  return dir;
}

function ok(args: string[]): { stdout: string; stderr: string } {
  const r = cli(args);
  assert.equal(r.status, 0, `conduit ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

test('site list and integrator list with nothing registered say so; --json prints []', async () => {
  const dir = await dataDir();
  const sites = ok(['admin', 'site', 'list', '--data-dir', dir]);
  assert.equal(sites.stdout, 'No sites: no Link has registered with this Cloud yet.\n');
  assert.deepEqual(JSON.parse(ok(['admin', 'site', 'list', '--json', '--data-dir', dir]).stdout), []);
  const integrators = ok(['admin', 'integrator', 'list', '--data-dir', dir]);
  assert.equal(integrators.stdout, 'No integrators yet: conduit admin integrator create --name … makes one.\n');
  assert.deepEqual(JSON.parse(ok(['admin', 'integrator', 'list', '--json', '--data-dir', dir]).stdout), []);
});

test('audit list with no matching event says so, naming the filters; --json prints []', async () => {
  const dir = await dataDir(3);
  const none = ok(['admin', 'audit', 'list', '--kind', 'nonsense', '--data-dir', dir]);
  assert.match(none.stdout, /^No audit events of kind "nonsense"\. /);
  assert.match(none.stdout, /kinds are matched exactly, e\.g\. query, auth\.failed, pairing\.failed/);
  assert.deepEqual(JSON.parse(ok(['admin', 'audit', 'list', '--kind', 'nonsense', '--json', '--data-dir', dir]).stdout), []);
  const site = ok(['admin', 'audit', 'list', '--site', 'no-such-site', '--since', '2026-01-01T00:00:01Z', '--data-dir', dir]);
  assert.equal(site.stdout, 'No audit events for site no-such-site since 2026-01-01T00:00:01.000Z.\n');
  // The kind that is there is listed, all of it, with no note.
  const all = ok(['admin', 'audit', 'list', '--kind', 'auth.failed', '--data-dir', dir]);
  assert.equal(lines(all.stdout).length, 3);
  assert.equal(all.stderr, '');
  const empty = await dataDir();
  assert.equal(ok(['admin', 'audit', 'list', '--data-dir', empty]).stdout, 'No audit events.\n');
});

test('audit list says when it shows only the newest events because of --limit (default 100)', async () => {
  const dir = await dataDir(101);
  const cut = ok(['admin', 'audit', 'list', '--data-dir', dir]);
  const shown = lines(cut.stdout);
  assert.equal(shown.length, 100);
  assert.match(shown[0]!, /^2\t/, 'the oldest one is left out');
  assert.match(shown[99]!, /^101\t/);
  assert.match(cut.stderr, /showing the newest 100 events; there are more: a larger --limit shows them, --since\/--until narrow the list/);
  // JSON stays JSON on stdout; the note goes to stderr.
  const json = ok(['admin', 'audit', 'list', '--json', '--limit', '2', '--data-dir', dir]);
  assert.deepEqual((JSON.parse(json.stdout) as { seq: number }[]).map((e) => e.seq), [100, 101]);
  assert.match(json.stderr, /showing the newest 2 events; there are more/);
  // Exactly as many as the limit: nothing is left out, so no note.
  const exact = ok(['admin', 'audit', 'list', '--limit', '101', '--data-dir', dir]);
  assert.equal(lines(exact.stdout).length, 101);
  assert.equal(exact.stderr, '');
});

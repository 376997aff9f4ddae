// The parts as a clinic and a hosted Cloud run them: separate processes, configured from the command line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, conduitSync } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'conduit-proc-'));
const procs: Proc[] = [];
after(async () => {
  for (const p of procs) if (p.child.exitCode === null) await p.kill('SIGKILL');
});

const SLOW = 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';

test('cloud, link and admin as separate processes; a kill -9 of the Cloud mid-query leaves nothing executing', async () => {
  const db = join(dir, 'practice.db');
  const made = conduitSync(['bp-sim', 'create', '--patients', '400', '--weeks', '2', '--seed', '3', db]);
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stdout, /400 patients/);
  assert.match(made.stderr, /100%/, 'progress is reported');
  const again = conduitSync(['bp-sim', 'create', db]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; pass --force/);

  const data = join(dir, 'cloud');
  let cloud = new Proc(['cloud', '--port', '0', '--data-dir', data]);
  procs.push(cloud);
  const url = (await cloud.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  const port = new URL(url).port;

  const created = conduitSync(['admin', 'integrator', 'create', '--name', 'Proc Test', '--json', '--data-dir', data]);
  assert.equal(created.status, 0, created.stderr);
  const { apiKey, id: integratorId } = JSON.parse(created.stdout) as { apiKey: string; id: string };

  const state = join(dir, 'link.state');
  const link = new Proc(['link', '--cloud', url, '--database', db, '--ui-port', '0'], { CONDUIT_LINK_STATE: state });
  procs.push(link);
  const siteId = (await link.waitFor(/Link connected: site (\S+)/))[1]!;
  await link.waitFor(/Setup third-party integrations: http/);

  // The practice ticks the integration and makes a pairing code; the integrator pairs with it.
  const listed = conduitSync(['link', 'integrations', 'list', '--state', state, '--json']);
  assert.equal(listed.status, 0, listed.stderr);
  assert.ok((JSON.parse(listed.stdout) as { integrations: { integratorId: string }[] }).integrations.some((i) => i.integratorId === integratorId));
  const enabled = conduitSync(['link', 'integrations', 'enable', '--integrator', integratorId, '--access', 'readwrite', '--state', state, '--json']);
  assert.equal(enabled.status, 0, enabled.stderr);
  const code = conduitSync(['link', 'integrations', 'pairing-code', '--integrator', integratorId, '--state', state, '--json']);
  assert.equal(code.status, 0, code.stderr);
  const pc = JSON.parse(code.stdout) as { siteId: string; code: string };
  const paired = await fetch(`${url}/integrator/pair-site?practiceManagementSiteId=${pc.siteId}&practiceManagementName=Best%20Practice&pairingCode=${pc.code}`, { method: 'POST', headers: { 'ocp-apim-subscription-key': apiKey } });
  assert.equal(paired.status, 200);
  assert.equal(((await paired.json()) as { id: string }).id, siteId);

  const headers = { 'ocp-apim-subscription-key': apiKey, 'content-type': 'application/json' };
  const q = (text: string): Promise<Response> => fetch(`${url}/integrator/sites/${siteId}/queries/immediate`, { method: 'POST', headers, body: JSON.stringify({ command: { text } }) });
  const ok = await q('SELECT TOP 2 Surname FROM BPS_Patients');
  assert.equal(ok.status, 200);

  // Untick: 403 with the message a practice and integrator recognise; re-tick: works again, no new code.
  assert.equal(conduitSync(['link', 'integrations', 'disable', '--integrator', integratorId, '--state', state]).status, 0);
  const cut = await q('SELECT 1 AS One');
  assert.equal(cut.status, 403);
  assert.match(((await cut.json()) as { error: { message: string } }).error.message, /disabled in the PMS/);
  assert.equal(conduitSync(['link', 'integrations', 'enable', '--integrator', integratorId, '--state', state]).status, 0);
  assert.equal((await q('SELECT 1 AS One')).status, 200);

  const inFlight = q(SLOW).then((r) => r.status, (e: Error) => e.message);
  await new Promise((r) => setTimeout(r, 400));
  await cloud.kill('SIGKILL');
  const outcome = await inFlight;
  assert.notEqual(outcome, 200, 'the integrator sees the connection fail');

  const seen = link.out.length;
  cloud = new Proc(['cloud', '--port', port, '--data-dir', data]);
  procs.push(cloud);
  await cloud.waitFor(/listening on/);
  await link.waitFor(/Link connected: site/, 20_000, seen);

  const list = conduitSync(['admin', 'site', 'list', '--json', '--data-dir', data]);
  assert.equal(JSON.parse(list.stdout).length, 1);
  // Every query the killed Cloud had in flight now reads as failed, with the reason.
  const { default: Database } = await import('better-sqlite3');
  const store = new Database(join(data, 'cloud.db'), { readonly: true });
  const rows = store.prepare('SELECT id, status, error_details FROM queries').all() as { id: string; status: string; error_details: string | null }[];
  store.close();
  assert.equal(rows.filter((r) => ['initialising', 'queued', 'executing', 'uploading'].includes(r.status)).length, 0);
  const failed = rows.find((r) => r.status === 'executionFailed')!;
  const status = await fetch(`${url}/integrator/sites/${siteId}/queries/${failed.id}`, { headers });
  const body = (await status.json()) as { status: string; errorDetails: { errorMessage: string } };
  assert.equal(body.status, 'executionFailed');
  assert.match(body.errorDetails.errorMessage, /Cloud restarted/);

  const after2 = await q('SELECT 1 AS One');
  assert.equal(after2.status, 200);
  assert.equal(await link.kill('SIGTERM'), 0, 'the Link stops cleanly');
  assert.equal(await cloud.kill('SIGTERM'), 0, 'the Cloud stops cleanly');
});

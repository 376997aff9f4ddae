// A practice server whose clock is minutes out: the Cloud's times (maxTimeInQueue's deadline, a
// registered query's expiry) are judged on the Cloud's clock as the Link reckons it from its welcome.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Proc, conduitAsync } from './support/processes.js';
import { System, waitFor } from './support/system.js';

const procs: Proc[] = [];
const systems: System[] = [];
after(async () => {
  for (const p of procs) if (p.child.exitCode === null) await p.kill('SIGKILL');
  for (const s of systems) await s.close();
});

test('a Link whose clock is two minutes fast still runs queries within their maxTimeInQueue, and reports runs on the Cloud\'s clock', async () => {
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  // Loaded into the Link's process only: its Date.now() runs 120 s ahead of the Cloud's.
  const skew = join(sys.dir, 'fast-clock.mjs');
  writeFileSync(skew, 'const real = Date.now; Date.now = () => real() + Number(process.env.SKEW_MS ?? 120000);\n');
  const state = join(sys.dir, 'fast-link.state');
  const link = new Proc(['link', '--cloud', sys.cloud.url, '--database', sys.database, '--ui-port', '0'], {
    CONDUIT_LINK_STATE: state, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${skew}`,
  });
  procs.push(link);
  const siteId = (await link.waitFor(/Link connected: site (\S+)/))[1]!;
  await link.waitFor(/Setup third-party integrations: http/);
  const enabled = await conduitAsync(['link', 'integrations', 'enable', '--integrator', sys.integratorId, '--state', state]);
  assert.equal(enabled.status, 0, enabled.stderr);
  const code = await conduitAsync(['link', 'integrations', 'pairing-code', '--integrator', sys.integratorId, '--state', state, '--json']);
  assert.equal(code.status, 0, code.stderr);
  const pc = JSON.parse(code.stdout) as { siteId: string; code: string };
  const paired = await sys.api('POST', `/integrator/pair-site?practiceManagementSiteId=${pc.siteId}&practiceManagementName=Best%20Practice&pairingCode=${pc.code}`);
  assert.equal(paired.status, 200, paired.text);

  const before = Date.now();
  const immediate = await sys.api('POST', `/integrator/sites/${siteId}/queries/immediate`, { command: { text: 'SELECT 1 AS One' }, maxTimeInQueue: 30_000 });
  assert.equal(immediate.status, 200, immediate.text);
  // maxTimeInQueue 0: runs when it can start at once (it only travelled, it did not wait at the site).
  const zero = await sys.api('POST', `/integrator/sites/${siteId}/queries/immediate`, { command: { text: 'SELECT 2 AS Two' }, maxTimeInQueue: 0 });
  assert.equal(zero.status, 200, zero.text);
  const sub = await sys.api('POST', `/integrator/sites/${siteId}/queries/async`, { command: { text: 'SELECT TOP 5 Surname FROM BPS_Patients' }, maxTimeInQueue: 60_000 });
  assert.equal(sub.status, 201, sub.text);
  let last = sub;
  await waitFor(async () => {
    last = await sys.api('GET', `/integrator/sites/${siteId}/queries/${sub.json.id}`);
    return !['initialising', 'queued', 'executing', 'uploading'].includes(last.json.status);
  }, 20_000, 'the async query to finish');
  assert.equal(last.json.status, 'successful', last.text);
  // Its phases are dated on the Cloud's clock, not two minutes ahead.
  const executing = Date.parse(last.json.statusTiming.executing.startTime);
  assert.ok(executing >= before - 1000 && executing <= Date.now() + 1000, `executing at ${last.json.statusTiming.executing.startTime}`);
});

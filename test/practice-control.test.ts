// The practice decides who reaches its database: pairing, revocation, promotion, permissions, audit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createIntegrator, promoteSite, verifyAudit, ACCESS_MESSAGES, type AuditEvent } from '@conduit/cloud';
import { Link, PAIRING_BITS, newPairingCode } from '@conduit/link';
import { System, waitFor, rowsOf } from './support/system.js';

const SLOW = 'SELECT COUNT(*) AS N FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';
const systems: System[] = [];
after(async () => {
  for (const s of systems) await s.close();
});
async function start(opts: Parameters<typeof System.start>[0] = {}): Promise<System> {
  const s = await System.start(opts);
  systems.push(s);
  return s;
}
const pairPath = (siteId: string, code: string): string => `/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(siteId)}&practiceManagementName=Best%20Practice&pairingCode=${encodeURIComponent(code)}`;
async function events(sys: System, kind?: string): Promise<AuditEvent[]> {
  return sys.cloud.store.listAudit({ kind, limit: 1000 });
}

test('pairing codes: unambiguous alphabet, over 40 bits, shown as two groups', () => {
  assert.ok(PAIRING_BITS >= 40, `${PAIRING_BITS} bits`);
  const codes = new Set(Array.from({ length: 200 }, () => newPairingCode()));
  assert.equal(codes.size, 200);
  for (const c of codes) assert.match(c, /^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
});

test('tick, pair, query, untick (403 within 1 s, in-flight cancelled), re-tick restores access without a new code', async () => {
  const sys = await start();
  assert.equal((await sys.immediate({ text: 'SELECT 1 AS One' })).status, 200);
  const found = await sys.api('GET', `/integrator/sites?practiceManagementSiteId=${sys.link!.pmsSiteId}&practiceManagementName=Best%20Practice`);
  assert.deepEqual(found.json.sites.map((s: { id: string }) => s.id), [sys.siteId]);

  const inFlight = sys.immediate({ text: SLOW });
  await waitFor(() => sys.link!['inFlight'].size > 0, 5000, 'query at the link');
  const t0 = Date.now();
  await sys.link!.integrations.save(sys.integratorId, { enabled: false });
  const cut = await inFlight;
  assert.equal(cut.status, 403);
  // Whichever side stops it first (the Link at once, or the Cloud on the report), the reason is the same.
  assert.match(cut.json.error?.message ?? cut.json.errorDetails.errorMessage, /disabled .*in the PMS/);
  const next = await sys.immediate({ text: 'SELECT 1 AS One' });
  assert.ok(Date.now() - t0 < 1000, `revocation took ${Date.now() - t0} ms`);
  assert.equal(next.status, 403);
  assert.match(next.json.error.message, /disabled in the PMS/);
  assert.deepEqual((await sys.api('GET', `/integrator/sites?practiceManagementSiteId=${sys.link!.pmsSiteId}&practiceManagementName=Best%20Practice`)).json.sites, []);
  assert.equal(sys.link!['inFlight'].size, 0, 'the Link stopped the running statement');

  await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'readwrite' });
  assert.equal((await sys.immediate({ text: 'SELECT 1 AS One' })).status, 200);
  const kinds = (await events(sys)).map((e) => e.kind);
  for (const k of ['integration.enabled', 'pairing.codeIssued', 'pairing.succeeded', 'integration.disabled', 'access.refused', 'query']) assert.ok(kinds.includes(k), k);
});

test('pairing code rules: single use, replaced by a newer one, bound to the integrator, expiring', async () => {
  const sys = await start({ pair: false, link: { pairingCodeTtlMs: 1500 } });
  const other = await createIntegrator(sys.cloud.store, 'Other Integrator');
  const asOther = { 'ocp-apim-subscription-key': other.apiKey };
  await assert.rejects(sys.link!.integrations.pairingCode(sys.integratorId), /Tick the integration/);
  await sys.link!.integrations.save(sys.integratorId, { enabled: true });

  const first = await sys.link!.integrations.pairingCode(sys.integratorId);
  assert.equal(first.siteId, sys.link!.pmsSiteId);
  const second = await sys.link!.integrations.pairingCode(sys.integratorId);
  assert.equal((await sys.api('POST', pairPath(first.siteId, first.code))).status, 403, 'replaced by the newer code');
  assert.equal((await sys.api('POST', pairPath(second.siteId, second.code), undefined, asOther)).status, 403, 'made for another integrator');
  // Sent as some generated clients send it: labelled JSON, with an empty body (the input is in the query string).
  const ok = await sys.api('POST', pairPath(second.siteId, second.code.toLowerCase().replace('-', ' ')), '');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.id, sys.siteId);
  const reused = await sys.api('POST', pairPath(second.siteId, second.code));
  assert.equal(reused.status, 403);
  assert.equal(reused.json.error.message, ACCESS_MESSAGES.badCode);

  const third = await sys.link!.integrations.pairingCode(sys.integratorId);
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal((await sys.api('POST', pairPath(third.siteId, third.code))).status, 403, 'expired');
  assert.equal((await sys.api('POST', `/integrator/pairSite?practiceManagementSiteId=${sys.link!.pmsSiteId}&practiceManagementName=Best%20Practice`)).status, 400, 'code required for Bp');
  assert.equal((await sys.api('POST', pairPath('no-such-site', 'AAAAA-AAAAA'))).status, 404);
  const stored = JSON.stringify(sys.cloud.store.db.prepare('SELECT * FROM pairing_codes').all());
  assert.ok(!stored.includes(third.code.replace('-', '')) && !stored.includes(third.code), 'only hashes are stored');
});

test('failed pairing attempts are limited per integrator and per site: 429 with Retry-After, audited', async () => {
  const sys = await start({ pair: false, cloud: { practice: { pairingFailuresPerIntegrator: { max: 3, windowMs: 60_000 }, pairingFailuresPerSite: { max: 5, windowMs: 60_000 } } } });
  await sys.link!.integrations.save(sys.integratorId, { enabled: true });
  const good = await sys.link!.integrations.pairingCode(sys.integratorId);
  for (let i = 0; i < 3; i++) assert.equal((await sys.api('POST', pairPath(good.siteId, `WRONG-CODE${i}`))).status, 403);
  const limited = await sys.api('POST', pairPath(good.siteId, good.code));
  assert.equal(limited.status, 429, 'even the right code waits');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  // Another integrator is limited by the site's own budget after two more failures.
  const other = await createIntegrator(sys.cloud.store, 'Guesser');
  const h = { 'ocp-apim-subscription-key': other.apiKey };
  for (let i = 0; i < 2; i++) assert.equal((await sys.api('POST', pairPath(good.siteId, `GUESS-${i}`), undefined, h)).status, 403);
  assert.equal((await sys.api('POST', pairPath(good.siteId, 'GUESS-9'), undefined, h)).status, 429);
  await waitFor(async () => (await events(sys, 'pairing.rateLimited')).length >= 2, 2000, 'audit');
  assert.equal((await events(sys, 'pairing.failed')).length, 5);
});

test('a second Link for the same practice is non-authoritative until promoted; then the old GUID answers "GUID changed"', async () => {
  const sys = await start();
  const secondState = join(sys.dir, 'second-server.db');
  let second = new Link(sys.linkOptions({ stateFile: secondState }));
  await second.start();
  try {
    await second.waitUntilConnected(5000);
    assert.notEqual(second.siteId, sys.siteId);
    assert.equal(second.authoritative, false);
    const nonAuth = await sys.api('POST', `/integrator/sites/${second.siteId}/queries/immediate`, { command: { text: 'SELECT 1' } });
    assert.equal(nonAuth.status, 403);
    assert.equal(nonAuth.json.error.message, ACCESS_MESSAGES.nonAuthoritative);
    await assert.rejects(second.integrations.save(sys.integratorId, { enabled: false }), /not the authoritative/);

    // Restarted while the Cloud cannot be reached, it still knows it is not the authoritative Link.
    await second.stop();
    const offline = new Link(sys.linkOptions({ stateFile: secondState, cloudUrl: 'http://127.0.0.1:1' }));
    await offline.start();
    try {
      assert.equal(offline.authoritative, false);
      await assert.rejects(offline.integrations.save(sys.integratorId, { enabled: false }), /not the authoritative/);
    } finally {
      await offline.stop();
    }
    second = new Link(sys.linkOptions({ stateFile: secondState }));
    await second.start();
    await second.waitUntilConnected(5000);

    await promoteSite(sys.cloud.store, second.siteId!);
    const old = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/immediate`, { command: { text: 'SELECT 1' } });
    assert.equal(old.status, 403);
    assert.equal(old.json.error.message, ACCESS_MESSAGES.guidChanged);
    const found = await sys.api('GET', `/integrator/sites?practiceManagementSiteId=${sys.link!.pmsSiteId}&practiceManagementName=Best%20Practice`);
    assert.deepEqual(found.json.sites.map((s: { id: string }) => s.id), [second.siteId]);
    // The promoted Link adopts the practice's settings, so the integrator works on at once.
    await waitFor(() => second.integrations.get(sys.integratorId)?.enabled === true, 3000, 'settings adopted');
    const res = await sys.api('POST', `/integrator/sites/${second.siteId}/queries/immediate`, { command: { text: 'SELECT 2 AS Two' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(rowsOf(res), [{ Two: 2 }]);
    assert.equal((await events(sys, 'site.promoted')).length, 1);
  } finally {
    await second.stop();
  }
});

test('read-only is the default and is enforced by the database', async () => {
  const sys = await start({ pair: false });
  await sys.pair(sys.integratorId, sys.apiKey, 'read');
  assert.equal((await sys.immediate({ text: 'SELECT TOP 1 SURNAME FROM PATIENTS' })).status, 200);
  const write = await sys.immediate({ text: "UPDATE PATIENTS SET MOBILEPHONE = '0400000001' WHERE INTERNALID = 1", executionMode: 'nonQuery' });
  assert.equal(write.status, 403);
  assert.equal(write.json.errorDetails.errorCode, 3906);
  assert.match(write.json.errorDetails.errorMessage, /read-only access/);
  const proc = await sys.immediate({ text: "EXEC BP_AddPatient @firstname = 'No', @surname = 'Write', @dob = '2000-01-01', @sexcode = 1" });
  assert.equal(proc.status, 403);
});

test('the audit log verifies, and detects an altered, reordered or removed event', async () => {
  const sys = await start();
  for (let i = 0; i < 3; i++) await sys.immediate({ text: `SELECT ${i} AS N` });
  await sys.api('GET', `/integrator/sites/${sys.siteId}`, undefined, { 'ocp-apim-subscription-key': 'nope' });
  await waitFor(async () => (await events(sys, 'auth.failed')).length === 1, 2000, 'auth.failed audited');
  const q = (await events(sys, 'query'))[0]!;
  assert.equal(q.details.commandHash?.toString().length, 64);
  assert.equal(JSON.stringify(q).includes('SELECT'), false, 'no command text by default');
  const db = sys.cloud.store.db;
  assert.deepEqual(await verifyAudit(sys.cloud.store), { ok: true, events: (await sys.cloud.store.auditChain()).length, problems: [] });

  const n = (await sys.cloud.store.auditChain()).length;
  const original = db.prepare('SELECT details FROM audit_events WHERE seq = 3').get() as { details: string };
  db.prepare('UPDATE audit_events SET details = ? WHERE seq = 3').run('{"tampered":true}');
  assert.match((await verifyAudit(sys.cloud.store)).problems.join('\n'), /event 3 was altered/);
  db.prepare('UPDATE audit_events SET details = ? WHERE seq = 3').run(original.details);
  assert.equal((await verifyAudit(sys.cloud.store)).ok, true);

  db.prepare('UPDATE audit_events SET seq = -4 WHERE seq = 4').run();
  db.prepare('UPDATE audit_events SET seq = 4 WHERE seq = 5').run();
  db.prepare('UPDATE audit_events SET seq = 5 WHERE seq = -4').run();
  assert.equal((await verifyAudit(sys.cloud.store)).ok, false, 'reordered');
  db.prepare('UPDATE audit_events SET seq = -4 WHERE seq = 4').run();
  db.prepare('UPDATE audit_events SET seq = 4 WHERE seq = 5').run();
  db.prepare('UPDATE audit_events SET seq = 5 WHERE seq = -4').run();

  db.prepare('DELETE FROM audit_events WHERE seq = 2').run();
  assert.match((await verifyAudit(sys.cloud.store)).problems.join('\n'), /missing|does not follow/);
  db.prepare(`DELETE FROM audit_events WHERE seq = ${n}`).run();
  assert.match((await verifyAudit(sys.cloud.store)).problems.join('\n'), /removed from the end/);
});

test('a pairing code issued before the practice unticked the integration pairs nothing until it is ticked again', async () => {
  const sys = await start({ pair: false });
  await sys.link!.integrations.save(sys.integratorId, { enabled: true });
  const code = await sys.link!.integrations.pairingCode(sys.integratorId);
  await sys.link!.integrations.save(sys.integratorId, { enabled: false });
  await waitFor(async () => !(await sys.cloud.store.integrations({ pmsType: 'BestPractice', pmsSiteId: code.siteId })).some((i) => i.enabled), 5000, 'the Cloud to hear of it');
  const refused = await sys.api('POST', pairPath(code.siteId, code.code));
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.error.message, ACCESS_MESSAGES.disabled);
  assert.equal((await sys.api('GET', `/integrator/sites?practiceManagementSiteId=${code.siteId}&practiceManagementName=Best%20Practice`)).json.sites.length, 0, 'the site stays hidden');
  await sys.link!.integrations.save(sys.integratorId, { enabled: true });
  await waitFor(async () => (await sys.cloud.store.integrations({ pmsType: 'BestPractice', pmsSiteId: code.siteId })).some((i) => i.enabled), 5000, 'ticked again');
  const paired = await sys.api('POST', pairPath(code.siteId, code.code));
  assert.equal(paired.status, 200, paired.text);
});

// The migration stages in the running booking server, against a real Cloud + Link + simulated practice
// and a real Connector agent on the same practice database: one practice moves connector -> ready ->
// shadow -> conduit -> connector-retired while patients book through the web pages; a burst of Conduit
// failures (Link stopped) makes it fall back to the Connector by itself, audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBooking, TransitionRefused, type RunningBooking, type Practice } from '../packages/booking/src/index.js';
import { ConnectorAgent } from '../packages/connector/src/index.js';
import { System, waitFor } from './support/system.js';

let sys: System;
let booking: RunningBooking;
let agent: ConnectorAgent;
let practice: Practice;
let site = '';
const TOKEN = 'stages-token-0123456789abcdef';

before(async () => {
  sys = await System.start();
  site = sys.siteId;
  booking = await startBooking({
    port: 0, dataFile: join(sys.dir, 'booking.db'), conduit: { baseUrl: sys.cloud.url, apiKey: sys.apiKey }, onError: () => undefined,
    connector: { requestTimeoutMs: 5000 }, migration: { enabled: true, errorThreshold: 3, errorWindowMs: 60_000 },
  });
  practice = booking.store.upsertPractice({ siteId: site, bpSiteId: 'bp-stages', name: 'Stages Medical' });
  booking.connectors.setToken(site, TOKEN);
  agent = new ConnectorAgent({ url: `${booking.url.replace('http', 'ws')}/connector`, practiceId: site, token: TOKEN, databaseFile: sys.database, backoff: { initialMs: 20, maxMs: 200 } });
  agent.start();
  await waitFor(() => booking.connectors.isOnline(site), 5000, 'connector online');
});

after(async () => {
  agent?.stop();
  await booking?.close().catch(() => undefined);
  await sys?.close();
});

const get = async (path: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(`${booking.url}${path}`, { redirect: 'manual' });
  return { status: r.status, text: await r.text() };
};

let n = 0;
/** A patient books the first free time through the web pages; returns the booking ref. */
async function bookThroughPages(): Promise<string> {
  const who = await get(`/book/${practice.id}`);
  assert.equal(who.status, 200, who.text.slice(0, 300));
  for (const [, uid] of who.text.matchAll(/href="\/book\/\d+\/(\d+)"/g)) {
    const types = await get(`/book/${practice.id}/${uid}`);
    const tid = /href="\/book\/\d+\/\d+\/(\d+)"/.exec(types.text)?.[1];
    if (!tid) continue;
    const times = await get(`/book/${practice.id}/${uid}/${tid}`);
    assert.equal(times.status, 200);
    const href = /href="(\/book\/\d+\/\d+\/\d+\/[\d-]+\/\d+[^"]*)"/.exec(times.text)?.[1]?.replaceAll('&amp;', '&');
    if (!href) continue;
    n++;
    const form = new URLSearchParams({ firstName: 'Stage', surname: `Patient${String.fromCharCode(65 + (n % 26))}${n}`, dob: '1980-01-0' + String((n % 9) + 1), sex: '2', mobile: '0412 345 678' });
    const r = await fetch(`${booking.url}${href}`, { method: 'POST', body: form, redirect: 'manual' });
    const to = r.headers.get('location') ?? '';
    assert.equal(r.status, 303, await r.text());
    const ref = /^\/bookings\/([\w-]+)/.exec(to)?.[1];
    assert.ok(ref, `booked (went to ${to})`);
    const b = booking.store.bookingByRef(ref);
    assert.ok(b && b.pmsRecordId && b.pmsRecordId > 0 && b.status === 'booked');
    return ref;
  }
  throw new Error('no free time offered');
}

test('a practice moves connector -> ready -> shadow -> conduit -> connector-retired, bookings working at every stage', async () => {
  const m = booking.migration;
  assert.equal((await m.status(site)).stage, 'connector');

  // connector: the Connector serves.
  let answered = agent.answered;
  await bookThroughPages();
  assert.ok(agent.answered > answered, 'served by the Connector');

  // ready: the checks pass (Bp version, integration ticked, paired, Link online).
  let st = await m.status(site);
  assert.equal(st.blocker, null, String(st.blocker));
  assert.deepEqual(st.blockers, []);
  st = await m.advance(site);
  assert.equal(st.stage, 'ready');

  // shadow: the Connector serves, every read also through Conduit, no differences.
  st = await m.advance(site);
  assert.equal(st.stage, 'shadow');
  answered = agent.answered;
  await bookThroughPages();
  assert.ok(agent.answered > answered, 'the Connector still serves in shadow');
  st = await m.status(site);
  assert.ok(st.comparisons >= 4, `comparisons recorded (${st.comparisons})`);
  assert.deepEqual(booking.migrationStore.differences(site), [], 'no differences');
  assert.equal(st.blocker, null);

  // conduit: Conduit serves; the Connector is not asked.
  st = await m.advance(site);
  assert.equal(st.stage, 'conduit');
  answered = agent.answered;
  await bookThroughPages();
  assert.equal(agent.answered, answered, 'booked through Conduit');

  // A burst of Conduit failures: reads are served by the Connector meanwhile and the practice falls back.
  await sys.link!.stop();
  answered = agent.answered;
  for (let i = 0; i < 3; i++) assert.equal((await get(`/book/${practice.id}`)).status, 200, 'pages keep working through the Connector');
  assert.ok(agent.answered > answered);
  st = await m.status(site);
  assert.equal(st.stage, 'shadow', 'fell back');
  const last = st.audit.at(-1)!;
  assert.deepEqual([last.from, last.to, last.actor], ['conduit', 'shadow', 'system']);
  assert.match(last.reason, /automatic fallback: 3 Conduit errors/);
  await bookThroughPages();
  st = await m.status(site);
  assert.ok(st.openDifferences > 0 && st.blocker !== null, 'Conduit failures in shadow are differences that block the move');
  await assert.rejects(m.advance(site), TransitionRefused);

  // Link back: the operator resolves the differences and moves on again.
  await sys.startLink();
  await waitFor(async () => (await m.status(site)).blockers.length === 0, 10_000, 'site online again');
  booking.migrationStore.resolveDifferences(site, 'operator');
  await bookThroughPages();
  assert.deepEqual(booking.migrationStore.differences(site).filter((d) => !d.resolved), []);
  st = await m.advance(site);
  assert.equal(st.stage, 'conduit');

  // Reversible until retirement.
  st = await m.revert(site);
  assert.equal(st.stage, 'shadow');
  st = await m.advance(site);
  assert.equal(st.stage, 'conduit');

  // connector-retired: the agent is switched off, closes its database, confirms; Conduit only.
  st = await m.advance(site);
  assert.equal(st.stage, 'connector-retired');
  assert.equal(await agent.done(), 'retired');
  assert.equal(agent.databaseOpen, false, 'the Connector\'s database access is cut');
  assert.equal(st.connectorRetired, true);
  assert.equal(st.blocker, 'the Connector is retired: the move is final');
  await bookThroughPages();
  await assert.rejects(m.revert(site), /final/);
  assert.deepEqual(st.audit.map((a) => `${a.from}>${a.to}:${a.actor}`), [
    'connector>ready:operator', 'ready>shadow:operator', 'shadow>conduit:operator', 'conduit>shadow:system', 'shadow>shadow:operator',
    'shadow>conduit:operator', 'conduit>shadow:operator', 'shadow>conduit:operator', 'conduit>connector-retired:operator',
  ]);
});

// No booking lost or made twice when a write's answer (or the write itself) goes missing on the way:
// a real Cloud, Link and simulated practice, the booking server, and a real Connector agent, with a
// proxy in front of the Cloud and one in front of the Connector endpoint that each lose one message.
// Patients book through the web pages. Through the Connector (which runs requests one after another)
// the booking is settled at once; through Conduit a lost answer is settled by reading the
// practitioner's time, and a booking that cannot be settled yet is shown as being confirmed and
// ends booked or, once no statement can still be running, not booked. Pending bookings left by a
// stopped server are settled when it starts again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { ConduitClient } from '@conduit/sdk';
import { BookingStore, ConduitBackend, startBooking, isoDate, type RunningBooking } from '../packages/booking/src/index.js';
import { ConnectorAgent } from '../packages/connector/src/index.js';
import { System, waitFor } from './support/system.js';
import { HttpCutProxy, WsCutProxy } from './support/message-proxies.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'booking') : mkdtempSync(join(tmpdir(), 'lost-shots-'));
const TOKEN = 'lost-answers-connector-token-0123';
const SETTLE_MS = 1500;
let sys: System;
let cloudProxy: HttpCutProxy;
let connectorProxy: WsCutProxy;
let booking: RunningBooking;
let agent: ConnectorAgent;
let practiceId = 0;
let dataFile = '';

async function startServer(): Promise<RunningBooking> {
  return startBooking({
    port: 0, dataFile, conduit: { baseUrl: cloudProxy.url, apiKey: sys.apiKey }, productName: 'Bookwell', onError: () => undefined,
    connector: { requestTimeoutMs: 5000 }, bookings: { settleMs: SETTLE_MS, checkIntervalMs: 100 },
  });
}

before(async () => {
  sys = await System.start();
  dataFile = join(sys.dir, 'booking.db');
  cloudProxy = await HttpCutProxy.start(sys.cloud.url);
  booking = await startServer();
  practiceId = booking.store.upsertPractice({ siteId: sys.siteId, bpSiteId: sys.link!.pmsSiteId, name: 'Lost Answers Medical' }).id;
  booking.connectors.setToken(sys.siteId, TOKEN);
  connectorProxy = await WsCutProxy.start(`${booking.url.replace('http', 'ws')}${booking.connectors.path}`);
  agent = new ConnectorAgent({ url: connectorProxy.url, practiceId: sys.siteId, token: TOKEN, databaseFile: sys.database, backoff: { initialMs: 20, maxMs: 200 } });
  agent.start();
  await waitFor(() => booking.connectors.isOnline(sys.siteId), 5000, 'Connector online');
});

after(async () => {
  agent?.stop();
  await booking?.close().catch(() => undefined);
  await connectorProxy?.close();
  await cloudProxy?.close();
  await sys?.close();
});

const page = async (path: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(`${booking.url}${path}`, { redirect: 'manual' });
  return { status: r.status, text: await r.text() };
};

/** A patient books the first free time of the first practitioner through the pages; returns where they were sent. */
async function patientBooks(surname: string): Promise<string> {
  const who = await page(`/book/${practiceId}`);
  const uid = /href="\/book\/\d+\/(\d+)"/.exec(who.text)?.[1];
  const types = await page(`/book/${practiceId}/${uid}`);
  const tid = /href="\/book\/\d+\/\d+\/(\d+)"/.exec(types.text)?.[1];
  const times = await page(`/book/${practiceId}/${uid}/${tid}`);
  const href = /href="(\/book\/\d+\/\d+\/\d+\/[\d-]+\/\d+[^"]*)"/.exec(times.text)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(href, `a free time is offered (${times.status})`);
  const form = new URLSearchParams({ firstName: 'Lost', surname, dob: '1979-05-21', sex: '2', mobile: '0412 345 678' });
  const r = await fetch(`${booking.url}${href}`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(r.status, 303, await r.text());
  return r.headers.get('location') ?? '';
}

/** The patient's live appointments in the practice database. */
function appointmentsOf(surname: string): { RECORDID: number }[] {
  const raw = new Database(sys.database, { readonly: true });
  try {
    return raw.prepare(`SELECT A.RECORDID FROM APPOINTMENTS A JOIN PATIENTS P ON P.INTERNALID = A.INTERNALID WHERE P.SURNAME = ? AND A.RECORDSTATUS = 1`).all(surname) as { RECORDID: number }[];
  } finally {
    raw.close();
  }
}

const bookingFor = (surname: string) => booking.store.upcoming(practiceId, '0000-00-00').find((b) => b.surname === surname);
const json = (t: string): { kind?: string; id?: string; text?: string } => JSON.parse(t) as { kind?: string; id?: string; text?: string };

/** Exactly one live appointment, held by the booking, which the patient sees as booked. */
async function bookedOnce(surname: string, location: string): Promise<void> {
  const b = bookingFor(surname);
  assert.ok(b, 'the booking is recorded');
  assert.equal(location, `/bookings/${b.ref}`);
  assert.equal(b.status, 'booked');
  assert.deepEqual(appointmentsOf(surname).map((a) => a.RECORDID), [b.pmsRecordId], 'one appointment in Best Practice, the booking\'s');
  assert.match((await page(location)).text, /Your appointment is booked/);
}

test('Connector: the answer to BP_AddAppointment is lost after it ran: the booking is found, not made again', async () => {
  booking.access.choose = () => 'connector';
  const adds = new Set<string>();
  let armed = true;
  connectorProxy.fromServer = (t) => { const m = json(t); if (m.kind === 'request' && m.text === 'BP_AddAppointment') adds.add(m.id!); return 'pass'; };
  connectorProxy.fromAgent = (t) => { const m = json(t); if (armed && m.kind === 'response' && adds.has(m.id!)) { armed = false; return 'cut'; } return 'pass'; };
  const cuts = connectorProxy.cuts;
  const to = await patientBooks('Answerlost');
  assert.equal(connectorProxy.cuts, cuts + 1, 'the answer was lost');
  await bookedOnce('Answerlost', to);
});

test('Connector: BP_AddAppointment is lost before it reached the practice: it is made once, after the check', async () => {
  booking.access.choose = () => 'connector';
  let armed = true;
  connectorProxy.fromAgent = () => 'pass';
  connectorProxy.fromServer = (t) => { const m = json(t); if (armed && m.kind === 'request' && m.text === 'BP_AddAppointment') { armed = false; return 'cut'; } return 'pass'; };
  const cuts = connectorProxy.cuts;
  const to = await patientBooks('Requestlost');
  assert.equal(connectorProxy.cuts, cuts + 1, 'the request was lost');
  await bookedOnce('Requestlost', to);
  connectorProxy.fromServer = () => 'pass';
});

test('Conduit: the answer to BP_AddAppointment is lost after it ran: the booking is found, not made again', async () => {
  booking.access.choose = () => 'conduit';
  let armed = true;
  cloudProxy.rule = (_m, path, body) => (armed && path.endsWith('/queries/immediate') && body.includes('BP_AddAppointment') ? ((armed = false), 'drop-response') : 'pass');
  const dropped = cloudProxy.dropped;
  const to = await patientBooks('Cloudanswerlost');
  assert.equal(cloudProxy.dropped, dropped + 1);
  await bookedOnce('Cloudanswerlost', to);
});

test('Conduit: BP_AddAppointment is lost before it reached the Cloud: shown as being confirmed, then not booked, and no appointment; booking again works', async () => {
  booking.access.choose = () => 'conduit';
  let armed = true;
  // Until the patient's browser has seen it being confirmed, the practitioner's time cannot be read
  // either (those requests are lost too), so the booking stays pending however slow this machine is.
  let hold = true;
  cloudProxy.rule = (_m, path, body) => {
    if (!path.endsWith('/queries/immediate')) return 'pass';
    if (armed && body.includes('BP_AddAppointment')) { armed = false; return 'drop-request'; }
    return hold && body.includes('SELECT RECORDID, INTERNALID FROM APPOINTMENTS') ? 'drop-request' : 'pass';
  };
  const to = await patientBooks('Cloudrequestlost');
  const b = booking.store.bookingsWithStatusEverywhere('pending').find((x) => x.surname === 'Cloudrequestlost');
  assert.ok(b, 'kept as pending: Conduit cannot tell yet whether it ran');
  assert.equal(to, `/bookings/${b.ref}`);
  // The patient's browser shows it being confirmed, then (without the patient doing anything) the outcome.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const p = await (await browser.newContext({ viewport: { width: 900, height: 640 }, locale: 'en-AU' })).newPage();
    await p.goto(`${booking.url}${to}`);
    assert.match(await p.locator('#confirming').innerText(), /not confirmed your booking yet/);
    await p.screenshot({ path: join(SHOTS, 'confirming.png') });
    hold = false;
    await p.locator('#not-booked').waitFor({ timeout: SETTLE_MS + 30_000 });
    assert.match(await p.innerText('body'), /did not go through[\s\S]*Choose another time/);
  } finally {
    await browser.close();
  }
  assert.equal(booking.store.booking(b.id)?.status, 'notBooked');
  assert.deepEqual(appointmentsOf('Cloudrequestlost'), []);
  assert.equal(bookingFor('Cloudrequestlost'), undefined, 'not listed among the practice\'s bookings');
  cloudProxy.rule = () => 'pass';
  const again = await patientBooks('Cloudrequestlost');
  const booked = booking.store.upcoming(practiceId, '0000-00-00').find((x) => x.surname === 'Cloudrequestlost' && x.status === 'booked');
  assert.ok(booked);
  assert.equal(again, `/bookings/${booked.ref}`);
  assert.deepEqual(appointmentsOf('Cloudrequestlost').map((a) => a.RECORDID), [booked.pmsRecordId]);
});

test('bookings a stopped server left pending are settled when it starts again', async () => {
  booking.access.choose = () => 'conduit';
  // An appointment that reached Best Practice just before the server stopped.
  const direct = new ConduitBackend(new ConduitClient({ baseUrl: sys.cloud.url, apiKey: sys.apiKey }));
  const users = await direct.practitioners(sys.siteId);
  const types = await direct.appointmentTypes(sys.siteId);
  const slots = await direct.freeSlots(sys.siteId, users[0]!.id, types[0]!.length, isoDate(new Date()), 14);
  const [made, free] = [slots.at(-1)!, slots.at(-2)!];
  const patient = { firstName: 'Lost', surname: 'Crashmade', dob: '1966-01-02', sexCode: 1, mobile: '0400000000' };
  const patientId = await direct.addPatient(sys.siteId, patient);
  const recordId = await direct.addAppointment(sys.siteId, { date: made.date, time: made.time, length: types[0]!.length, practitionerId: users[0]!.id, patientId, locationId: made.locationId, type: types[0]!.code });
  assert.ok(recordId > 0);
  await booking.close();

  const store = new BookingStore(dataFile);
  const row = (surname: string, slot: typeof made, pid: number | null) => store.addBooking({
    ref: `crash-${surname}`, practiceId, practitionerId: users[0]!.id, practitionerName: users[0]!.name, appointmentType: types[0]!.code, appointmentTypeName: types[0]!.description,
    date: slot.date, time: slot.time, length: types[0]!.length, ...patient, surname, patientId: pid, pmsRecordId: null, status: 'pending', note: null,
  });
  const reached = row('Crashmade', made, patientId);
  const old = row('Crashlost', free, patientId);
  store.db.prepare('UPDATE bookings SET createdAt = ? WHERE id = ?').run(new Date(Date.now() - 3_600_000).toISOString(), old.id);
  const early = row('Crashearly', free, null);
  store.close();

  booking = await startServer();
  await waitFor(() => [reached, old, early].every((b) => booking.store.booking(b.id)?.status !== 'pending'), 10_000, 'pending bookings settled');
  assert.deepEqual([booking.store.booking(reached.id)?.status, booking.store.booking(reached.id)?.pmsRecordId], ['booked', recordId]);
  assert.equal(booking.store.booking(old.id)?.status, 'notBooked', 'not in Best Practice long after it began: never reached it');
  assert.equal(booking.store.booking(early.id)?.status, 'notBooked', 'stopped before an appointment was asked for');
});

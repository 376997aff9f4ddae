// The booking product (packages/booking) in a real browser against a real Cloud + Link + simulated
// practice: onboarding with a pairing code, booking into APPOINTMENTS, a race for the same time, the
// integration unticked in the PMS, and a cancellation made in the PMS coming back by registered query + webhook.
import { connect as tcpConnect } from 'node:net';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createIntegrator, configureWebhook } from '@conduit/cloud';
import { startBooking, type RunningBooking } from '../packages/booking/src/index.js';
import { System, waitFor } from './support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Screenshots for docs/booking are rewritten only when asked (UPDATE_SCREENSHOTS=1), so test runs leave the tree clean.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'booking') : mkdtempSync(join(tmpdir(), 'booking-shots-'));
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
const PRODUCT = 'Bookwell';

let sys: System;
let booking: RunningBooking;
let integ: { id: string; apiKey: string };
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
/** Errors the booking server reported (its change monitor's among them): shown when a wait times out. */
const serverErrors: string[] = [];
const withServerErrors = (e: Error): never => {
  throw new Error(`${e.message}; the booking server reported: ${serverErrors.join(' | ') || 'nothing'}`);
};
let practicePath = '';
let bookedRef = '';
let bookedRecordId = 0;

before(async () => {
  sys = await System.start({ pair: false, cloud: { registered: { minFrequencyS: 1 }, webhooks: { baseDelayMs: 20, capDelayMs: 100, pollMs: 50 } } });
  integ = await createIntegrator(sys.cloud.store, PRODUCT);
  booking = await startBooking({
    port: 0, dataFile: join(sys.dir, 'booking.db'), conduit: { baseUrl: sys.cloud.url, apiKey: integ.apiKey }, productName: PRODUCT, monitorFrequencyS: 1,
    onError: (e) => serverErrors.push(e instanceof Error ? e.message : String(e)),
  });
  const { secret } = await configureWebhook(sys.cloud.store, integ.id, `${booking.url}/webhooks/conduit`);
  booking.setWebhookSecret(secret);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'en-AU' });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await booking?.close().catch(() => undefined);
  await sys?.close();
});

const shot = (name: string, p: Page = page) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function connect(siteId: string, code: string): Promise<void> {
  await page.goto(`${booking.url}/practices/connect`);
  await page.getByLabel('Site ID').fill(siteId);
  await page.getByLabel('Pairing code').fill(code);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForLoadState('load');
}

test('onboarding: a wrong code is refused, a real pairing code connects the practice', async () => {
  await sys.link!.integrations.save(integ.id, { enabled: true, access: 'readwrite' });
  const { siteId, code } = await sys.link!.integrations.pairingCode(integ.id);
  await connect(siteId, 'ZZZZ-9999');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /wrong or has expired/);
  assert.equal(await page.getByLabel('Site ID').inputValue(), siteId, 'the Site ID is kept');
  await shot('onboarding-bad-code');
  await connect(siteId, code);
  await page.locator('#connected').waitFor();
  assert.match(await page.locator('#connected').innerText(), /Connected: /);
  assert.equal(await page.locator('#site-state').innerText(), 'Online');
  practicePath = new URL(page.url()).pathname;
  const practiceName = booking.store.practices()[0]!.name;
  assert.ok(practiceName && practiceName !== siteId, `practice name from the site (${practiceName})`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), practiceName);
  await shot('dashboard-connected');
});

/** Walks practitioner → type → the times page of the first practitioner that has free times. */
async function toTimes(p: Page): Promise<string> {
  const id = practicePath.split('/')[2]!;
  await p.goto(`${booking.url}/book/${id}`);
  const practitioners = await p.locator('ul.choices a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  assert.ok(practitioners.length > 0, 'practitioners listed');
  for (const href of practitioners) {
    await p.goto(href);
    const types = await p.locator('ul.choices a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    assert.ok(types.length > 0, 'appointment types listed');
    await p.goto(types[0]!);
    if (await p.locator('.times a').count() > 0) return p.url();
  }
  throw new Error('no practitioner has free times');
}

async function fillDetails(p: Page, who: { first: string; surname: string; dob: string; sex: string; mobile: string }): Promise<void> {
  await p.getByLabel('First name').fill(who.first);
  await p.getByLabel('Surname').fill(who.surname);
  await p.getByLabel('Date of birth').fill(who.dob);
  await p.getByLabel('Gender').selectOption({ label: who.sex });
  await p.getByLabel('Mobile').fill(who.mobile);
}

test('a patient books: the appointment lands in the practice APPOINTMENTS table', async () => {
  const timesUrl = await toTimes(page);
  await shot('choose-time');
  const slot = page.locator('.times a').first();
  const [date, time] = (await slot.getAttribute('data-time'))!.split('T') as [string, string];
  await slot.click();
  await page.getByLabel('First name').waitFor();
  await fillDetails(page, { first: 'Ada', surname: 'Quillfeather', dob: '1985-03-14', sex: 'Female', mobile: '0412 345 678' });
  await shot('patient-details');
  await page.getByRole('button', { name: 'Book appointment' }).click();
  await page.getByRole('heading', { name: 'Your appointment is booked' }).waitFor();
  await shot('confirmation');
  bookedRef = new URL(page.url()).pathname.split('/')[2]!;
  const b = booking.store.bookingByRef(bookedRef)!;
  assert.equal(b.status, 'booked');
  bookedRecordId = b.pmsRecordId!;
  const db = new Database(sys.database, { readonly: true });
  try {
    const row = db.prepare('SELECT a.*, p.FIRSTNAME, p.SURNAME, p.SEXCODE, p.MOBILEPHONE FROM APPOINTMENTS a JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID WHERE a.RECORDID = ?').get(bookedRecordId) as Record<string, unknown>;
    assert.ok(row, 'appointment row exists');
    assert.equal(String(row.APPOINTMENTDATE).slice(0, 10), date);
    assert.equal(Number(row.APPOINTMENTTIME), Number(time));
    assert.equal(Number(row.RECORDSTATUS), 1);
    assert.equal(row.FIRSTNAME, 'Ada');
    assert.equal(row.SURNAME, 'Quillfeather');
    assert.equal(Number(row.SEXCODE), 2);
    assert.equal(row.MOBILEPHONE, '0412 345 678');
  } finally {
    db.close();
  }
  // The time is no longer offered.
  await page.goto(timesUrl);
  assert.equal(await page.locator(`.times a[data-time="${date}T${time}"]`).count(), 0);
});

test('two patients race for the same time: one books, the other is told it was just taken', async () => {
  const timesUrl = await toTimes(page);
  const other = await context.newPage();
  await other.goto(timesUrl);
  const slot = page.locator('.times a').first();
  const dt = (await slot.getAttribute('data-time'))!;
  await slot.click();
  await other.locator(`.times a[data-time="${dt}"]`).click();
  await fillDetails(page, { first: 'Bo', surname: 'Racer', dob: '1990-01-01', sex: 'Male', mobile: '0400 000 001' });
  await fillDetails(other, { first: 'Cy', surname: 'Racer', dob: '1991-02-02', sex: 'Other', mobile: '0400 000 002' });
  await Promise.all([
    page.getByRole('button', { name: 'Book appointment' }).click(),
    other.getByRole('button', { name: 'Book appointment' }).click(),
  ]);
  const outcome = async (p: Page): Promise<'booked' | 'taken'> => {
    await p.locator('#taken, #status').first().waitFor();
    return (await p.locator('#taken').count()) > 0 ? 'taken' : 'booked';
  };
  const results = await Promise.all([outcome(page), outcome(other)]);
  assert.deepEqual([...results].sort(), ['booked', 'taken'], `one wins, one loses: ${results.join(', ')}`);
  const loser = results[0] === 'taken' ? page : other;
  assert.match(await loser.locator('#taken').innerText(), /Sorry, that time was just taken/);
  assert.equal(await loser.locator(`.times a[data-time="${dt}"]`).count(), 0, 'fresh times without the taken one');
  await shot('just-taken', loser);
  await other.close();
  const [d, t] = dt.split('T');
  const db = new Database(sys.database, { readonly: true });
  try {
    const n = db.prepare('SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE APPOINTMENTDATE = ? AND APPOINTMENTTIME = ? AND RECORDSTATUS = 1 AND INTERNALID IN (SELECT INTERNALID FROM PATIENTS WHERE SURNAME = ?)').get(d, Number(t), 'Racer') as { n: number };
    assert.equal(n.n, 1);
  } finally {
    db.close();
  }
});

test('a cancellation made in the PMS shows in the booking product (registered query + webhook)', async () => {
  assert.ok(bookedRecordId > 0);
  await waitFor(() => booking.store.practices()[0]!.registeredQueryId !== null, 10_000, 'monitor registered');
  const res = await sys.api('POST', `/integrator/sites/${booking.store.practices()[0]!.siteId}/queries/immediate`, {
    command: { text: 'BP_CancelAppointment', type: 'storedProcedure', executionMode: 'nonQuery', parameters: [{ name: '@aptid', type: 'Int', value: String(bookedRecordId) }] },
  }, { 'ocp-apim-subscription-key': integ.apiKey });
  assert.equal(res.status, 200, res.text);
  await waitFor(() => booking.store.bookingByRef(bookedRef)!.status === 'cancelledInPms', 60_000, 'cancellation seen by the booking product').catch(withServerErrors);
  // The webhook endpoint refuses anything not signed with the secret.
  const forged = await fetch(`${booking.url}/webhooks/conduit`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-halo-timestamp': new Date().toISOString(), 'x-halo-signature-256': '0'.repeat(64) },
    body: JSON.stringify({ id: 'x', occurredAt: new Date().toISOString(), siteId: booking.store.practices()[0]!.siteId, queryId: booking.store.practices()[0]!.registeredQueryId, webhookSource: 'registered' }),
  });
  assert.equal(forged.status, 401);
  await page.goto(`${booking.url}/bookings/${bookedRef}`);
  assert.match(await page.locator('#practice-cancelled').innerText(), /cancelled this appointment/);
  await shot('cancelled-by-practice');
  await page.goto(`${booking.url}${practicePath}`);
  assert.ok((await page.locator('body').innerText()).includes('Cancelled by the practice'));
});

test('a patient cancels online: BP_CancelAppointment marks it cancelled in the PMS', async () => {
  await toTimes(page);
  await page.locator('.times a').first().click();
  await fillDetails(page, { first: 'Dee', surname: 'Canceller', dob: '1970-07-07', sex: 'Female', mobile: '0400 000 003' });
  await page.getByRole('button', { name: 'Book appointment' }).click();
  await page.getByRole('heading', { name: 'Your appointment is booked' }).waitFor();
  const ref = new URL(page.url()).pathname.split('/')[2]!;
  await page.getByRole('button', { name: 'Cancel appointment' }).click();
  await page.getByRole('heading', { name: 'Your appointment is cancelled' }).waitFor();
  const id = booking.store.bookingByRef(ref)!.pmsRecordId!;
  const db = new Database(sys.database, { readonly: true });
  try {
    assert.equal(Number((db.prepare('SELECT RECORDSTATUS FROM APPOINTMENTS WHERE RECORDID = ?').get(id) as { RECORDSTATUS: number }).RECORDSTATUS), 2);
  } finally {
    db.close();
  }
});

test('several matching patient records: booked, listed to confirm; a move in the PMS shows too', async () => {
  const siteId = booking.store.practices()[0]!.siteId;
  const addPatient = () => sys.api('POST', `/integrator/sites/${siteId}/queries/immediate`, {
    command: {
      text: 'BP_AddPatient', type: 'storedProcedure', executionMode: 'nonQuery', parameters: [
        { name: '@firstname', type: 'VarChar', value: 'Eve' }, { name: '@surname', type: 'VarChar', value: 'Twinning' },
        { name: '@dob', type: 'Date', value: '1960-06-06' }, { name: '@sexcode', type: 'Int', value: '2' }],
    },
  }, { 'ocp-apim-subscription-key': integ.apiKey });
  assert.equal((await addPatient()).status, 200);
  assert.equal((await addPatient()).status, 200);
  await toTimes(page);
  await page.locator('.times a').first().click();
  await fillDetails(page, { first: 'Eve', surname: 'Twinning', dob: '1960-06-06', sex: 'Female', mobile: '0400 000 004' });
  await page.getByRole('button', { name: 'Book appointment' }).click();
  await page.getByRole('heading', { name: 'Your appointment is booked' }).waitFor();
  const ref = new URL(page.url()).pathname.split('/')[2]!;
  const b = booking.store.bookingByRef(ref)!;
  assert.equal(b.status, 'needsReview');
  await page.goto(`${booking.url}${practicePath}`);
  const row = page.locator(`tr[data-ref="${ref}"]`).filter({ has: page.getByRole('button', { name: 'Confirm' }) });
  assert.match(await row.innerText(), /2 patient records match/);
  await shot('dashboard-to-confirm');
  await row.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForLoadState('load');
  assert.equal(booking.store.bookingByRef(ref)!.status, 'booked');
  // The practice moves it in Best Practice to a free time 13 days ahead (the end of the practitioner's longest session, or earlier).
  const db = new Database(sys.database, { readonly: true });
  const free = db.prepare(`SELECT s.STARTTIME, s.ENDTIME, s.LENGTH FROM SESSIONS s WHERE s.USERID = ? AND s.RECORDSTATUS = 1 ORDER BY s.ENDTIME DESC LIMIT 1`).get(b.practitionerId) as { ENDTIME: number; LENGTH: number } | undefined;
  db.close();
  assert.ok(free);
  const day = new Date(Date.now() + 13 * 86400_000);
  const moveTo = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  let moved = 0;
  for (let t = free.ENDTIME - b.length; t > free.ENDTIME - 8 * 3600 && moved === 0; t -= free.LENGTH) {
    const r = await sys.api('POST', `/integrator/sites/${siteId}/queries/immediate`, {
      command: { text: 'BP_MoveAppointment', type: 'storedProcedure', executionMode: 'nonQuery', parameters: [
        { name: '@aptid', type: 'Int', value: String(b.pmsRecordId) }, { name: '@aptdate', type: 'Date', value: moveTo }, { name: '@apttime', type: 'Int', value: String(t) },
        { name: '@RETURN_VALUE', direction: 'returnValue', type: 'Int' }] },
    }, { 'ocp-apim-subscription-key': integ.apiKey });
    assert.equal(r.status, 200, r.text);
    moved = Number((r.json.result.parameters as { value: string }[])[0]?.value ?? 0);
  }
  assert.ok(moved > 0, 'moved in the PMS');
  await waitFor(() => booking.store.bookingByRef(ref)!.status === 'moved', 60_000, 'move seen by the booking product').catch(withServerErrors);
  assert.equal(booking.store.bookingByRef(ref)!.date, moveTo);
  await page.goto(`${booking.url}/bookings/${ref}`);
  assert.match(await page.locator('#moved').innerText(), /moved this appointment/);
});

test('a practice that unticked the integration sees the right message', async () => {
  await sys.link!.integrations.save(integ.id, { enabled: false });
  await page.goto(`${booking.url}${practicePath}`);
  await page.locator('#connection [role=alert]').waitFor();
  assert.equal(await page.locator('#site-state').innerText(), 'Integration disabled');
  assert.match(await page.locator('#connection [role=alert]').innerText(),
    /Bookwell \(via Conduit\) third-party integration has been disabled in Best Practice\. Tick it in Setup › Configuration › Database › Setup third-party integrations and Save\./);
  await shot('dashboard-disabled');
  // A patient trying to book is told too, not shown a crash.
  await page.goto(`${booking.url}/book/${practicePath.split('/')[2]}`);
  assert.match(await page.getByRole('alert').innerText(), /has been disabled in Best Practice/);
  // A code made before the practice unticked the integration pairs nothing: the practice is told why.
  await sys.link!.integrations.save(integ.id, { enabled: true, access: 'readwrite' });
  const { siteId, code } = await sys.link!.integrations.pairingCode(integ.id);
  await sys.link!.integrations.save(integ.id, { enabled: false });
  await connect(siteId, code);
  assert.match(await page.getByRole('alert').innerText(), /has been disabled in Best Practice/);
  assert.equal(await page.locator('#connected').count(), 0);
  // Ticked again, the same code pairs.
  await sys.link!.integrations.save(integ.id, { enabled: true, access: 'readwrite' });
  await connect(siteId, code);
  await page.locator('#connected').waitFor();
  assert.deepEqual(pageErrors, []);
});

test('Link not responding: the dashboard and the patient pages say so', async () => {
  await sys.link!.integrations.save(integ.id, { enabled: true, access: 'readwrite' });
  await sys.link!.stop();
  const expected = /Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server/;
  await waitFor(async () => {
    await page.goto(`${booking.url}${practicePath}`);
    return (await page.locator('#site-state').innerText()) === 'Not responding';
  }, 20_000, 'site shown offline');
  assert.match(await page.locator('#connection [role=alert]').innerText(), expected);
  await shot('dashboard-offline');
  await page.goto(`${booking.url}/book/${practicePath.split('/')[2]}`);
  assert.match(await page.getByRole('alert').innerText(), expected);
});

test('too many wrong pairing codes: rate limited with the wait', async () => {
  const siteId = booking.store.practices()[0]!.bpSiteId;
  let text = '';
  for (let i = 0; i < 12 && !/Too many/.test(text); i++) {
    await connect(siteId, `WRNG-${1000 + i}`);
    text = await page.getByRole('alert').innerText();
  }
  assert.match(text, /Too many failed attempts\. Please wait \d+ (minutes|seconds) and try again\./);
  await shot('onboarding-rate-limited');
});

test('malformed requests get an error page, never a crash: a bad Referer, a bad percent-escape', async () => {
  const bad = await fetch(`${booking.url}/no-such-page`, { headers: { referer: 'http://[' } });
  assert.equal(bad.status, 404);
  assert.match(await bad.text(), /There is no page here/);
  const escaped = await fetch(`${booking.url}/book/%E0%A4%A`);
  assert.equal(escaped.status, 400);
  // A request line whose target is no URL at all (`//`), with a Referer: node:http passes it on as it is.
  const raw = await new Promise<string>((resolve, reject) => {
    const s = tcpConnect(Number(new URL(booking.url).port), '127.0.0.1', () => s.end('GET // HTTP/1.1\r\nHost: x\r\nReferer: /\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (c) => (got += c.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400/);
  const alive = await fetch(`${booking.url}/healthz`);
  assert.equal(alive.status, 200, 'the server is still up');
});

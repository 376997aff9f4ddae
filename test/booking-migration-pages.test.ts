// The migration's pages and operator API against real parts: a real Cloud + Link + simulated practice,
// a real booking server with the migration on and an operator token, a Connector practice registered
// through the operator API with a real Connector agent on the practice database, and real Chromium.
// The practice pairs through its migration page with a real pairing code from the Link; the old
// integration unticked in Bp shows a warning; the operator signs in and works the dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createIntegrator } from '@conduit/cloud';
import { readSiteInfo } from '@conduit/link';
import { setIntegrationLogin } from '@conduit/bp-sim';
import { startBooking, type RunningBooking } from '../packages/booking/src/index.js';
import { StatusCache } from '../packages/booking/src/migration/overview.js';
import { describeDifference } from '../packages/booking/src/migration/shadow-diff.js';
import { ConnectorAgent } from '../packages/connector/src/index.js';
import { System, waitFor } from './support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'booking') : mkdtempSync(join(tmpdir(), 'migration-pages-shots-'));
const PRODUCT = 'Bookwell';
const OPERATOR = 'operator-token-for-the-pages-test-0123456789';
const KEY = 'bw-harbour';
const OTHER = 'bw-riverside';

let sys: System;
let integratorId = '';
let booking: RunningBooking;
let unconfigured: RunningBooking;
let agent: ConnectorAgent;
let browser: Browser;
let bpSiteId = '';
let practiceId = 0;
const errors: string[] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reply = { status: number; json: any; text: string; headers: Headers };
async function call(base: string, method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? OPERATOR}` }), ...opts.headers };
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(`${base}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await r.text();
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: r.status, json, text, headers: r.headers };
}
const api = (method: string, path: string, opts: Parameters<typeof call>[3] = {}): Promise<Reply> => call(booking.url, method, path, opts);
const page = (path: string, opts: Parameters<typeof call>[3] = {}): Promise<Reply> => call(booking.url, 'GET', path, { token: null, ...opts });

/** The HTML of one table row of the operator dashboard (fetched with the Bearer token). */
async function dashboardRow(key: string): Promise<string> {
  const d = await page('/operator/migration', { token: OPERATOR });
  assert.equal(d.status, 200, d.text.slice(0, 300));
  const row = new RegExp(`<tr data-practice="${key}"[\\s\\S]*?</tr>`).exec(d.text)?.[0];
  assert.ok(row, `row of ${key} on the dashboard`);
  return row;
}
const cell = (row: string, cls: string): string => (new RegExp(`<td class="${cls}"[^>]*>([\\s\\S]*?)</td>`).exec(row)?.[1] ?? '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
const step = (html: string, n: number): string | undefined => new RegExp(`<li data-step="${n}" data-done="(true|false)"`).exec(html)?.[1];

before(async () => {
  sys = await System.start({ pair: false });
  const integ = await createIntegrator(sys.cloud.store, PRODUCT);
  integratorId = integ.id;
  bpSiteId = readSiteInfo(sys.database).pmsSiteId;
  booking = await startBooking({
    port: 0, dataFile: join(sys.dir, 'booking.db'), conduit: { baseUrl: sys.cloud.url, apiKey: integ.apiKey }, productName: PRODUCT,
    onError: (e) => errors.push(e instanceof Error ? e.message : String(e)), connector: { requestTimeoutMs: 5000 },
    migration: { enabled: true, operatorToken: OPERATOR, waves: { intervalMs: 3_600_000 } },
  });
  unconfigured = await startBooking({
    port: 0, dataFile: join(sys.dir, 'booking-no-operator.db'), conduit: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' }, onError: () => undefined, migration: { enabled: true },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  agent?.stop();
  await browser?.close().catch(() => undefined);
  await booking?.close().catch(() => undefined);
  await unconfigured?.close().catch(() => undefined);
  await sys?.close();
});

test('a Connector practice is registered through the operator API and its agent connects with the token given once', async () => {
  const bad = await api('POST', '/api/operator/connector-practices', { body: { key: KEY, name: 'Harbour Medical', bpSiteId, colour: 'blue' } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /Unrecognized key.*colour/);
  const short = await api('POST', '/api/operator/connector-practices', { body: { key: KEY, name: 'Harbour Medical', bpSiteId, token: 'short' } });
  assert.equal(short.status, 400);
  assert.match(short.json.error, /token must be 16 to 512 characters/);
  assert.equal((await api('POST', '/api/operator/connector-practices', { body: { key: 'bad key!', name: 'x', bpSiteId: '1' } })).status, 400);

  const reg = await api('POST', '/api/operator/connector-practices', { body: { key: KEY, name: 'Harbour Medical', bpSiteId } });
  assert.equal(reg.status, 201, reg.text);
  assert.equal(reg.json.practice.key, KEY);
  assert.equal(reg.json.practice.conduitSiteId, null);
  assert.match(reg.json.token, /^[\w-]{43}$/, 'a random 32-byte token, given once');
  practiceId = reg.json.practice.id;
  const other = await api('POST', '/api/operator/connector-practices', { body: { key: OTHER, name: 'Riverside Clinic', bpSiteId: 'md-7', pms: 'MedicalDirector', token: 'riverside-token-0123456789' } });
  assert.equal(other.status, 201);
  assert.equal(other.json.token, undefined, 'a token the operator chose is not echoed');

  agent = new ConnectorAgent({
    url: `${booking.url.replace('http', 'ws')}/connector`, practiceId: KEY, token: reg.json.token, databaseFile: sys.database,
    loginName: `${PRODUCT} Connector`, statusIntervalMs: 100, backoff: { initialMs: 20, maxMs: 200 },
  });
  agent.start();
  await waitFor(() => booking.connectors.isOnline(KEY) && booking.connectors.info(KEY).pmsVersion !== null, 5000, 'connector online with its version');
  assert.equal(booking.connectors.info(KEY).databaseAccess, true);
});

test('the operator pages and API need the operator token', async () => {
  const none = await api('GET', '/api/operator/migration', { token: null });
  assert.equal(none.status, 401);
  assert.match(none.json.error, /operator token is required/);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  const wrong = await api('GET', '/api/operator/migration', { token: 'not-the-operator-token' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.json.error, /not right/);
  assert.doesNotMatch(wrong.text, new RegExp(OPERATOR), 'the token is never echoed');
  assert.equal((await api('POST', '/api/operator/tick', { token: null })).status, 401);

  const off = await call(unconfigured.url, 'GET', '/api/operator/migration', {});
  assert.equal(off.status, 503);
  assert.match(off.json.error, /no operator token is configured/);
  const offPage = await call(unconfigured.url, 'GET', '/operator/migration', { token: null });
  assert.equal(offPage.status, 503);
  assert.match(offPage.text, /no operator token is configured/);

  // The HTML pages answer 401 with the sign-in form.
  const html = await page('/operator/migration');
  assert.equal(html.status, 401);
  assert.match(html.text, /<form[^>]+action="\/operator\/sign-in"/);
  assert.match(html.text, /name="next" value="\/operator\/migration"/);

  // Sign-in: a wrong token is refused; the right one sets an HttpOnly, SameSite=Strict session cookie
  // (not the token itself) and goes only to an operator page.
  const form = (token: string, next = '/operator/migration'): RequestInit => ({ method: 'POST', body: new URLSearchParams({ token, next }), redirect: 'manual' });
  const refused = await fetch(`${booking.url}/operator/sign-in`, form('wrong-token'));
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('set-cookie'), null);
  assert.match(await refused.text(), /id="sign-in-error"[^>]*>That operator token is not right/);
  const ok = await fetch(`${booking.url}/operator/sign-in`, form(OPERATOR, '//evil.example/x'));
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/operator/migration', 'no redirect off the site');
  const cookie = ok.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^bookwell_operator=v1\.\d+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
  assert.ok(!cookie.includes(OPERATOR), 'the cookie does not hold the token');
  const session = cookie.split(';')[0]!;
  assert.equal((await page('/operator/migration', { headers: { cookie: session } })).status, 200);
  assert.equal((await api('GET', '/api/operator/migration', { token: null, headers: { cookie: session } })).status, 200);
  const tampered = session.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal((await page('/operator/migration', { headers: { cookie: tampered } })).status, 401);

  // Cross-site requests that change something are refused even with a valid session.
  const evil = await call(booking.url, 'POST', '/operator/migration/tick', { token: null, headers: { cookie: session, origin: 'http://evil.example' } });
  assert.equal(evil.status, 403);
  const evil2 = await call(booking.url, 'POST', '/operator/migration/tick', { token: null, headers: { cookie: session, 'sec-fetch-site': 'cross-site' } });
  assert.equal(evil2.status, 403);
  const evilApi = await api('POST', '/api/operator/tick', { headers: { origin: 'http://evil.example' } });
  assert.equal(evilApi.status, 403);
  const sameSite = await call(booking.url, 'POST', '/operator/migration/tick', { token: null, headers: { cookie: session, origin: booking.url } });
  assert.equal(sameSite.status, 303);
});

test('waves: scheduling is validated, a started wave cannot be cancelled', async () => {
  const day = 24 * 3600_000;
  const at = (ms: number): string => new Date(Date.now() + ms).toISOString();
  const cases: [unknown, RegExp][] = [
    [{ name: 'Pilot', startsAt: at(day), percent: 0 }, /percent must be a whole number from 1 to 100/],
    [{ name: 'Pilot', startsAt: at(day), percent: 12.5 }, /percent must be a whole number/],
    [{ name: '', startsAt: at(day), percent: 10 }, /name is required/],
    [{ name: 'Pilot', startsAt: '2030-07-01T09:00', percent: 10 }, /startsAt must be an ISO 8601 date and time with its time zone/],
    [{ name: 'Pilot', startsAt: at(day), percent: 10, cohort: 'all' }, /Unrecognized key.*cohort/],
    [[1, 2], /expected object/],
  ];
  for (const [body, want] of cases) {
    const r = await api('POST', '/api/operator/waves', { body });
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error, want);
  }
  const notJson = await api('POST', '/api/operator/waves', { raw: '{"name":', headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.match(notJson.json.error, /not valid JSON/);
  assert.equal((await api('POST', '/api/operator/waves', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 415);
  const big = await api('POST', '/api/operator/waves', { raw: JSON.stringify({ name: 'x'.repeat(70_000) }), headers: { 'content-type': 'application/json' } });
  assert.equal(big.status, 413);
  assert.deepEqual(booking.waves.waves(), [], 'nothing scheduled by a refused request');

  const pilot = await api('POST', '/api/operator/waves', { body: { name: 'Pilot', startsAt: at(day), percent: 10 } });
  assert.equal(pilot.status, 201, pilot.text);
  assert.equal(pilot.json.name, 'Pilot');
  assert.equal(pilot.json.startedAt, null);
  // The store's own rules come back as 400 with its words.
  const smaller = await api('POST', '/api/operator/waves', { body: { name: 'Main', startsAt: at(2 * day), percent: 5 } });
  assert.equal(smaller.status, 400);
  assert.match(smaller.json.error, /"Pilot" starts earlier with 10 %/);
  const again = await api('POST', '/api/operator/waves', { body: { name: 'pilot', startsAt: at(2 * day), percent: 20 } });
  assert.equal(again.status, 400);
  assert.match(again.json.error, /already a wave called/);

  // A wave due now starts at the next check: Harbour (the one eligible practice) is its member.
  const early = await api('POST', '/api/operator/waves', { body: { name: 'Early', startsAt: at(-60_000), percent: 5 } });
  assert.equal(early.status, 201, early.text);
  const tick = await api('POST', '/api/operator/tick');
  assert.equal(tick.status, 200);
  assert.deepEqual(tick.json.started, ['Early']);
  assert.deepEqual(tick.json.blocked, [{ practice: KEY, blocker: 'pairing code not entered' }]);
  assert.equal(booking.waves.memberOf(KEY)?.waveId, early.json.id);
  assert.equal(booking.waves.memberOf(OTHER), undefined, 'a practice on another PMS is in no wave');

  const started = await api('DELETE', `/api/operator/waves/${early.json.id}`);
  assert.equal(started.status, 409);
  assert.match(started.json.error, /"Early" has started/);
  assert.equal((await api('DELETE', `/api/operator/waves/${pilot.json.id}`)).status, 204);
  assert.equal((await api('DELETE', `/api/operator/waves/${pilot.json.id}`)).status, 404);
  assert.equal((await api('DELETE', '/api/operator/waves/abc')).status, 404);
  assert.deepEqual(booking.waves.waves().map((w) => w.name), ['Early']);

  const o = await api('GET', '/api/operator/migration');
  assert.equal(o.status, 200);
  const w = o.json.waves.find((x: { name: string }) => x.name === 'Early');
  assert.equal(w.state, 'started');
  assert.deepEqual(w.members.map((m: { practice: string; stage: string; blocker: string }) => [m.practice, m.stage, m.blocker]), [[KEY, 'connector', 'pairing code not entered']]);
  assert.equal(w.stages.connector, 1);
});

test('before pairing, advance is refused with the blocker "pairing code not entered"', async () => {
  const r = await api('POST', `/api/operator/practices/${KEY}/advance`);
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json.error, 'pairing code not entered');
  assert.deepEqual(r.json.blockers, ['pairing code not entered']);
  assert.equal(booking.migration.stage(KEY), 'connector');
  assert.equal((await api('POST', '/api/operator/practices/nobody/advance')).status, 404);
  const other = await api('POST', `/api/operator/practices/${OTHER}/advance`);
  assert.equal(other.status, 409);
  assert.match(other.json.error, /stays on the Connector/);
  assert.equal((await api('POST', `/api/operator/practices/${KEY}/revert`, { body: { to: 'sideways' } })).status, 400);

  const o = await api('GET', '/api/operator/migration');
  const row = o.json.practices.find((p: { key: string }) => p.key === KEY);
  assert.deepEqual([row.stage, row.blocker, row.blockerSource, row.wave.name, row.connector.online, row.connector.databaseAccess], ['connector', 'pairing code not entered', 'live', 'Early', true, true]);
  const html = await dashboardRow(KEY);
  assert.equal(cell(html, 'stage'), 'connector');
  assert.match(cell(html, 'blocker'), /^pairing code not entered/);
  assert.match(cell(await dashboardRow(OTHER), 'stage'), /^stays on the Connector \(MedicalDirector\)$/);
});

test('the practice page shows the steps left and pairs with a real pairing code through its form', async () => {
  const missing = await page('/practices/9999/migration');
  assert.equal(missing.status, 404);
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: 'en-AU' });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  try {
    await p.goto(`${booking.url}/practices/${practiceId}/migration`);
    assert.equal(await p.locator('#stage').innerText(), `Bookings reach you through the ${PRODUCT} Connector.`);
    const done = async (n: number): Promise<string | null> => p.locator(`li[data-step="${n}"]`).getAttribute('data-done');
    assert.deepEqual([await done(1), await done(2), await done(3), await done(4), await done(5)], ['true', 'false', 'false', 'false', 'false']);
    assert.match(await p.locator('li[data-step="1"]').innerText(), /Update Best Practice to Orchid SP1 or later.*Help › About.*Bp Premier Orchid SP1/s);
    assert.match(await p.locator('li[data-step="2"]').innerText(), new RegExp(`tick both ${PRODUCT} \\(via Conduit\\) and ${PRODUCT} Connector, then Save`));
    assert.match(await p.locator('#steps-heading').innerText(), /4 of 5 steps/);
    assert.equal(await p.getByLabel('Site ID').inputValue(), bpSiteId, 'the Site ID is filled in');
    assert.equal(await p.locator('#old-unticked').count(), 0);
    await p.screenshot({ path: join(SHOTS, 'migration-practice-page.png'), fullPage: true });

    // A wrong code: the practice is told why, in its words.
    await p.getByLabel('Pairing code').fill('ZZZZ-9999');
    await Promise.all([p.waitForURL(/error=/), p.getByRole('button', { name: 'Connect' }).click()]);
    assert.match(await p.locator('#pair-error').innerText(), /wrong or has expired/);
    assert.equal(await p.locator('#pair-error').getAttribute('role'), 'alert');
    assert.equal(await done(3), 'false');

    // The practice ticks Bookwell (via Conduit) in the Link, generates a code and pastes it.
    await sys.link!.integrations.save(integratorId, { enabled: true, access: 'readwrite' });
    const code = await sys.link!.integrations.pairingCode(integratorId);
    assert.equal(code.siteId, bpSiteId);
    await p.getByLabel('Pairing code').fill(code.code);
    await Promise.all([p.waitForURL(/connected=1/), p.getByRole('button', { name: 'Connect' }).click()]);
    assert.match(await p.locator('#connected').innerText(), /Connected: Harbour Medical is paired/);
    assert.deepEqual([await done(1), await done(2), await done(3), await done(4), await done(5)], ['true', 'true', 'true', 'true', 'true']);
    assert.equal(await p.locator('#pair-form').count(), 0, 'no form once paired');
    assert.match(await p.locator('#steps-heading').innerText(), /Nothing left for you to do/);
    assert.ok(booking.store.practiceBySite(KEY)?.conduitSiteId, 'the Connector practice kept its record and gained its Conduit site');
  } finally {
    await ctx.close();
  }
  // Paired: the operator can move it on now.
  const r = await api('POST', `/api/operator/practices/${KEY}/advance`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.stage, 'ready');
  const ready = await page(`/practices/${practiceId}/migration`);
  assert.match(ready.text, /We are checking that Conduit gives the same answers as your Connector — nothing changes for you/);
});

test('the practice is warned when the old Connector integration is unticked before the move finished', async () => {
  setIntegrationLogin(sys.database, `${PRODUCT} Connector`, false);
  try {
    await waitFor(() => booking.connectors.info(KEY).databaseAccess === false, 5000, 'the agent reports its login refused');
    const r = await page(`/practices/${practiceId}/migration`);
    assert.equal(r.status, 200);
    const warning = /<div class="alert error" role="alert" id="old-unticked">([\s\S]*?)<\/div>/.exec(r.text)?.[1] ?? '';
    assert.match(warning, /unticked before the move finished/);
    assert.match(warning, /bookings can't reach you/);
    assert.match(warning, new RegExp(`Tick <b>${PRODUCT} Connector</b> again`));
    assert.equal(step(r.text, 2), 'false', 'step 2 (tick both) is to do again');
    assert.match(cell(await dashboardRow(KEY), 'connector'), /access refused/);
  } finally {
    setIntegrationLogin(sys.database, `${PRODUCT} Connector`, true);
  }
  await waitFor(() => booking.connectors.info(KEY).databaseAccess === true, 5000, 'access back');
  const r = await page(`/practices/${practiceId}/migration`);
  assert.doesNotMatch(r.text, /id="old-unticked"/);
  assert.equal(step(r.text, 2), 'true');
});

test('the operator signs in through the form and works the dashboard in Chromium', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1320, height: 900 }, locale: 'en-AU' });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  const pageErrors: string[] = [];
  p.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    const first = await p.goto(`${booking.url}/operator/migration`);
    assert.equal(first?.status(), 401);
    await p.getByLabel('Operator token').fill(OPERATOR);
    await Promise.all([p.waitForURL(/\/operator\/migration$/), p.getByRole('button', { name: 'Sign in' }).click()]);
    const cookie = (await ctx.cookies()).find((c) => c.name === 'bookwell_operator');
    assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/');

    // The waves and the practice rows.
    const early = p.locator('#waves tr', { hasText: 'Early' });
    assert.equal(await early.locator('td.state').innerText().then((t) => t.split('\n')[0]), 'started');
    assert.equal(await early.locator('td.percent').innerText(), '5 %');
    assert.match(await early.locator('td.members').innerText(), /1 practice: ready 1/);
    const row = p.locator(`tr[data-practice="${KEY}"]`);
    assert.equal(await row.locator('td.stage').innerText(), 'ready');
    assert.equal(await row.locator('td.wave').innerText(), 'Early');
    assert.match(await row.locator('td.blocker').innerText(), /^none/);
    assert.match(await row.locator('td.connector').innerText(), /online/);
    assert.equal(await p.locator('#summary li[data-stage="ready"] b').innerText(), '1');
    assert.match(await p.locator(`tr[data-practice="${OTHER}"]`).innerText(), /stays on the Connector \(MedicalDirector\)/);

    // Schedule a wave through the form (the browser's local time), then cancel it.
    await p.getByLabel('Wave name').fill('Autumn');
    await p.getByLabel('Starts').fill('2031-03-02T09:30');
    await p.getByLabel('Share of practices (%, cumulative)').fill('50');
    await Promise.all([p.waitForURL(/flash=/), p.getByRole('button', { name: 'Schedule wave' }).click()]);
    assert.match(await p.locator('#outcome').innerText(), /Wave "Autumn" scheduled: 50 %/);
    const autumn = booking.waves.waves().find((w) => w.name === 'Autumn');
    assert.equal(autumn?.startsAt, new Date(2031, 2, 2, 9, 30).toISOString(), 'the start in the browser\'s own time zone');
    assert.equal(await p.locator(`#waves tr[data-wave="${autumn!.id}"] td.state`).innerText(), 'scheduled');
    // The store's rule refused, in its words.
    await p.getByLabel('Wave name').fill('Tiny');
    await p.getByLabel('Starts').fill('2032-01-01T09:00');
    await p.getByLabel('Share of practices (%, cumulative)').fill('20');
    await Promise.all([p.waitForURL(/flash=/), p.getByRole('button', { name: 'Schedule wave' }).click()]);
    assert.match(await p.locator('#outcome').innerText(), /"Autumn" starts earlier with 50 %/);
    await Promise.all([p.waitForURL(/flash=/), p.locator(`#waves tr[data-wave="${autumn!.id}"] button.cancel`).click()]);
    assert.match(await p.locator('#outcome').innerText(), /Wave "Autumn" cancelled/);
    assert.equal(await p.locator(`#waves tr[data-wave="${autumn!.id}"]`).count(), 0);

    // Check now: the wave runner moves Harbour on (ready -> shadow) and records the soak time left.
    await Promise.all([p.waitForURL(/flash=/), p.getByRole('button', { name: 'Check now' }).click()]);
    assert.match(await p.locator('#outcome').innerText(), /Checked: 0 wave\(s\) started, 1 practice\(s\) moved on, 0 blocked/);
    assert.equal(await row.locator('td.stage').innerText(), 'shadow');
    assert.equal(booking.migrationStore.audit(KEY).at(-1)?.actor, 'wave:Early');
    await p.screenshot({ path: join(SHOTS, 'migration-operator.png'), fullPage: true });

    // Move back and advance by hand.
    await Promise.all([p.waitForURL(/flash=/), row.getByRole('button', { name: 'Move back' }).click()]);
    assert.match(await p.locator('#outcome').innerText(), /Harbour Medical is now on ready/);
    assert.equal(await row.locator('td.stage').innerText(), 'ready');
    await Promise.all([p.waitForURL(/flash=/), row.getByRole('button', { name: 'Advance' }).click()]);
    assert.equal(await row.locator('td.stage').innerText(), 'shadow');
    assert.deepEqual(booking.migrationStore.audit(KEY).slice(-2).map((a) => `${a.from}>${a.to}:${a.actor}`), ['shadow>ready:operator', 'ready>shadow:operator']);

    // Signing out ends the session.
    await Promise.all([p.waitForURL(/sign-in/), p.getByRole('button', { name: 'Sign out' }).click()]);
    const again = await p.goto(`${booking.url}/operator/migration`);
    assert.equal(again?.status(), 401);
    assert.deepEqual(pageErrors, []);
  } finally {
    await ctx.close();
  }
});

test('one practice in detail: its differences (positions, not values) and stage changes, in Chromium and as JSON', async () => {
  const detail = describeDifference([{ id: 1, name: 'Dr Ann Lee' }, { id: 2, name: 'Dr Bo Yu' }], [{ id: 1, name: 'Dr Ann Lee' }]);
  booking.migrationStore.recordComparison(KEY, 'practitioners', false, detail);
  const j = await api('GET', `/api/operator/practices/${KEY}`);
  assert.equal(j.status, 200, j.text);
  assert.equal(j.json.practice.key, KEY);
  assert.equal(j.json.status.stage, booking.migration.stage(KEY));
  assert.equal(j.json.differences.open, 1);
  assert.equal(j.json.differences.shown[0].detail, detail);
  assert.ok(!JSON.stringify(j.json).includes('Dr Bo Yu'), 'no value of the answers is kept');
  assert.ok(j.json.status.audit.length > 0);
  assert.equal((await api('GET', '/api/operator/practices/bw-nobody')).status, 404);
  assert.equal((await api('GET', `/api/operator/practices/${OTHER}`)).status, 409, 'another PMS does not move');
  assert.equal((await api('GET', `/api/operator/practices/${KEY}`, { token: null })).status, 401);
  assert.equal((await api('DELETE', `/api/operator/practices/${KEY}`)).status, 405);

  const ctx = await browser.newContext({ viewport: { width: 1320, height: 900 }, locale: 'en-AU', extraHTTPHeaders: { authorization: `Bearer ${OPERATOR}` } });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  try {
    await p.goto(`${booking.url}/operator/migration`);
    await Promise.all([p.waitForURL(/\/operator\/migration\/practices\//), p.locator(`tr[data-practice="${KEY}"] a.details`).click()]);
    assert.match(await p.locator('#stage').innerText(), new RegExp(`Stage\\s+${booking.migration.stage(KEY)}`));
    assert.match(await p.locator('#differences tbody tr').first().innerText(), /practitioners[\s\S]*Connector 2 rows, Conduit 1 row;[\s\S]*open/);
    assert.ok((await p.locator('#audit tbody tr').count()) >= 1);
    await p.screenshot({ path: join(SHOTS, 'migration-practice-detail.png'), fullPage: true });
    // Its forms come back to it.
    await Promise.all([p.waitForURL(/practices\/.*flash=/), p.getByRole('button', { name: 'Mark differences resolved' }).click()]);
    assert.match(await p.locator('#outcome').innerText(), /shadow differences marked resolved/);
    assert.match(await p.locator('#differences tbody tr').first().innerText(), /resolved/);
    assert.equal((await p.goto(`${booking.url}/operator/migration/practices/bw-nobody`))?.status(), 404);
  } finally {
    await ctx.close();
  }
});

test('shadow differences are marked resolved through the API', async () => {
  booking.migrationStore.recordComparison(KEY, 'practitioners', false, 'test difference');
  const html = await dashboardRow(KEY);
  assert.equal(cell(html, 'differences'), '1');
  assert.match(html, /Mark differences resolved/);
  const blocked = await api('POST', `/api/operator/practices/${KEY}/advance`);
  assert.equal(blocked.status, 409);
  assert.match(blocked.json.error, /1 shadow difference\(s\) to resolve/);
  assert.equal((await api('POST', `/api/operator/practices/${KEY}/resolve-differences`, { body: { extra: 1 } })).status, 400);
  const r = await api('POST', `/api/operator/practices/${KEY}/resolve-differences`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.openDifferences, 0);
  const back = await api('POST', `/api/operator/practices/${KEY}/revert`, { body: { to: 'connector', reason: 'test' } });
  assert.equal(back.status, 200);
  assert.equal(back.json.stage, 'connector');
  assert.equal(back.json.audit.at(-1).reason, 'test');
});

test('the practice page explains "Link unreachable" while Conduit Link is stopped', async () => {
  assert.doesNotMatch((await page(`/practices/${practiceId}/migration`)).text, /id="link-unreachable"/);
  await sys.link!.stop();
  try {
    let text = '';
    await waitFor(async () => /id="link-unreachable"/.test(text = (await page(`/practices/${practiceId}/migration`)).text), 10_000, 'Link unreachable shown');
    assert.match(text, /Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server/);
    const r = await api('POST', `/api/operator/practices/${KEY}/advance`);
    assert.equal(r.status, 409);
    assert.deepEqual(r.json.blockers, ['Link unreachable']);
  } finally {
    await sys.startLink();
  }
  await waitFor(async () => !/id="link-unreachable"/.test((await page(`/practices/${practiceId}/migration`)).text), 10_000, 'Link back');
});

test('unticking "Bookwell (via Conduit)" after pairing shows "integration not ticked" until it is ticked again', async () => {
  await sys.link!.integrations.save(integratorId, { enabled: false });
  try {
    let r: Awaited<ReturnType<typeof api>> | undefined;
    await waitFor(async () => (r = await api('POST', `/api/operator/practices/${KEY}/advance`)).status === 409 && r.json.blockers?.includes('integration not ticked'), 10_000, 'integration not ticked');
    assert.deepEqual(r!.json.blockers, ['integration not ticked']);
    assert.equal(booking.migration.stage(KEY), 'connector');
  } finally {
    await sys.link!.integrations.save(integratorId, { enabled: true, access: 'readwrite' });
  }
  await waitFor(async () => (await booking.migration.status(KEY)).blockers.length === 0, 10_000, 'ticked again');
});

test('the dashboard renders 55 more practices quickly, checking them in parallel', async () => {
  for (let i = 0; i < 55; i++) {
    const key = `bw-load-${i}`;
    const reg = await api('POST', '/api/operator/connector-practices', { body: { key, name: `Load Practice ${String(i).padStart(2, '0')}`, bpSiteId: `load-${i}` } });
    assert.equal(reg.status, 201);
    // Half of them "paired" with a site Conduit does not know: their status asks the real Cloud.
    if (i % 2 === 0) booking.store.setConduitSite(reg.json.practice.id, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  }
  const t0 = Date.now();
  const d = await page('/operator/migration', { token: OPERATOR });
  const ms = Date.now() - t0;
  assert.equal(d.status, 200);
  assert.equal((d.text.match(/<tr data-practice=/g) ?? []).length, 57);
  assert.ok(ms < 3000, `rendered in ${ms} ms`);
  const o = await api('GET', '/api/operator/migration');
  assert.equal(o.json.practices.length, 57);
  assert.equal(o.json.stages.connector, 56);
  const unpaired = o.json.practices.find((x: { key: string }) => x.key === 'bw-load-1');
  assert.equal(unpaired.blocker, 'Bp version older than required; pairing code not entered', 'no Connector has told us its version');
  assert.deepEqual(errors, [], 'no errors in the booking server');
});

test('the status checks run at most 8 at once and a page does not wait past its deadline', async () => {
  let now = 0;
  let most = 0;
  const slow = new Set(['k0']);
  const cache = new StatusCache(async (key) => {
    most = Math.max(most, ++now);
    await new Promise((r) => setTimeout(r, slow.has(key) ? 3000 : 20));
    now--;
    return { practiceId: key } as never;
  }, 5000, 8);
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const t0 = Date.now();
  // 40 checks of 20 ms, 8 at a time, need ~100 ms: the 1 s deadline leaves room for a loaded machine.
  const got = await cache.many(keys, 1000, () => undefined);
  assert.ok(Date.now() - t0 < 2500, 'back at the deadline, not after the slow check');
  assert.equal(most, 8, 'eight at once, never more');
  assert.equal(got.size, 39, 'every answer but the slow one');
  assert.equal(got.has('k0'), false);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await cache.many(['k0'], 10, () => undefined)).size, 1, 'the slow answer is kept for the next page');
});

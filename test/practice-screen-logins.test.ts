// The simulated Bp's direct database logins on the practice screen, in real Chromium: a login recorded
// in SIM_INTEGRATION_LOGIN shows as its own tick box; unticking it and pressing Save cuts the login in
// the practice database (as Bp's own screen would), ticking restores it. Absent with SQL Server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { integrationLoginEnabled, setIntegrationLogin } from '@conduit/bp-sim';
import { Link, readSiteInfo, startLocalUi, type LocalUi } from '@conduit/link';
import { System, waitFor } from './support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
const LOGIN = 'Bookwell Connector';
const EVIL = 'Evil <img src=x onerror="window.__pwned=1"> & Connector';

let sys: System;
let ui: LocalUi;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  sys = await System.start({ pair: false });
  setIntegrationLogin(sys.database, LOGIN, true);
  setIntegrationLogin(sys.database, EVIL, false);
  ui = await startLocalUi(sys.link!, { port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.close().catch(() => undefined);
  await sys?.close();
});

const loginTick = (name: string) => page.getByRole('checkbox', { name, exact: true });
const statusText = () => page.locator('#status');

function call(target: LocalUi, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: { error?: string; code?: string; logins?: unknown; name?: string; enabled?: boolean; directLogins?: boolean } }> {
  const u = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { host: u.host, ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a recorded direct database login shows as its own tick box, with a note that it is the simulated Bp', { timeout: 30_000 }, async () => {
  await page.goto(ui.url);
  await loginTick(LOGIN).waitFor();
  assert.equal(await loginTick(LOGIN).isChecked(), true);
  assert.equal(await loginTick(EVIL).isChecked(), false, 'an unticked login shows unticked');
  assert.equal(await page.locator('#logins').isVisible(), true);
  assert.equal(await page.locator('#logins-title').textContent(), 'Direct database logins (simulated Bp)');
  const row = page.locator('#login-rows > li', { hasText: LOGIN });
  assert.equal(await row.locator('.kind').textContent(), 'Direct database login (simulated Bp)');
  assert.equal(await row.locator('.state').textContent(), 'Allowed: connects with its own database login');
  assert.equal(await page.locator('#rows > li').count(), 1, 'the Conduit integrators stay in their own list');
});

test('unticking a login and pressing Save cuts it in the practice database; ticking it again restores it', { timeout: 30_000 }, async () => {
  await loginTick(LOGIN).uncheck();
  assert.equal(await page.locator('#dirty-note').textContent(), '1 unsaved change');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => /switched off/.test((await statusText().textContent()) ?? ''), 5000, 'switched-off message');
  assert.equal(await statusText().textContent(), `Saved. ${LOGIN} is switched off: the practice database now refuses its login.`);
  assert.equal(integrationLoginEnabled(sys.database, LOGIN), false);
  assert.equal(integrationLoginEnabled(sys.database, EVIL), false, 'the other login was not touched');

  await loginTick(LOGIN).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => /may now connect/.test((await statusText().textContent()) ?? ''), 5000, 'enabled message');
  assert.equal(integrationLoginEnabled(sys.database, LOGIN), true);
  assert.equal(await page.locator('#dirty-note').textContent(), '');
});

test('a login unticked elsewhere (conduit bp-sim login) shows unticked at the page\'s next refresh', { timeout: 30_000 }, async () => {
  const p = await browser.newPage();
  try {
    await p.clock.install();
    await p.goto(ui.url);
    const box = p.getByRole('checkbox', { name: LOGIN, exact: true });
    await box.waitFor();
    assert.equal(await box.isChecked(), true);
    setIntegrationLogin(sys.database, LOGIN, false);
    await p.clock.runFor(15_000);
    await waitFor(async () => !(await box.isChecked()), 5000, 'the refreshed tick');
    assert.equal(await p.locator('#login-rows .state').first().textContent(), 'Not allowed: the database refuses its login');
  } finally {
    setIntegrationLogin(sys.database, LOGIN, true);
    await p.close();
  }
});

test('login names are shown as text, never as markup', { timeout: 30_000 }, async () => {
  assert.equal(await page.locator('#login-rows img').count(), 0);
  assert.equal(await page.locator('#login-rows label', { hasText: 'Evil' }).textContent(), EVIL);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.deepEqual(pageErrors, []);
});

test('the logins API needs the token and this computer\'s Host, validates bodies and refuses unknown names', { timeout: 30_000 }, async () => {
  const token = { 'x-conduit-token': ui.token };
  const put = (body: unknown, headers: Record<string, string> = token) =>
    call(ui, 'PUT', '/api/logins', { 'content-type': 'application/json', ...headers }, typeof body === 'string' ? body : JSON.stringify(body));
  assert.equal((await call(ui, 'GET', '/api/logins', {})).status, 401);
  assert.equal((await put({ name: LOGIN, enabled: false }, {})).status, 401);
  assert.equal((await put({ name: LOGIN, enabled: false }, { ...token, host: 'attacker.example' })).status, 421);
  assert.equal(integrationLoginEnabled(sys.database, LOGIN), true, 'refused calls change nothing');

  const listed = await call(ui, 'GET', '/api/logins', token);
  assert.deepEqual(listed, { status: 200, json: { logins: [{ name: LOGIN, enabled: true }, { name: EVIL, enabled: false }] } });
  const unknown = await put({ name: 'Nobody Connector', enabled: true });
  assert.deepEqual(unknown, { status: 404, json: { code: 'unknown-login', error: 'No direct database login named "Nobody Connector" is recorded in the practice database.' } });
  assert.equal(integrationLoginEnabled(sys.database, 'Nobody Connector'), true, 'no row was added (a login with no row counts as enabled)');
  for (const bad of [{ name: LOGIN }, { name: LOGIN, enabled: 'no' }, { enabled: true }, { name: 'x'.repeat(129), enabled: true }, '{not json', '[]']) {
    const r = await put(bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.json.code, 'invalid');
  }
  assert.deepEqual((await put({ name: 'bookwell connector', enabled: true })).json, { name: LOGIN, enabled: true }, 'names compare case-insensitively');
});

test('with a SQL Server driver there is no logins section and the API refuses', { timeout: 30_000 }, async () => {
  const link = new Link({
    cloudUrl: sys.cloud.url, stateFile: join(mkdtempSync(join(tmpdir(), 'conduit-mssql-')), 'state.db'), site: readSiteInfo(sys.database),
    driver: { kind: 'mssql', server: '127.0.0.1', catalogues: { Patients: 'BPSPatients' }, login: { user: 'u', password: 'p' }, readOnlyLogin: { user: 'r', password: 'p' } },
    logger: pino({ level: 'silent' }),
  });
  const mssqlUi = await startLocalUi(link, { port: 0 });
  try {
    const p = await browser.newPage();
    await p.goto(mssqlUi.url);
    await p.locator('#practice-name', { hasText: link.practiceName }).waitFor();
    assert.equal(await p.locator('#logins').isHidden(), true);
    assert.equal(await p.locator('#login-rows > li').count(), 0);
    await p.close();
    const token = { 'x-conduit-token': mssqlUi.token };
    for (const r of [await call(mssqlUi, 'GET', '/api/logins', token), await call(mssqlUi, 'PUT', '/api/logins', token, JSON.stringify({ name: LOGIN, enabled: false }))]) {
      assert.equal(r.status, 409);
      assert.equal(r.json.code, 'not-simulated');
      assert.match(r.json.error ?? '', /only with the simulated Bp database/);
    }
    assert.equal((await call(mssqlUi, 'GET', '/api/integrations', token)).json.directLogins, false);
  } finally {
    await mssqlUi.close();
    await link.stop();
  }
});

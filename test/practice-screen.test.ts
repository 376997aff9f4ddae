// The practice's "Setup third-party integrations" screen in a real browser (Debian's Chromium driven
// by playwright-core): a practice manager ticks an integration, saves, generates a pairing code, and
// the integrator pairs and queries with it; unticking stops the integrator at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createIntegrator } from '@conduit/cloud';
import { setIntegrationLogin } from '@conduit/bp-sim';
import { startLocalUi, type LocalUi } from '@conduit/link';
import { System, waitFor } from './support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Screenshots for docs/practices are rewritten only when asked (UPDATE_SCREENSHOTS=1), so test runs leave the tree clean.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'practices') : mkdtempSync(join(tmpdir(), 'conduit-shots-'));
// Chromium is required (.ci/run installs Debian's package): a missing browser fails the run, never skips it.
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
const SELECT_SQL = { text: 'SELECT TOP 2 Surname FROM BPS_Patients ORDER BY InternalID' };

let sys: System;
let ui: LocalUi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let other: { id: string; apiKey: string };
const pageErrors: string[] = [];
const cspViolations: string[] = [];

before(async () => {
  sys = await System.start({ pair: false });
  other = await createIntegrator(sys.cloud.store, 'Northwind Recalls');
  // A direct database login, so the screenshot shows the simulator's logins section (practice-screen-logins.test.ts tests it).
  setIntegrationLogin(sys.database, 'Bookwell Connector', true);
  ui = await startLocalUi(sys.link!, { port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1100, height: 760 }, locale: 'en-AU', timezoneId: 'Australia/Sydney' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ui.url).origin });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.close().catch(() => undefined);
  await sys?.close();
});

const tick = (name: string) => page.getByRole('checkbox', { name: `${name} (via Conduit)`, exact: true });
const access = (name: string) => page.getByLabel(`Access for ${name}`, { exact: true });
const selectRow = (name: string) => page.getByRole('radio', { name: `Select ${name}`, exact: true });
const statusText = () => page.locator('#status');
const errorText = () => page.getByRole('alert');

async function cloudSettings(integratorId: string) {
  const list = await sys.cloud.store.integrations({ pmsType: 'BestPractice', pmsSiteId: sys.link!.pmsSiteId });
  return list.find((i) => i.integratorId === integratorId);
}

function rawGet(path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(ui.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the screen shows the practice, its Site ID, the connection and every integrator unticked', { timeout: 60_000 }, async () => {
  await page.goto(ui.url);
  await tick('Test Integrator').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Setup third-party integrations');
  assert.equal(await page.locator('#practice-name').textContent(), sys.link!.practiceName);
  assert.equal(await page.locator('#site-id').textContent(), sys.link!.pmsSiteId);
  assert.equal(await page.locator('#connection').textContent(), 'Connected to Conduit');
  assert.equal(await page.locator('#notice').isHidden(), true);
  assert.equal(await page.locator('#rows > li').count(), 2);
  for (const name of ['Test Integrator', 'Northwind Recalls']) {
    assert.equal(await tick(name).isChecked(), false, `${name} starts unticked`);
    assert.equal(await access(name).inputValue(), 'read', `${name} defaults to read-only`);
  }
  await page.getByRole('checkbox', { name: 'Bookwell Connector', exact: true }).waitFor();
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'integrations-screen.png'), fullPage: true });
});

test('Generate pairing code on an unticked integration says to tick it and save first', { timeout: 60_000 }, async () => {
  await selectRow('Northwind Recalls').check();
  await page.getByRole('button', { name: 'Generate pairing code' }).click();
  await waitFor(async () => ((await errorText().textContent()) ?? '') !== '', 5000, 'an error message');
  assert.equal(await errorText().textContent(), 'Tick Northwind Recalls and press Save before generating a pairing code.');
  assert.equal(await page.locator('#pairing').isHidden(), true);
  // A row with unsaved ticks gets the same advice without a round trip.
  await tick('Northwind Recalls').check();
  await page.getByRole('button', { name: 'Generate pairing code' }).click();
  await waitFor(async () => /Press Save to keep your changes to Northwind Recalls/.test((await errorText().textContent()) ?? ''), 5000, 'save-first message');
  await tick('Northwind Recalls').uncheck();
  assert.equal(await page.locator('#dirty-note').textContent(), '');

  // Keyboard: the arrow keys move the selection between rows, and the selected row is highlighted.
  await selectRow('Northwind Recalls').focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await selectRow('Test Integrator').isChecked(), true);
  assert.match((await page.locator('#rows > li', { hasText: 'Test Integrator' }).getAttribute('class')) ?? '', /\bselected\b/);
  await page.keyboard.press('ArrowUp');
  assert.equal(await selectRow('Northwind Recalls').isChecked(), true);
  assert.doesNotMatch((await page.locator('#rows > li', { hasText: 'Test Integrator' }).getAttribute('class')) ?? '', /\bselected\b/);
});

test('ticking an integration with read and write and pressing Save reaches the Link and the Cloud', { timeout: 60_000 }, async () => {
  await tick('Test Integrator').check();
  await access('Test Integrator').selectOption({ label: 'Read and write' });
  assert.equal(await page.locator('#dirty-note').textContent(), '1 unsaved change');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => ((await statusText().textContent()) ?? '').startsWith('Saved.'), 5000, 'saved message');
  assert.equal(await statusText().textContent(), 'Saved. Test Integrator may now use the practice database (read and write).');
  assert.equal(await page.locator('#dirty-note').textContent(), '');

  const atLink = sys.link!.integrations.get(sys.integratorId);
  assert.equal(atLink?.enabled, true);
  assert.equal(atLink?.access, 'readwrite');
  assert.equal(atLink?.allowList, null);
  assert.equal(sys.link!.integrations.get(other.id), undefined, 'the other integrator was not touched');
  await waitFor(async () => (await cloudSettings(sys.integratorId))?.enabled === true, 5000, 'the Cloud to get the settings');
  assert.equal((await cloudSettings(sys.integratorId))?.access, 'readwrite');
});

test('Generate pairing code shows the Site ID and a one-time code the integrator pairs with', { timeout: 60_000 }, async () => {
  await page.locator('#rows > li', { hasText: 'Test Integrator (via Conduit)' }).click({ position: { x: 600, y: 12 } });
  assert.equal(await selectRow('Test Integrator').isChecked(), true, 'clicking a row selects it');
  await page.getByRole('button', { name: 'Generate pairing code' }).click();
  const panel = page.getByRole('region', { name: 'Pairing code for Test Integrator' });
  await panel.waitFor();
  assert.equal(await page.locator('#pairing-instruction').textContent(),
    "Enter the Site ID and pairing code in Test Integrator's product. The code works once and expires in 24 hours.");
  const siteId = await panel.getByLabel('Site ID', { exact: true }).inputValue();
  const code = await panel.getByLabel('Pairing code', { exact: true }).inputValue();
  assert.equal(siteId, sys.link!.pmsSiteId);
  assert.match(code, /^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
  const expires = Date.parse((await page.locator('#pair-expiry').getAttribute('datetime'))!);
  assert.ok(Math.abs(expires - (Date.now() + 24 * 3600_000)) < 60_000, 'expires in 24 hours');
  assert.ok(((await page.locator('#pair-expiry').textContent()) ?? '').length > 0);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pairing-title', 'focus moves to the code');

  await panel.getByRole('button', { name: 'Copy pairing code' }).click();
  await waitFor(async () => ((await page.locator('#copy-status').textContent()) ?? '') !== '', 5000, 'copy feedback');
  const copied = await page.locator('#copy-status').textContent();
  if (copied === 'Pairing code copied.') assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
  else assert.equal(copied, 'Pairing code is selected: press Ctrl+C to copy it.');
  await page.screenshot({ path: join(SHOTS, 'pairing-code.png'), fullPage: true });

  const pair = (c: string) => sys.api('POST', `/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(siteId)}&practiceManagementName=Best%20Practice&pairingCode=${c}`);
  const paired = await pair(code);
  assert.equal(paired.status, 200, paired.text);
  assert.equal(paired.json.id, sys.siteId);
  const q = await sys.immediate(SELECT_SQL);
  assert.equal(q.status, 200, q.text);
  assert.notEqual((await pair(code)).status, 200, 'the code works once');
});

test('unticking stops the integrator at once; ticking again restores it without a new code', { timeout: 60_000 }, async () => {
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.locator('#pairing').isHidden(), true);
  await tick('Test Integrator').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => /switched off/.test((await statusText().textContent()) ?? ''), 5000, 'switched-off message');
  assert.equal(await statusText().textContent(), 'Saved. Test Integrator is switched off and can no longer query the practice database.');
  assert.equal(sys.link!.integrations.get(sys.integratorId)?.enabled, false);
  const refused = await sys.immediate(SELECT_SQL);
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.text, /disabled in the PMS/);

  await tick('Test Integrator').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => /may now use/.test((await statusText().textContent()) ?? ''), 5000, 'enabled message');
  assert.equal(await access('Test Integrator').inputValue(), 'readwrite', 'the access chosen before is kept');
  const again = await sys.immediate(SELECT_SQL);
  assert.equal(again.status, 200, again.text);
});

test('the allow-list editor saves names and shows the server\'s reason for a bad one', { timeout: 60_000 }, async () => {
  await page.getByText('Tables and procedures for Northwind Recalls').click();
  await page.getByLabel('Only allow the tables and stored procedures listed here (Northwind Recalls)').check();
  await page.getByLabel('Tables for Northwind Recalls').fill('PATIENTS, bad name');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => ((await errorText().textContent()) ?? '') !== '', 5000, 'an error message');
  assert.equal(await errorText().textContent(), 'Could not save Northwind Recalls: "bad name" is not a table or procedure name.');
  assert.equal(sys.link!.integrations.get(other.id), undefined);

  await page.getByLabel('Tables for Northwind Recalls').fill('PATIENTS,\nAPPOINTMENTS');
  await page.getByLabel('Stored procedures for Northwind Recalls').fill('BP_GetAppointmentBookUsers');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => ((await statusText().textContent()) ?? '').startsWith('Saved.'), 5000, 'saved message');
  assert.deepEqual(sys.link!.integrations.get(other.id), {
    ...sys.link!.integrations.get(other.id)!,
    enabled: false, access: 'read', allowList: { tables: ['PATIENTS', 'APPOINTMENTS'], procedures: ['BP_GetAppointmentBookUsers'] },
  });
  assert.match((await page.locator('#rows > li', { hasText: 'Northwind Recalls' }).locator('summary').textContent()) ?? '', /only 2 tables and 1 procedure/);
});

test('when this Link is not authoritative the controls are disabled and the page says why', { timeout: 60_000 }, async () => {
  const p = await context.newPage();
  p.setDefaultTimeout(10_000);
  await p.route('**/api/integrations', async (route) => {
    if (route.request().method() !== 'GET') return route.continue();
    const real = await route.fetch();
    await route.fulfill({ response: real, json: { ...(await real.json()), authoritative: false, connected: false } });
  });
  await p.goto(ui.url);
  await p.getByRole('checkbox', { name: 'Test Integrator (via Conduit)' }).waitFor();
  assert.equal(await p.locator('#connection').textContent(), 'Not connected to Conduit');
  assert.match((await p.locator('#notice').textContent()) ?? '', /not the authoritative Conduit Link/);
  assert.equal(await p.getByRole('checkbox', { name: 'Test Integrator (via Conduit)' }).isDisabled(), true);
  assert.equal(await p.getByLabel('Access for Test Integrator').isDisabled(), true);
  assert.equal(await p.getByRole('checkbox', { name: 'Bookwell Connector', exact: true }).isDisabled(), true);
  assert.equal(await p.getByRole('button', { name: 'Save' }).isDisabled(), true);
  assert.equal(await p.getByRole('button', { name: 'Generate pairing code' }).isDisabled(), true);
  await p.screenshot({ path: join(SHOTS, 'not-authoritative.png'), fullPage: true });
  await p.close();
});

test('integrator names are shown as text, never as markup', { timeout: 60_000 }, async () => {
  const name = 'Evil <img src=x onerror="window.__pwned=1"> & Co';
  await createIntegrator(sys.cloud.store, name);
  await page.reload();
  await tick(name).waitFor();
  assert.equal(await page.locator('#rows img').count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
});

test('the local API refuses calls without the token and for another host name', { timeout: 30_000 }, async () => {
  const host = new URL(ui.url).host;
  assert.equal(await rawGet('/api/integrations', { host }), 401);
  assert.equal(await rawGet('/api/integrations', { host, 'x-conduit-token': 'not-the-token' }), 401);
  assert.equal(await rawGet('/api/integrations', { host, 'x-conduit-token': ui.token }), 200);
  assert.equal(await rawGet('/api/integrations', { host: 'attacker.example', 'x-conduit-token': ui.token }), 421);
  assert.equal(await rawGet('/', { host: 'attacker.example' }), 421);
  // The page itself was served with the token and used it: no uncaught errors and no CSP violations.
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(cspViolations, []);
});

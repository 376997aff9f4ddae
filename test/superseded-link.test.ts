// A practice moved servers: the operator promoted the new server's Link with `conduit admin site promote`.
// The old server's Link is still running and connected; its integrations list (the practice's screen and
// `conduit link integrations list`) must say that this server is no longer the practice's Link and that
// its settings have no effect, not go on showing the integrations as allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Link, startLocalUi, type LocalUi } from '@conduit/link';
import { System, waitFor } from './support/system.js';
import { conduitAsync } from './support/processes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
// The screenshot for docs/practices.md is rewritten only when asked, as in practice-screen.test.ts.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'practices') : mkdtempSync(join(tmpdir(), 'conduit-shots-'));
const NO_LONGER = /no longer the practice's authoritative Conduit Link/;

let sys: System;
let oldUi: LocalUi;
let newLink: Link;
let browser: Browser;
let page: Page;
let oldState: string;

before(async () => {
  // The old server: its Link is authoritative, with the integrator ticked (read and write) and paired.
  sys = await System.start();
  oldState = sys.linkOptions().stateFile;
  oldUi = await startLocalUi(sys.link!, { port: 0, infoFile: `${oldState}.ui.json` });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await (await browser.newContext({ locale: 'en-AU' })).newPage();
  page.setDefaultTimeout(10_000);
  // The practice's screen on the old server is open when the operator promotes the new one.
  await page.goto(oldUi.url);
  await page.getByRole('checkbox', { name: 'Test Integrator (via Conduit)' }).waitFor();
  // The new server, then the operator's command against the running Cloud's data dir.
  newLink = new Link(sys.linkOptions({ stateFile: join(sys.dir, 'new-server.link-state') }));
  await newLink.start();
  await newLink.waitUntilConnected(10_000);
  const promoted = await conduitAsync(['admin', 'site', 'promote', newLink.siteId!, '--data-dir', join(sys.dir, 'cloud')]);
  assert.equal(promoted.status, 0, promoted.stderr);
  await waitFor(() => sys.link!.authoritative === false, 10_000, 'the old Link told it is superseded');
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await oldUi?.close().catch(() => undefined);
  await newLink?.stop().catch(() => undefined);
  await sys?.close();
});

test('conduit link integrations list on the superseded server says it is no longer the practice\'s Link and its settings have no effect', { timeout: 60_000 }, async () => {
  const r = await conduitAsync(['link', 'integrations', 'list', '--state', oldState]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, NO_LONGER);
  assert.match(r.stdout, /settings (shown here )?have no effect/);
  const row = r.stdout.split('\n').find((l) => l.includes('Test Integrator (via Conduit)'));
  assert.ok(row, r.stdout);
  assert.match(row, /no effect/, 'the ticked row itself says it has no effect');
  const json = JSON.parse((await conduitAsync(['link', 'integrations', 'list', '--state', oldState, '--json'])).stdout);
  assert.equal(json.authoritative, false);
  assert.equal(json.superseded, true);
  assert.match(json.authorityNote, NO_LONGER);
});

test('the practice screen left open on the superseded server turns read-only and says why, without a reload', { timeout: 60_000 }, async () => {
  // Its poll (every 15 s) picks the change up.
  await page.locator('#notice').filter({ hasText: NO_LONGER }).waitFor({ timeout: 25_000 });
  const state = (await page.locator('#rows > li', { hasText: 'Test Integrator' }).locator('.state').textContent()) ?? '';
  assert.doesNotMatch(state, /^Allowed/);
  assert.match(state, /no effect/);
  assert.doesNotMatch((await page.locator('#connection').textContent()) ?? '', /^Connected to Conduit$/);
  assert.equal(await page.getByRole('checkbox', { name: 'Test Integrator (via Conduit)' }).isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true);
  // A fresh load says the same.
  await page.reload();
  await page.locator('#notice').filter({ hasText: NO_LONGER }).waitFor();
  assert.match((await page.locator('#rows > li', { hasText: 'Test Integrator' }).locator('.state').textContent()) ?? '', /no effect/);
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.screenshot({ path: join(SHOTS, 'superseded.png'), fullPage: true });
});

test('the superseded Link refuses changes with the same reason, and still knows it after a restart without the Cloud', { timeout: 60_000 }, async () => {
  await assert.rejects(sys.link!.integrations.save(sys.integratorId, { enabled: false }), NO_LONGER);
  await oldUi.close();
  await sys.link!.stop();
  const offline = new Link(sys.linkOptions({ cloudUrl: 'http://127.0.0.1:1' }));
  await offline.start();
  try {
    assert.equal(offline.authoritative, false);
    assert.equal(offline.superseded, true);
    await assert.rejects(offline.integrations.save(sys.integratorId, { enabled: false }), NO_LONGER);
  } finally {
    await offline.stop();
  }
});

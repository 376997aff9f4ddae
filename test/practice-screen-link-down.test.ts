// The practice's screen, open in a real browser (Debian's Chromium), when the Link behind it stops:
// whatever the practice presses next, the page says the Link is not answering, in the message and in the
// connection badge, and never still "Connected to Conduit".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startLocalUi } from '@conduit/link';
import { System } from './support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);

let sys: System | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => undefined);
  await sys?.close();
});

test('Save and Generate pairing code after the Link stopped turn the badge to "Link not answering"', { timeout: 60_000 }, async () => {
  sys = await System.start({ pair: false });
  const ui = await startLocalUi(sys.link!, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(ui.url);
  const badge = page.locator('#connection');
  await page.waitForFunction(() => document.querySelector('#connection')!.textContent === 'Connected to Conduit');
  const name = (await page.locator('.tick label').first().innerText()).replace(/ \(via Conduit\)$/, '');

  await ui.close();
  await page.getByRole('checkbox', { name: `${name} (via Conduit)`, exact: true }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'The Conduit Link on this computer is not answering' }).waitFor();
  assert.equal(await badge.innerText(), 'Link not answering');
  assert.match(await badge.getAttribute('class') ?? '', /\bbad\b/);

  // From a fresh page state: the pairing code button finds the Link gone too.
  await page.evaluate(() => {
    const b = document.querySelector('#connection')!;
    b.className = 'badge ok';
    b.textContent = 'Connected to Conduit';
  });
  await page.getByRole('checkbox', { name: `${name} (via Conduit)`, exact: true }).uncheck();
  await page.getByRole('radio', { name: `Select ${name}`, exact: true }).check();
  await page.getByRole('button', { name: 'Generate pairing code' }).click();
  await page.waitForFunction(() => document.querySelector('#connection')!.textContent === 'Link not answering');
});

// The browser asks the practice's screen for /favicon.ico on every load: the Link answers with a small
// icon of its own (no network), so the browser's console stays free of a 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startLocalUi, type LocalUi } from '@conduit/link';
import { System } from './support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);

let sys: System;
let ui: LocalUi;
let browser: Browser;
before(async () => {
  sys = await System.start({ pair: false });
  ui = await startLocalUi(sys.link!, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});
after(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.close().catch(() => undefined);
  await sys?.close();
});

test('GET /favicon.ico answers a 16x16 Windows icon as image/x-icon, without the token', async () => {
  const res = await fetch(new URL('/favicon.ico', ui.url));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/x-icon');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const ico = Buffer.from(await res.arrayBuffer());
  assert.equal(Number(res.headers.get('content-length')), ico.length);
  // ICONDIR: reserved 0, type 1 (icon), one image; its entry: 16x16, 32 bits, data right after the header.
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)], [0, 1, 1]);
  assert.deepEqual([ico[6], ico[7], ico.readUInt16LE(12)], [16, 16, 32]);
  assert.equal(ico.readUInt32LE(14) + ico.readUInt32LE(18), ico.length, 'size and offset cover the file');
  // HEAD answers the headers only; the icon is still refused to another host name (DNS rebinding).
  const head = await fetch(new URL('/favicon.ico', ui.url), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test('the browser loads the screen with no error in its console (it was the 404 of /favicon.ico)', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  const failed: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // Playwright does not report the browser's own favicon request; its 404 shows only as a console error.
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(ui.url);
  await page.getByRole('checkbox', { name: 'Test Integrator (via Conduit)' }).waitFor();
  // Chromium asks for /favicon.ico after the load (and said so within a second on the old code).
  await new Promise((r) => setTimeout(r, 2000));
  assert.deepEqual(failed, []);
  assert.deepEqual(errors, []);
  await page.close();
});

// The Link's local API (the practice screen's and the CLI's): it refuses what the Cloud could not take,
// so one bad setting never stops the others from reaching the Cloud.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startLocalUi, type LocalUi } from '@conduit/link';
import { System, waitFor } from './support/system.js';
import { CrashProxy } from './support/crash-proxy.js';

let sys: System;
let ui: LocalUi;
before(async () => {
  sys = await System.start({ pair: false });
  ui = await startLocalUi(sys.link!, { port: 0 });
});
after(async () => {
  await ui?.close().catch(() => undefined);
  await sys?.close();
});

async function put(id: string, body: string): Promise<{ status: number; json: { error?: string } }> {
  const res = await fetch(`${ui.url}api/integrations/${id}`, {
    method: 'PUT', headers: { 'x-conduit-token': ui.token, 'content-type': 'application/json' }, body,
  });
  return { status: res.status, json: (await res.json()) as { error?: string } };
}

async function cloudSetting(integratorId: string) {
  const list = await sys.cloud.store.integrations({ pmsType: 'BestPractice', pmsSiteId: sys.link!.pmsSiteId });
  return list.find((i) => i.integratorId === integratorId);
}

test('an id shaped like a GUID that is not one is refused, and nothing is stored', async () => {
  const notUuid = '11111111-1111-1111-1111-111111111111';
  const res = await put(notUuid, JSON.stringify({ enabled: true }));
  assert.equal(res.status, 400, JSON.stringify(res.json));
  assert.match(res.json.error!, /not an integrator id/);
  assert.equal(sys.link!.integrations.get(notUuid), undefined);
});

test('an allow-list that is not an object, or a name the Cloud cannot take, is refused with the reason', async () => {
  for (const allowList of ['"PATIENTS"', 'true', '["PATIENTS"]']) {
    const res = await put(sys.integratorId, `{"enabled":true,"allowList":${allowList}}`);
    assert.equal(res.status, 400, allowList);
    assert.match(res.json.error!, /allowList/);
  }
  const long = 'T'.repeat(129);
  const res = await put(sys.integratorId, JSON.stringify({ enabled: true, allowList: { tables: [long] } }));
  assert.equal(res.status, 400);
  assert.match(res.json.error!, /cannot be kept: allowList\.tables/);
});

test('a body over the limit is answered 400, not dropped with the connection', async () => {
  const res = await put(sys.integratorId, JSON.stringify({ enabled: true, pad: 'x'.repeat(70 * 1024) }));
  assert.equal(res.status, 400);
  assert.match(res.json.error!, /too large/);
});

test('a setting an earlier release stored unchecked is left out of reports, so the others still reach the Cloud', async () => {
  const state = new Database(sys.linkOptions().stateFile);
  state.prepare('INSERT INTO integrations (integrator_id, enabled, access, allow_list, updated_at) VALUES (?, 1, ?, NULL, ?)')
    .run('11111111-1111-1111-1111-111111111111', 'read', new Date().toISOString());
  state.close();
  const res = await put(sys.integratorId, JSON.stringify({ enabled: true, access: 'read' }));
  assert.equal(res.status, 200, JSON.stringify(res.json));
  await waitFor(async () => (await cloudSetting(sys.integratorId))?.enabled === true, 5000, 'the setting reached the Cloud');
});

test('a Cloud that holds the connection but does not answer: the screen lists the integrators as last seen, and a change is kept and said to be unconfirmed', { timeout: 40_000 }, async () => {
  const own = await System.start({ withLink: false });
  const proxy = await CrashProxy.start(own.cloud.port);
  await own.startLink({ cloudUrl: proxy.url, heartbeatIntervalMs: 60_000 });
  const screen = await startLocalUi(own.link!, { port: 0 });
  const list = async (): Promise<Response> => fetch(`${screen.url}api/integrations`, { headers: { 'x-conduit-token': screen.token } });
  try {
    const fresh = await list();
    assert.equal(fresh.status, 200);
    const names = ((await fresh.json()) as { integrations: { name: string }[] }).integrations.map((i) => i.name);
    assert.ok(names.includes('Test Integrator'), names.join(', '));
    proxy.blackhole();
    const started = Date.now();
    const stale = await list();
    assert.equal(stale.status, 200, await stale.clone().text());
    assert.deepEqual(((await stale.json()) as { integrations: { name: string }[] }).integrations.map((i) => i.name), names);
    assert.ok(Date.now() - started < 10_000);
    // A change then is kept and applied here, and the answer says the Cloud has not confirmed it.
    const saved = await fetch(`${screen.url}api/integrations/${own.integratorId}`, {
      method: 'PUT', headers: { 'x-conduit-token': screen.token, 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }),
    });
    const body = (await saved.json()) as { code?: string; error?: string };
    assert.equal(saved.status, 503);
    assert.equal(body.code, 'unconfirmed');
    assert.match(body.error!, /Saved on this computer/);
    assert.equal(own.link!.integrations.get(own.integratorId)?.enabled, true);
  } finally {
    await screen.close();
    await proxy.close();
    await own.close();
  }
});

test('the page\'s address file goes when the page closes, so the CLI never calls a port another program took', async () => {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const infoFile = join(sys.dir, 'page.ui.json');
  const page = await startLocalUi(sys.link!, { port: 0, infoFile });
  assert.equal(existsSync(infoFile), true);
  await page.close();
  assert.equal(existsSync(infoFile), false);
});

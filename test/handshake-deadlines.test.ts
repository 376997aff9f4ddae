// Neither side waits for ever in a handshake. A Cloud whose store does not answer while admitting a
// Link closes the socket with 1013 after admitTimeoutMs, and a late answer creates no session for the
// dead socket; a Link whose Cloud takes the upgrade and then says nothing leaves after welcomeTimeoutMs
// and tries again on its backoff.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { Link, readSiteInfo } from '@conduit/link';
import { System, waitFor } from './support/system.js';

const systems: System[] = [];
after(async () => {
  for (const s of systems) await s.close();
});

test('a store that does not answer while admitting a Link: closed 1013, the Link comes back, the late answer is ignored', async () => {
  const sys = await System.start({ withLink: false, cloud: { admitTimeoutMs: 400 } });
  systems.push(sys);
  const store = sys.cloud.store;
  const real = store.linkByPublicKey.bind(store);
  // The first lookup hangs until the test lets it answer (a stuck store connection); later ones are real.
  let answerLate: (() => void) | undefined;
  let calls = 0;
  store.linkByPublicKey = (key: string) => {
    calls++;
    if (calls > 1) return real(key);
    return new Promise((resolve) => {
      answerLate = () => void real(key).then(resolve);
    });
  };
  const closes: number[] = [];
  const link = new Link(sys.linkOptions({ stateFile: join(sys.dir, 'deadline-link.db'), warmExecutors: 0 }));
  link.on('disconnected', (code: number) => closes.push(code));
  const t0 = Date.now();
  try {
    await link.start();
    await link.waitUntilConnected(10_000);
    assert.deepEqual(closes, [1013], 'the first attempt was closed as "try again later"');
    assert.ok(Date.now() - t0 >= 400, 'not before admitTimeoutMs');
    assert.equal(sys.cloud.gateway.handshakesInProgress, 0, 'the slow attempt gave its handshake slot back');
    const gw = sys.cloud.gateway;
    const live = gw.session(link.siteId!);
    assert.ok(live);
    // The stuck lookup answers now: its socket is gone, so it must neither add nor replace a session.
    answerLate!();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(gw.session(link.siteId!), live, 'the live session was not replaced');
    assert.deepEqual(gw.connectedSites, [link.siteId]);
    assert.equal(link.status, 'connected');
    assert.deepEqual(closes, [1013]);
    assert.equal((await store.site(link.siteId!))?.session, 'open');
  } finally {
    await link.stop();
  }
});

test('a Cloud that takes the upgrade and never answers the hello: the Link leaves after welcomeTimeoutMs and tries again', async () => {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const hellos: number[] = [];
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', () => hellos.push(Date.now()))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  const link = new Link(sys.linkOptions({
    cloudUrl: url, stateFile: join(sys.dir, 'silent-cloud-link.db'), site: readSiteInfo(sys.database), warmExecutors: 0, welcomeTimeoutMs: 300,
  }));
  try {
    await link.start();
    await waitFor(() => hellos.length >= 3, 10_000, 'three hellos: the Link gave up on silent attempts and came back');
    // Each attempt waited the welcome timeout (300 ms) plus the backoff before the next (50–500 ms here).
    for (let i = 1; i < hellos.length; i++) assert.ok(hellos[i]! - hellos[i - 1]! >= 300, `attempts ${hellos[i]! - hellos[i - 1]!} ms apart`);
    assert.notEqual(link.status, 'connected');
  } finally {
    await link.stop();
    wss.close();
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => server.close(r));
  }
});

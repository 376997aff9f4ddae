// The gateway's handshake admission: a node takes at most maxHandshakes Link handshakes at a time and
// answers the excess 503 + Retry-After before any crypto or store work; real Links refused that way
// wait the pushback (with jitter, no hot loop) and all get in once handshakes finish.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Link, readSiteInfo } from '@conduit/link';
import { DEFAULT_BACKOFF } from '../packages/link/src/backoff.js';
import { System, waitFor } from './support/system.js';

const systems: System[] = [];
after(async () => {
  for (const s of systems) await s.close();
});

interface Attempt {
  ws: WebSocket;
  /** 101 when upgraded, else the HTTP status the upgrade was answered with. */
  status: Promise<number>;
  retryAfter?: string;
}

/** A raw upgrade to the Link endpoint that sends nothing once open: it holds a handshake slot. */
function rawAttempt(url: string): Attempt {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/link/v1/connect`, { perMessageDeflate: false });
  const a: Attempt = { ws, status: Promise.resolve(0) };
  a.status = new Promise((resolve) => {
    ws.on('upgrade', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => {
      a.retryAfter = res.headers['retry-after'];
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', () => resolve(-1));
  });
  return a;
}

function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.terminate();
  });
}

test('upgrades beyond the handshake limit are answered 503 + Retry-After, and a slot frees when its handshake ends', async () => {
  const sys = await System.start({ withLink: false, cloud: { maxHandshakes: 3 } });
  systems.push(sys);
  const gw = sys.cloud.gateway;
  const attempts = Array.from({ length: 10 }, () => rawAttempt(sys.cloud.url));
  const statuses = await Promise.all(attempts.map((a) => a.status));
  assert.equal(statuses.filter((s) => s === 101).length, 3, `upgraded: ${statuses.join(',')}`);
  assert.equal(statuses.filter((s) => s === 503).length, 7, `refused: ${statuses.join(',')}`);
  for (const a of attempts.filter((_, i) => statuses[i] === 503)) assert.equal(a.retryAfter, '2');
  assert.equal(gw.handshakesRefused, 7);
  assert.equal(gw.handshakesInProgress, 3);

  const open = attempts.filter((_, i) => statuses[i] === 101);
  // A socket that goes away mid-handshake frees its slot.
  await closed(open[0]!.ws);
  await waitFor(() => gw.handshakesInProgress === 2, 5000, 'slot freed by a closed socket');
  // A handshake that fails (a frame that is not a hello) frees its slot too.
  const failedClose = new Promise<number>((resolve) => open[1]!.ws.once('close', (code) => resolve(code)));
  open[1]!.ws.send('not json');
  assert.equal(await failedClose, 4001);
  await waitFor(() => gw.handshakesInProgress === 1, 5000, 'slot freed by a failed handshake');
  // Two slots free: the next two upgrades are taken, the one after is refused again.
  const next = [rawAttempt(sys.cloud.url), rawAttempt(sys.cloud.url)];
  assert.deepEqual(await Promise.all(next.map((a) => a.status)), [101, 101]);
  assert.equal(await rawAttempt(sys.cloud.url).status, 503);
  for (const a of [...attempts, ...next]) await closed(a.ws);
  await waitFor(() => gw.handshakesInProgress === 0, 5000, 'all slots free');
});

test('real Links refused as busy wait the Retry-After with jitter, never hot-loop, and all connect once slots free', async () => {
  const sys = await System.start({ withLink: false, cloud: { maxHandshakes: 2 } });
  systems.push(sys);
  const gw = sys.cloud.gateway;
  // Two idle upgrades hold both slots, so every Link's first attempt is refused.
  const blockers = [rawAttempt(sys.cloud.url), rawAttempt(sys.cloud.url)];
  assert.deepEqual(await Promise.all(blockers.map((b) => b.status)), [101, 101]);
  const site = readSiteInfo(sys.database);
  const links = Array.from({ length: 6 }, (_, i) => new Link(sys.linkOptions({
    stateFile: join(sys.dir, `link-${i}.db`), site: { ...site, pmsSiteId: `admission-${i}` }, warmExecutors: 0, backoff: DEFAULT_BACKOFF,
  })));
  const t0 = Date.now();
  try {
    await Promise.all(links.map((l) => l.start()));
    await waitFor(() => gw.handshakesRefused === 6, 5000, 'every first attempt refused');
    await waitFor(() => links.every((l) => l.status === 'waiting'), 5000, 'Links waiting');
    // Retry-After is 2 s and a Link waits 2–4 s: nothing comes back before 2 s has passed.
    await new Promise((r) => setTimeout(r, Math.max(0, 1800 - (Date.now() - t0))));
    assert.equal(gw.handshakesRefused, 6, 'no Link retried before its Retry-After');
    for (const b of blockers) await closed(b.ws);
    await Promise.all(links.map((l) => l.waitUntilConnected(30_000)));
    const took = Date.now() - t0;
    assert.ok(took >= 2000, `connected after the pushback (${took} ms)`);
    assert.equal(sys.cloud.gateway.connectedSites.length, 6);
    // Over the ~2–10 s they waited each Link tried a few times at most: at least 2 s apart.
    assert.ok(gw.handshakesRefused <= 6 * Math.ceil(took / 2000), `refused ${gw.handshakesRefused} times in ${took} ms`);
    assert.equal(gw.handshakesInProgress, 0);
  } finally {
    await Promise.all(links.map((l) => l.stop()));
  }
});

// The Link's connection: trusts only its Cloud's signature, survives a dead Cloud, reports availability.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pino from 'pino';
import { startCloud } from '@conduit/cloud';
import { Link } from '@conduit/link';
import { System, waitFor } from './support/system.js';

const systems: System[] = [];
after(async () => {
  for (const s of systems) await s.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

test('a Link pinned to its Cloud refuses an impostor Cloud and never connects to it', async () => {
  const sys = await System.start();
  systems.push(sys);
  const impostor = await startCloud({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'conduit-imp-')), logger: pino({ level: 'silent' }) });
  const link = new Link(sys.linkOptions({ cloudUrl: impostor.url, stateFile: join(sys.dir, 'other-state.db'), cloudPublicKey: sys.cloud.publicKey }));
  await link.start();
  try {
    await waitFor(() => link.rejectedFrames >= 2, 5000, 'rejected frames');
    assert.notEqual(link.status, 'connected');
    assert.deepEqual(impostor.gateway.connectedSites, []);
  } finally {
    await link.stop();
    await impostor.close();
  }
});

test('trust on first use: the first Cloud key is pinned and a different one later is refused', async () => {
  const sys = await System.start();
  systems.push(sys);
  const port = sys.cloud.port;
  await sys.link!.stop();
  await sys.cloud.close();
  // A different Cloud (new data, new key) takes over the same address.
  const impostor = await startCloud({ port, dataDir: mkdtempSync(join(tmpdir(), 'conduit-imp-')), logger: pino({ level: 'silent' }) });
  const link = new Link(sys.linkOptions({ cloudUrl: impostor.url }));
  await link.start();
  try {
    await waitFor(() => link.rejectedFrames >= 1, 5000, 'rejected frame');
    assert.notEqual(link.status, 'connected');
  } finally {
    await link.stop();
    await impostor.close();
    await sys.startCloud(port);
    sys.link = undefined;
  }
});

test('a Link whose Cloud is down keeps retrying without crashing, then connects', async () => {
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  const port = await freePort();
  const cloudUrl = `http://127.0.0.1:${port}`;
  const link = new Link(sys.linkOptions({ cloudUrl }));
  await link.start();
  try {
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(link.status, 'waiting');
    const cloud = await startCloud({ port, dataDir: join(sys.dir, 'cloud2'), logger: pino({ level: 'silent' }) });
    await link.waitUntilConnected(5000);
    assert.ok(link.siteId);
    await link.stop();
    await cloud.close();
  } finally {
    await link.stop().catch(() => undefined);
  }
});

test('availability: online with a live session, unreachable when the socket dies, offline when the Link signs off', async () => {
  const sys = await System.start({ link: { backoff: { initialMinMs: 3000, initialMaxMs: 3000 } } });
  systems.push(sys);
  const site = async (): Promise<string> => (await sys.api('GET', `/integrator/sites/${sys.siteId}`)).json.availability;
  assert.equal(await site(), 'online');
  sys.link!.dropConnection();
  await waitFor(async () => (await site()) === 'unreachable', 2000, 'unreachable');
  // Unreachable for seconds, not minutes: the answer says what happened.
  const res = await sys.immediate({ text: 'SELECT 1 AS N' });
  assert.equal(res.status, 503);
  assert.match(res.json.error.message, /lost its connection to the Cloud moments ago/);
  // The envelope does not carry the query; its id comes in a header, so it can be read back.
  const id = res.headers.get('conduit-query-id');
  assert.ok(id);
  const back = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${id}`);
  assert.equal(back.status, 200);
  assert.equal(back.json.status, 'initialisationFailedSiteUnreachable');
  await sys.link!.waitUntilConnected(6000);
  assert.equal(await site(), 'online');
  const heard = (await sys.api('GET', `/integrator/sites/${sys.siteId}`)).json;
  await sys.link!.stop();
  await waitFor(async () => (await site()) === 'offline', 2000, 'offline');
  assert.ok(heard.heartbeatTimestampUTC);
  sys.link = undefined;
});

test('a signed welcome recorded on the wire opens no session when it is replayed to the Link', async () => {
  const { WebSocketServer, WebSocket } = await import('ws');
  const sys = await System.start();
  systems.push(sys);
  await sys.link!.stop();
  // A relay on the path between Link and Cloud (a ws:// URL, or a proxy that ends TLS) that records the
  // Cloud's frames; then answers the Link's next hello with the welcome it recorded ('replay'); then relays
  // a whole real handshake but swaps the Cloud's welcome for the recorded one ('swap').
  let welcome: string | undefined;
  let replaying = false;
  let swapping = false;
  const closes: number[] = [];
  const relay = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  relay.on('connection', (fromLink) => {
    fromLink.on('close', (code) => closes.push(code));
    if (replaying) {
      fromLink.on('message', (m) => {
        if (String(m).includes('"type":"hello"')) fromLink.send(welcome!);
      });
      return;
    }
    const toCloud = new WebSocket(`${sys.cloud.url.replace('http', 'ws')}/link/v1/connect`);
    const queued: string[] = [];
    fromLink.on('message', (m) => (toCloud.readyState === WebSocket.OPEN ? toCloud.send(String(m)) : queued.push(String(m))));
    toCloud.on('open', () => queued.splice(0).forEach((m) => toCloud.send(m)));
    toCloud.on('message', (m) => {
      const frame = String(m);
      if (frame.includes('"type":"welcome"')) {
        if (swapping) return fromLink.send(welcome!);
        welcome = frame;
      }
      fromLink.send(frame);
    });
    fromLink.on('close', () => toCloud.close());
    toCloud.on('close', () => fromLink.terminate());
  });
  await new Promise((r) => relay.once('listening', r));
  const link = new Link(sys.linkOptions({ cloudUrl: `http://127.0.0.1:${(relay.address() as { port: number }).port}` }));
  await link.start();
  try {
    await link.waitUntilConnected(10_000);
    assert.ok(welcome, 'the relay saw the signed welcome');
    replaying = true;
    for (const c of relay.clients) c.terminate();
    await waitFor(() => closes.length >= 2, 10_000, 'the Link to answer the replayed welcome');
    assert.equal(closes.at(-1), 4002, 'the Link closed the connection as a protocol error');
    assert.notEqual(link.status, 'connected');
    // The real handshake passes through (hello, challenge, auth), and the recorded welcome comes in place of
    // the Cloud's own: it names another connection's nonce.
    replaying = false;
    swapping = true;
    const before = closes.length;
    await waitFor(() => closes.length > before, 10_000, 'the Link to answer the swapped welcome');
    assert.equal(closes.at(-1), 4002);
    assert.notEqual(link.status, 'connected');
  } finally {
    await link.stop();
    relay.close();
  }
});

test('a query the Link cannot read (a newer Cloud\'s) fails alone with the reason; the connection and other queries go on', async () => {
  const sys = await System.start();
  systems.push(sys);
  const session = sys.cloud.gateway.session(sys.siteId)!;
  const exec = (queryId: string, type: string) => ({
    queryId, mode: 'immediate' as const, integratorId: sys.integratorId, startBy: Date.now() + 30_000, executionMs: 10_000, maxResultBytes: 1 << 20,
    command: { text: 'SELECT @a AS A', type: 'text' as const, executionMode: 'reader' as const, parameters: [{ name: '@a', direction: 'input' as const, type, value: '1' }] },
  });
  // A parameter type this release does not know, as a later Cloud might send: the Link's schema refuses it.
  const unknown = sys.cloud.gateway.dispatch({ siteId: sys.siteId, deadline: Date.now() + 30_000, exec: exec('00000000-0000-4000-8000-00000000000a', 'FutureType') as never });
  const o = await unknown.outcome;
  assert.equal(o.kind, 'failed');
  assert.match((o as { msg: { errorDetails: { errorMessage: string } } }).msg.errorDetails.errorMessage, /could not read the query.*update its Conduit Link/);
  assert.equal(sys.cloud.gateway.session(sys.siteId), session, 'the same session: the connection stayed up');
  assert.equal((await sys.immediate({ text: 'SELECT 1 AS One' })).status, 200);
});

test('a Cloud with another key is explained once, at error level, with both keys and --cloud-key; given that key, the Link connects', async () => {
  const { Writable } = await import('node:stream');
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  const lines: { level: number; msg: string; trustedKey?: string; offeredKey?: string }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
    done();
  } });
  const rebuilt = await startCloud({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'conduit-rebuilt-')), logger: pino({ level: 'silent' }) });
  const stateFile = join(sys.dir, 'pinned-state.db');
  const link = new Link(sys.linkOptions({ cloudUrl: rebuilt.url, stateFile, cloudPublicKey: sys.cloud.publicKey, logger: pino({ level: 'info' }, sink), backoff: { initialMinMs: 50, initialMaxMs: 60, capMs: 100 } }));
  await link.start();
  try {
    await waitFor(() => link.rejectedFrames >= 3, 10_000, 'rejected frames');
    const explained = lines.filter((l) => l.level === 50);
    assert.equal(explained.length, 1, 'once, not at every attempt');
    assert.match(explained[0]!.msg, new RegExp(`the server at ${rebuilt.url.replace(/[.]/g, '\\.')} signs with a different Cloud key than the one this Link trusts`));
    assert.match(explained[0]!.msg, /restart the Link with --cloud-key <that key>/);
    assert.equal(explained[0]!.trustedKey, sys.cloud.publicKey);
    assert.equal(explained[0]!.offeredKey, rebuilt.publicKey);
  } finally {
    await link.stop();
  }
  const moved = new Link(sys.linkOptions({ cloudUrl: rebuilt.url, stateFile, cloudPublicKey: rebuilt.publicKey }));
  await moved.start();
  try {
    await moved.waitUntilConnected(5000);
  } finally {
    await moved.stop();
    await rebuilt.close();
  }
});

test('a --cloud that is not a Cloud (an HTTP server answering 404) is said so, with the address, and without a second, vaguer warning', async () => {
  const { Writable } = await import('node:stream');
  const { createServer: createHttp } = await import('node:http');
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  const lines: { level: number; msg: string; status?: number }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
    done();
  } });
  const web = createHttp((_req, res) => res.writeHead(404).end('not here'));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
  const link = new Link(sys.linkOptions({ cloudUrl: url, stateFile: join(sys.dir, 'web-state.db'), logger: pino({ level: 'info' }, sink), backoff: { initialMinMs: 50, initialMaxMs: 60, capMs: 100 } }));
  await link.start();
  try {
    await waitFor(() => lines.filter((l) => l.status === 404).length >= 2, 10_000, 'refused twice');
    const said = lines.find((l) => l.status === 404)!;
    assert.equal(said.level, 40);
    assert.equal(said.msg, `the server at ${url} refused the Link's connection (HTTP 404): is --cloud the Conduit Cloud's address? A proxy in front of the Cloud must pass WebSocket upgrades on /link/v1/connect`);
    assert.deepEqual(lines.filter((l) => l.msg === 'cloud connection error'), []);
  } finally {
    await link.stop();
    web.close();
  }
});

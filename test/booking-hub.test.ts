// The booking product's ConnectorHub on its own: hello deadline, request timeout, pending requests
// failed on disconnect, a second connection replacing the first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { ConnectorHub, ConnectorError } from '../packages/booking/src/index.js';

async function hubServer(opts: ConstructorParameters<typeof ConnectorHub>[0]) {
  const hub = new ConnectorHub(opts);
  hub.setToken('p1', 'secret-token');
  const server = createServer((_req, res) => res.end());
  hub.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/connector`;
  return { hub, url, close: async () => { hub.close(); server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); } };
}

function client(url: string, hello?: object): Promise<{ ws: WebSocket; welcome: boolean; closed: Promise<number>; frames: unknown[] }> {
  const ws = new WebSocket(url);
  const frames: unknown[] = [];
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return new Promise((resolve) => {
    ws.on('open', () => {
      if (!hello) resolve({ ws, welcome: false, closed, frames });
      else ws.send(JSON.stringify(hello));
    });
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { kind: string };
      frames.push(m);
      if (m.kind === 'welcome') resolve({ ws, welcome: true, closed, frames });
    });
  });
}

const hello = (token = 'secret-token') => ({ kind: 'hello', practiceId: 'p1', token, version: 1 });

test('an agent that never says hello is closed; a wrong path is refused', async () => {
  const h = await hubServer({ helloTimeoutMs: 50 });
  const c = await client(h.url);
  assert.equal(await c.closed, 4401);
  const other = new WebSocket(h.url.replace('/connector', '/elsewhere'));
  await new Promise<void>((r) => other.on('error', () => r()));
  await h.close();
});

test('requests time out, and pending requests fail when the agent disconnects', async () => {
  const h = await hubServer({ requestTimeoutMs: 50 });
  const c = await client(h.url, hello());
  assert.ok(c.welcome && h.hub.isOnline('p1'));
  await assert.rejects(h.hub.request('p1', { text: 'SELECT 1' }), (e) => e instanceof ConnectorError && e.kind === 'timeout');
  const pending = h.hub.request('p1', { text: 'SELECT 1' }, 5000);
  c.ws.terminate();
  await assert.rejects(pending, (e) => e instanceof ConnectorError && e.kind === 'offline');
  await assert.rejects(h.hub.request('p1', { text: 'SELECT 1' }), (e) => e instanceof ConnectorError && e.kind === 'offline');
  await h.close();
});

test('answers are matched by id; a reconnect replaces the old connection; a wrong token never gets in', async () => {
  const h = await hubServer({ requestTimeoutMs: 2000 });
  const bad = new WebSocket(h.url);
  bad.on('open', () => bad.send(JSON.stringify(hello('nope'))));
  assert.equal(await new Promise<number>((r) => bad.on('close', (code) => r(code))), 4401);
  assert.equal(h.hub.isOnline('p1'), false);
  const a = await client(h.url, hello());
  a.ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { kind: string; id: string; text: string };
    if (m.kind === 'request') a.ws.send(JSON.stringify({ kind: 'response', id: m.id, rows: [{ text: m.text }], rowsAffected: -1, returnValue: null }));
  });
  const [r1, r2] = await Promise.all([h.hub.request('p1', { text: 'one' }), h.hub.request('p1', { text: 'two' })]);
  assert.deepEqual([r1.rows, r2.rows], [[{ text: 'one' }], [{ text: 'two' }]]);
  const b = await client(h.url, hello());
  assert.equal(await a.closed, 1000, 'the older connection is closed');
  assert.ok(b.welcome && h.hub.isOnline('p1'));
  await h.close();
});

// The Connector agent against a minimal product endpoint over a real WebSocket on loopback and a
// real simulated practice database: hello, requests, errors, reconnect with backoff, refusal, retirement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createPracticeDatabase } from '@conduit/bp-sim';
import { ConnectorAgent, CLOSE_UNAUTHORISED, AgentMessageSchema, type AgentMessage } from '../src/index.js';

let dir = '';
let dbFile = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'connector-'));
  dbFile = join(dir, 'practice.db');
  createPracticeDatabase(dbFile, { patients: 40, weeks: 2, practitioners: 2, seed: 3 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny endpoint: accepts token "good", records messages, lets the test send frames. */
async function endpoint(): Promise<{ url: string; wss: WebSocketServer; sockets: WebSocket[]; messages: AgentMessage[]; next: (kind: AgentMessage['kind']) => Promise<AgentMessage>; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets: WebSocket[] = [];
  const messages: AgentMessage[] = [];
  const waiters: { kind: string; resolve: (m: AgentMessage) => void }[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (d) => {
      const m = AgentMessageSchema.parse(JSON.parse(String(d)));
      if (m.kind === 'hello') {
        if (m.token !== 'good') { ws.close(CLOSE_UNAUTHORISED); return; }
        ws.send(JSON.stringify({ kind: 'welcome', practiceId: m.practiceId }));
      }
      messages.push(m);
      const i = waiters.findIndex((w) => w.kind === m.kind);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    });
  });
  const next = (kind: AgentMessage['kind']) => new Promise<AgentMessage>((resolve) => waiters.push({ kind, resolve }));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/connector`;
  return { url, wss, sockets, messages, next, close: () => new Promise((r) => { for (const s of wss.clients) s.terminate(); wss.close(() => r()); }) };
}

test('answers text and procedure requests on the practice database, and reports SQL errors', async () => {
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p1', token: 'good', databaseFile: dbFile });
  const hello = ep.next('hello');
  agent.start();
  assert.equal((await hello).kind, 'hello');
  const ws = ep.sockets[0]!;
  let r = ep.next('response');
  ws.send(JSON.stringify({ kind: 'request', id: 'a', text: 'EXEC BP_GetAppointmentBookUsers' }));
  let m = await r;
  assert.ok(m.kind === 'response' && m.id === 'a' && (m.rows?.length ?? 0) >= 2 && m.error === undefined);
  r = ep.next('response');
  ws.send(JSON.stringify({ kind: 'request', id: 'b', text: 'BP_AddPatient', type: 'storedProcedure', parameters: [
    { name: '@firstname', type: 'VarChar', value: 'Ada' }, { name: '@surname', type: 'VarChar', value: 'Lovelace' },
    { name: '@dob', type: 'Date', value: '1990-12-10' }, { name: '@sexcode', type: 'Int', value: '2' },
    { name: '@mobilephone', type: 'VarChar', value: '0400000000' }, { name: '@RETURN_VALUE', type: 'Int', direction: 'returnValue' }] }));
  m = await r;
  assert.ok(m.kind === 'response' && typeof m.returnValue === 'number' && m.returnValue > 0, JSON.stringify(m));
  r = ep.next('response');
  ws.send(JSON.stringify({ kind: 'request', id: 'c', text: 'SELECT NOPE FROM NOWHERE' }));
  m = await r;
  assert.ok(m.kind === 'response' && m.error && typeof m.error.number === 'number');
  assert.equal(agent.state, 'online');
  agent.stop();
  assert.equal(await agent.done(), 'stopped');
  assert.equal(agent.databaseOpen, false);
  await ep.close();
});

test('reconnects with backoff after the connection drops', async () => {
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p1', token: 'good', databaseFile: dbFile, backoff: { initialMs: 20, maxMs: 100 } });
  let hello = ep.next('hello');
  agent.start();
  await hello;
  hello = ep.next('hello');
  ep.sockets[0]!.terminate();
  await hello;
  assert.equal(ep.sockets.length, 2);
  agent.stop();
  await ep.close();
});

test('a wrong token is refused and the agent stops trying', async () => {
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p1', token: 'bad', databaseFile: dbFile, backoff: { initialMs: 10, maxMs: 10 } });
  agent.start();
  assert.equal(await agent.done(), 'unauthorised');
  assert.equal(agent.databaseOpen, false);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(ep.sockets.length, 1, 'no further attempts');
  await ep.close();
});

test('shutdown closes the database, reports retired, and never reconnects', async () => {
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p9', token: 'good', databaseFile: dbFile, backoff: { initialMs: 10, maxMs: 10 } });
  const hello = ep.next('hello');
  agent.start();
  await hello;
  const retired = ep.next('retired');
  ep.sockets[0]!.send(JSON.stringify({ kind: 'shutdown', reason: 'moved to Conduit' }));
  const m = await retired;
  assert.deepEqual(m, { kind: 'retired', practiceId: 'p9', databaseClosed: true });
  assert.equal(await agent.done(), 'retired');
  assert.equal(agent.databaseOpen, false);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(ep.sockets.length, 1);
  await ep.close();
});

// The Connector agent against a minimal product endpoint over a real WebSocket on loopback and a
// real simulated practice database: hello, requests, errors, reconnect with backoff, refusal, retirement,
// and the practice's tick box for the Connector's own database login (error 18456 when unticked).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BpSimDatabase, createPracticeDatabase, integrationLoginEnabled, setIntegrationLogin, setPmsVersion, SIM_INTEGRATION_LOGIN_TABLE } from '@conduit/bp-sim';
import { ConnectorAgent, CLOSE_RETIRED, CLOSE_UNAUTHORISED, AgentMessageSchema, DEFAULT_LOGIN_NAME, type AgentMessage } from '../src/index.js';

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
  assert.equal(agent.state, 'retiring', 'waits for the product to record it');
  assert.equal(agent.databaseOpen, false);
  ep.sockets[0]!.close(CLOSE_RETIRED, 'retired');
  assert.equal(await agent.done(), 'retired');
  assert.equal(agent.databaseOpen, false);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(ep.sockets.length, 1);
  await ep.close();
});

test('a retirement the product never acknowledged is undone: the database opens again and the agent serves', async () => {
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p10', token: 'good', databaseFile: dbFile, backoff: { initialMs: 10, maxMs: 10 } });
  const hello = ep.next('hello');
  agent.start();
  await hello;
  const retired = ep.next('retired');
  ep.sockets[0]!.send(JSON.stringify({ kind: 'shutdown' }));
  await retired;
  assert.equal(agent.databaseOpen, false);
  // The product goes away before recording it (a crash): the connection ends without CLOSE_RETIRED.
  const again = ep.next('hello');
  ep.sockets[0]!.terminate();
  await within(again, 5000, 'the agent reconnects');
  assert.equal(agent.databaseOpen, true, 'its database is open again');
  const answered = ep.next('response');
  ep.sockets[1]!.send(JSON.stringify({ kind: 'request', id: 'after', text: 'EXEC BP_GetAppointmentBookUsers' }));
  const r = await within(answered);
  assert.ok(r.kind === 'response' && r.error === undefined && (r.rows?.length ?? 0) > 0);
  agent.stop();
  await agent.done();
  await ep.close();
});

/** Fails instead of hanging when the awaited frame never comes. */
function within<T>(p: Promise<T>, ms = 5000, what = 'a frame'): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_r, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); })]).finally(() => clearTimeout(t));
}

/** A fresh practice file of its own, so ticking and unticking does not touch the other tests. */
function practice(name: string): string {
  const file = join(dir, `${name}.db`);
  createPracticeDatabase(file, { patients: 20, weeks: 1, practitioners: 2, seed: 5 });
  return file;
}

const patientCount = (file: string): number => {
  const db = BpSimDatabase.open(file, { readonly: true });
  try { return (db.raw.prepare('SELECT COUNT(*) AS n FROM PATIENTS').get() as { n: number }).n; } finally { db.close(); }
};

const ADD_PATIENT = {
  kind: 'request', text: 'BP_AddPatient', type: 'storedProcedure', parameters: [
    { name: '@firstname', type: 'VarChar', value: 'Grace' }, { name: '@surname', type: 'VarChar', value: 'Hopper' },
    { name: '@dob', type: 'Date', value: '1986-12-09' }, { name: '@sexcode', type: 'Int', value: '2' },
    { name: '@mobilephone', type: 'VarChar', value: '0400000001' }, { name: '@RETURN_VALUE', type: 'Int', direction: 'returnValue' }],
};

test('hello carries the practice\'s Bp version and that the database login is let in', async () => {
  const file = practice('version');
  setPmsVersion(file, 'Bp Premier Jade SP2');
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p1', token: 'good', databaseFile: file });
  try {
    const hello = ep.next('hello');
    agent.start();
    const m = await within(hello);
    assert.ok(m.kind === 'hello');
    assert.equal(m.pmsVersion, 'Bp Premier Jade SP2');
    assert.equal(m.databaseAccess, true);
    assert.equal(agent.loginName, DEFAULT_LOGIN_NAME);
  } finally {
    agent.stop();
    await ep.close();
  }
});

test('an unticked login refuses requests with error 18456 without running them; ticking it again is reported and restores them', async () => {
  const file = practice('ticks');
  const ep = await endpoint();
  const changes: boolean[] = [];
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p1', token: 'good', databaseFile: file, statusIntervalMs: 30, onStatusChange: (s) => changes.push(s.databaseAccess) });
  try {
    agent.start();
    await within(ep.next('hello'));
    for (let i = 0; i < 100 && agent.state !== 'online'; i++) await new Promise((r) => setTimeout(r, 20)); // welcome received
    assert.equal(agent.state, 'online');
    const ws = ep.sockets[0]!;
    const before = patientCount(file);

    setIntegrationLogin(file, 'Bookwell Connector', false);
    assert.equal(integrationLoginEnabled(file, 'bookwell connector'), false, 'login names compare case-insensitively');
    const seen = ep.messages.length;
    const response = ep.next('response');
    ws.send(JSON.stringify({ ...ADD_PATIENT, id: 'd1' }));
    const m = await within(response);
    assert.ok(m.kind === 'response');
    assert.deepEqual(m.error, { message: "Login failed for user 'Bookwell Connector'.", number: 18456 });
    assert.equal(m.rows, undefined);
    assert.equal(patientCount(file), before, 'the refused request did not run');
    const after = ep.messages.slice(seen).map((x) => x.kind);
    assert.deepEqual(after.slice(0, 2), ['status', 'response'], 'the status goes out before the refusal (unless the timer got there first)');
    const cut = ep.messages.slice(seen).find((x) => x.kind === 'status');
    assert.ok(cut?.kind === 'status' && cut.databaseAccess === false && cut.pmsVersion !== undefined);
    assert.equal(agent.databaseAccess, false);

    const restored = ep.next('status');
    setIntegrationLogin(file, 'Bookwell Connector', true);
    const back = await within(restored, 5000, 'the status of the restored login'); // found by the periodic check, with no request
    assert.ok(back.kind === 'status' && back.databaseAccess === true);
    const ok = ep.next('response');
    ws.send(JSON.stringify({ ...ADD_PATIENT, id: 'd2' }));
    const r = await within(ok);
    assert.ok(r.kind === 'response' && r.error === undefined && typeof r.returnValue === 'number' && r.returnValue > 0, JSON.stringify(r));
    assert.equal(patientCount(file), before + 1);
    assert.deepEqual(changes, [true, false, true]);
  } finally {
    agent.stop();
    await ep.close();
  }
});

test('only the agent\'s own login counts, and a database made before the login table still works', async () => {
  const file = practice('older');
  const db = BpSimDatabase.open(file);
  db.raw.exec(`DROP TABLE ${SIM_INTEGRATION_LOGIN_TABLE}`);
  db.close();
  assert.equal(integrationLoginEnabled(file, 'Bookwell Connector'), true, 'no table: every login is let in');
  setIntegrationLogin(file, 'Other Product', false); // made lazily
  assert.equal(integrationLoginEnabled(file, 'Other Product'), false);
  assert.equal(integrationLoginEnabled(file, 'Bookwell Connector'), true, 'a login with no row is let in');
  const ep = await endpoint();
  const agent = new ConnectorAgent({ url: ep.url, practiceId: 'p1', token: 'good', databaseFile: file, loginName: 'Acme Connector' });
  try {
    const hello = ep.next('hello');
    agent.start();
    const h = await within(hello);
    assert.ok(h.kind === 'hello' && h.databaseAccess === true);
    const r = ep.next('response');
    ep.sockets[0]!.send(JSON.stringify({ kind: 'request', id: 'x', text: 'SELECT COUNT(*) AS N FROM BPS_Patients' }));
    const m = await within(r);
    assert.ok(m.kind === 'response' && m.error === undefined && m.rows?.[0]?.N === 20, JSON.stringify(m));
    setIntegrationLogin(file, 'Acme Connector', false);
    const denied = ep.next('response');
    ep.sockets[0]!.send(JSON.stringify({ kind: 'request', id: 'y', text: 'SELECT 1 AS one' }));
    const d = await within(denied);
    assert.ok(d.kind === 'response' && d.error?.number === 18456 && d.error.message === "Login failed for user 'Acme Connector'.");
  } finally {
    agent.stop();
    await ep.close();
  }
});

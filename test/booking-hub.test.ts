// The booking product's ConnectorHub on its own: hello deadline, request timeout, pending requests
// failed on disconnect, a second connection replacing the first. Then with the real Connector agent,
// in-process and as a standalone process (node packages/connector/src/main.ts, `conduit connector`):
// what it reports (Bp version, database access), the practice unticking its login (`denied`),
// retirement and exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createPracticeDatabase, setIntegrationLogin, setPmsVersion } from '@conduit/bp-sim';
import { ConnectorAgent } from '@conduit/connector';
import { ConnectorHub, ConnectorError } from '../packages/booking/src/index.js';
import { conduitSync } from './support/processes.js';

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

test('requests time out; a request sent before the agent disconnects is lost (it may have run); one made while disconnected is offline (never sent)', async () => {
  const h = await hubServer({ requestTimeoutMs: 50, reconnectWaitMs: 100 });
  const c = await client(h.url, hello());
  assert.ok(c.welcome && h.hub.isOnline('p1'));
  await assert.rejects(h.hub.request('p1', { text: 'SELECT 1' }), (e) => e instanceof ConnectorError && e.kind === 'timeout');
  const pending = h.hub.request('p1', { text: 'SELECT 1' }, 5000);
  c.ws.terminate();
  await assert.rejects(pending, (e) => e instanceof ConnectorError && e.kind === 'lost');
  const t0 = Date.now();
  await assert.rejects(h.hub.request('p1', { text: 'SELECT 1' }), (e) => e instanceof ConnectorError && e.kind === 'offline');
  assert.ok(Date.now() - t0 >= 90, 'a Connector that has just dropped is waited for a moment');
  await h.close();
});

test('a request made while a Connector that just dropped reconnects waits for it and is answered', async () => {
  const h = await hubServer({ reconnectWaitMs: 5000 });
  const first = await client(h.url, hello());
  first.ws.terminate();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.hub.isOnline('p1'), false);
  const answered = h.hub.request('p1', { text: 'SELECT 1' }, 5000);
  // The agent comes back and answers (its handler is in place before it says hello).
  const again = new WebSocket(h.url);
  again.on('open', () => again.send(JSON.stringify(hello())));
  again.on('message', (d) => {
    const m = JSON.parse(String(d)) as { kind: string; id: string };
    if (m.kind === 'request') again.send(JSON.stringify({ kind: 'response', id: m.id, rows: [{ one: 1 }] }));
  });
  assert.deepEqual((await answered).rows, [{ one: 1 }]);
  again.terminate();
  const never = new ConnectorHub({ reconnectWaitMs: 5000 });
  const t0 = Date.now();
  await assert.rejects(never.request('nobody', { text: 'SELECT 1' }), (e) => e instanceof ConnectorError && e.kind === 'offline');
  assert.ok(Date.now() - t0 < 500, 'a practice that was never connected is refused at once');
  never.close();
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

// ---- the hub with the real agent --------------------------------------------------------------------

const ROOT = join(import.meta.dirname, '..');
const CONNECTOR_MAIN = join(ROOT, 'packages', 'connector', 'src', 'main.ts');
const CLI_MAIN = join(ROOT, 'packages', 'cli', 'src', 'main.ts');
let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'booking-hub-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

function practice(name: string, pmsVersion?: string): string {
  const file = join(dir, `${name}.db`);
  createPracticeDatabase(file, { patients: 25, weeks: 1, practitioners: 2, seed: 7 });
  if (pmsVersion) setPmsVersion(file, pmsVersion);
  return file;
}

/** Fails instead of hanging when the awaited thing never happens. */
function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_r, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); })]).finally(() => clearTimeout(t));
}

/** Records the hub's events; `next(e)` resolves at the next (or an already recorded, not yet taken) event e. */
function events(hub: ConnectorHub): { all: string[]; next: (e: string) => Promise<void> } {
  const all: string[] = [];
  let taken = 0;
  const waiters: { e: string; resolve: () => void }[] = [];
  hub.onEvent = (_p, e) => {
    all.push(e);
    const i = waiters.findIndex((w) => w.e === e);
    if (i >= 0) { waiters.splice(i, 1)[0]!.resolve(); taken = all.length; }
  };
  const next = (e: string): Promise<void> => {
    if (all.slice(taken).includes(e)) { taken = all.lastIndexOf(e) + 1; return Promise.resolve(); }
    return within(new Promise((resolve) => waiters.push({ e, resolve })), `the hub event ${e}`);
  };
  return { all, next };
}

const COUNT = { text: 'SELECT COUNT(*) AS N FROM BPS_Patients' };

test('with the real agent: info() has the Bp version and access; unticking the login gives `denied` and access-cut, ticking it restores', async () => {
  const file = practice('ticks', 'Bp Premier Jade SP2');
  const h = await hubServer({ requestTimeoutMs: 5000 });
  const ev = events(h.hub);
  assert.deepEqual(h.hub.info('p1'), { online: false, retired: false, pmsVersion: null, databaseAccess: null, lastSeenAt: null });
  const agent = new ConnectorAgent({ url: h.url, practiceId: 'p1', token: 'secret-token', databaseFile: file, statusIntervalMs: 40 });
  try {
    agent.start();
    await ev.next('online');
    const info = h.hub.info('p1');
    assert.equal(info.online, true);
    assert.equal(info.pmsVersion, 'Bp Premier Jade SP2');
    assert.equal(info.databaseAccess, true);
    assert.ok(info.lastSeenAt && Date.now() - Date.parse(info.lastSeenAt) < 10_000);
    assert.deepEqual((await h.hub.request('p1', COUNT)).rows, [{ N: 25 }]);

    setIntegrationLogin(file, 'Bookwell Connector', false);
    await assert.rejects(h.hub.request('p1', COUNT), (e) => e instanceof ConnectorError && e.kind === 'denied' && e.number === 18456
      && e.message === "Login failed for user 'Bookwell Connector'.");
    assert.equal(h.hub.info('p1').databaseAccess, false);
    assert.equal(h.hub.info('p1').online, true, 'the Connector is still connected, only its login is refused');
    assert.deepEqual(ev.all.filter((e) => e.startsWith('access')), ['access-cut']);

    setIntegrationLogin(file, 'Bookwell Connector', true);
    await ev.next('access-restored'); // the agent's periodic check, with no request
    assert.equal(h.hub.info('p1').databaseAccess, true);
    assert.deepEqual((await h.hub.request('p1', COUNT)).rows, [{ N: 25 }]);
    assert.deepEqual(ev.all.filter((e) => e.startsWith('access')), ['access-cut', 'access-restored']);

    agent.stop();
    await agent.done();
    await ev.next('offline');
    const gone = h.hub.info('p1');
    assert.equal(gone.online, false);
    assert.equal(gone.pmsVersion, 'Bp Premier Jade SP2', 'the last report is kept while offline');
  } finally {
    agent.stop();
    await h.close();
  }
});

test('an agent that says hello with its login cut fires access-cut; an older agent\'s 18456 is still `denied`', async () => {
  const h = await hubServer({ requestTimeoutMs: 2000 });
  const ev = events(h.hub);
  try {
    const c = await within(client(h.url, { ...hello(), pmsVersion: 'Bp Premier Orchid SP1', databaseAccess: false }), 'welcome');
    assert.ok(c.welcome);
    assert.deepEqual(ev.all, ['online', 'access-cut']);
    assert.equal(h.hub.info('p1').databaseAccess, false);
    c.ws.send(JSON.stringify({ kind: 'status', databaseAccess: true }));
    await ev.next('access-restored');
    assert.equal(h.hub.info('p1').pmsVersion, 'Bp Premier Orchid SP1', 'a status without a version keeps the last one');
    c.ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { kind: string; id: string };
      if (m.kind === 'request') c.ws.send(JSON.stringify({ kind: 'response', id: m.id, error: { message: "Login failed for user 'Old Connector'.", number: 18456 } }));
    });
    await assert.rejects(h.hub.request('p1', COUNT), (e) => e instanceof ConnectorError && e.kind === 'denied');
    assert.equal(h.hub.info('p1').databaseAccess, false);
    assert.deepEqual(ev.all, ['online', 'access-cut', 'access-restored', 'access-cut']);
  } finally {
    await h.close();
  }
});

/** The standalone Connector (or `conduit connector` with cli) as a real child process. */
function spawnConnector(args: string[], env: Record<string, string>, cli = false) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli ? CLI_MAIN : CONNECTOR_MAIN, ...(cli ? ['connector'] : []), ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => err };
}

test('the standalone Connector process connects, answers, and exits 0 once its retirement is confirmed', async () => {
  const file = practice('process', 'Bp Premier Jade SP2');
  const h = await hubServer({ requestTimeoutMs: 10_000 });
  const ev = events(h.hub);
  const p = spawnConnector(['--url', h.url, '--practice', 'p1', '--database', file], { CONDUIT_CONNECTOR_TOKEN: 'secret-token' });
  try {
    await Promise.race([ev.next('online'), p.exited.then((code) => { throw new Error(`exited ${code}: ${p.stderr()}`); })]);
    assert.equal(h.hub.info('p1').pmsVersion, 'Bp Premier Jade SP2');
    assert.deepEqual((await h.hub.request('p1', COUNT)).rows, [{ N: 25 }]);
    assert.equal(await h.hub.retire('p1'), true, 'the process confirmed with its database closed');
    assert.equal(await within(p.exited, 'the process to exit'), 0);
    assert.equal(h.hub.info('p1').retired, true);
    const log = p.stderr();
    assert.match(log, /online: connected to ws:\/\/127\.0\.0\.1:\d+\/connector as practice p1/);
    assert.match(log, /database access: granted .*Bp Premier Jade SP2/);
    assert.match(log, /retired by the product/);
    assert.ok(!log.includes('secret-token'), 'the token is never logged');
    assert.ok(!/Grace|Hopper|Surname/i.test(log));
  } finally {
    p.child.kill('SIGKILL');
    await h.close();
  }
});

test('`conduit connector` from the environment; `conduit bp-sim login/version` cut and restore its access; SIGTERM stops it with 0', async () => {
  const file = practice('cli');
  const h = await hubServer({ requestTimeoutMs: 10_000 });
  const ev = events(h.hub);
  const p = spawnConnector([], {
    CONDUIT_CONNECTOR_URL: h.url, CONDUIT_CONNECTOR_PRACTICE: 'p1', CONDUIT_CONNECTOR_TOKEN: 'secret-token',
    CONDUIT_CONNECTOR_DATABASE: file, CONDUIT_CONNECTOR_LOGIN_NAME: 'Bookwell Connector', CONDUIT_CONNECTOR_STATUS_INTERVAL_MS: '100',
  }, true);
  try {
    await Promise.race([ev.next('online'), p.exited.then((code) => { throw new Error(`exited ${code}: ${p.stderr()}`); })]);
    const off = conduitSync(['bp-sim', 'login', file, '--name', 'Bookwell Connector', '--disable']);
    assert.equal(off.status, 0, off.stderr);
    await assert.rejects(h.hub.request('p1', COUNT), (e) => e instanceof ConnectorError && e.kind === 'denied');
    const on = conduitSync(['bp-sim', 'login', file, '--name', 'Bookwell Connector', '--enable']);
    assert.equal(on.status, 0, on.stderr);
    await ev.next('access-restored');
    assert.deepEqual((await h.hub.request('p1', COUNT)).rows, [{ N: 25 }]);
    const v = conduitSync(['bp-sim', 'version', file, 'Bp Premier Jade SP2']);
    assert.equal(v.status, 0, v.stderr);
    for (let i = 0; i < 100 && h.hub.info('p1').pmsVersion !== 'Bp Premier Jade SP2'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.hub.info('p1').pmsVersion, 'Bp Premier Jade SP2', 'a version change is reported without a reconnect');
    p.child.kill('SIGTERM');
    assert.equal(await within(p.exited, 'the process to exit'), 0);
    assert.match(p.stderr(), /database access: REFUSED/);
    assert.match(p.stderr(), /SIGTERM: stopping/);
    assert.equal(h.hub.isRetired('p1'), false, 'a local stop is not a retirement');
  } finally {
    p.child.kill('SIGKILL');
    await h.close();
  }
});

test('bad settings exit 64 with a clear message; a refused token exits 2', async () => {
  const run = (args: string[], env: Record<string, string> = {}, cli = false) =>
    spawnSync(process.execPath, ['--import', 'tsx', cli ? CLI_MAIN : CONNECTOR_MAIN, ...(cli ? ['connector'] : []), ...args], {
      cwd: ROOT, env: { ...process.env, CONDUIT_CONNECTOR_DATABASE: '', ...env }, encoding: 'utf8', timeout: 60_000,
    });
  const noDb = run(['--url', 'ws://127.0.0.1:9/connector', '--practice', 'p1'], { CONDUIT_CONNECTOR_TOKEN: 't' });
  assert.equal(noDb.status, 64, noDb.stderr);
  assert.match(noDb.stderr, /--database is required \(or CONDUIT_CONNECTOR_DATABASE\)/);
  assert.doesNotMatch(noDb.stderr, /--url|--practice|token is required/, 'only the missing setting is reported');
  const missingFile = run(['--url', 'ws://127.0.0.1:9/connector', '--practice', 'p1', '--database', join(dir, 'nope.db')], { CONDUIT_CONNECTOR_TOKEN: 't' }, true);
  assert.equal(missingFile.status, 64, missingFile.stderr);
  assert.match(missingFile.stderr, /practice database not found: .*nope\.db/);
  const badUrl = run(['--url', 'http://127.0.0.1:9/connector', '--practice', 'p1', '--database', join(dir, 'nope.db')], { CONDUIT_CONNECTOR_TOKEN: 't' });
  assert.equal(badUrl.status, 64);
  assert.match(badUrl.stderr, /--url must be a ws:\/\/ or wss:\/\/ URL/);

  const file = practice('refused');
  const h = await hubServer({});
  try {
    const refused = spawnConnector(['--url', h.url, '--practice', 'p1', '--database', file], { CONDUIT_CONNECTOR_TOKEN: 'wrong-token' });
    assert.equal(await within(refused.exited, 'the refused process to exit'), 2);
    assert.match(refused.stderr(), /refused by the product/);
    assert.ok(!refused.stderr().includes('wrong-token'));
  } finally {
    await h.close();
  }
});

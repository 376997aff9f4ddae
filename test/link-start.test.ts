// What `conduit link` says when it cannot start as asked, as real processes: the practice's IT person
// reads these, so each names the cause and what to do.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, conduitAsync, conduitSync } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'conduit-link-start-'));
const db = join(dir, 'practice.db');
const made = conduitSync(['bp-sim', 'create', '--patients', '20', '--weeks', '1', db]);
assert.equal(made.status, 0, made.stderr);
const running: Proc[] = [];
after(async () => {
  for (const p of running) await p.kill('SIGINT');
});

/** A Link on `db` whose Cloud does not answer: it runs and serves its page all the same. */
async function startLink(...extra: string[]): Promise<Proc> {
  const p = new Proc(['link', '--cloud', 'http://127.0.0.1:1', '--database', db, '--ui-port', '0', ...extra]);
  running.push(p);
  await p.waitFor(/Setup third-party integrations: http:\/\/127\.0\.0\.1:\d+\//);
  return p;
}

/** Starts `conduit link` on `db` and expects it to give up with exit code 1 within 15 s. */
async function refusedStart(extra: string[]): Promise<Proc> {
  const p = new Proc(['link', '--cloud', 'http://127.0.0.1:1', '--database', db, ...extra]);
  running.push(p);
  const code = await Promise.race([p.exited(), new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
  assert.equal(code, 1, `conduit link ${extra.join(' ')}: ${p.out}${p.err}`);
  return p;
}

test('a second Link on the same state file is refused, and the running one keeps its page and its commands', async () => {
  await startLink();
  const uiFile = `${db}.link-state.ui.json`;
  const page = readFileSync(uiFile, 'utf8');
  const second = await refusedStart(['--ui-port', '0']);
  assert.match(second.err, /another Conduit Link is already running with the state file .*practice\.db\.link-state/);
  assert.doesNotMatch(second.out, /Setup third-party integrations/);
  assert.ok(existsSync(uiFile));
  assert.equal(readFileSync(uiFile, 'utf8'), page, "the running Link's page file is untouched");
  const list = await conduitAsync(['link', 'integrations', 'list', '--database', db]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /Site ID/);
});

test('a page port in use is named with what to do, and the Link stops before reaching the Cloud', async () => {
  const { createServer } = await import('node:net');
  let cloudConnections = 0;
  const cloud = createServer((s) => {
    cloudConnections++;
    s.destroy();
  });
  const other = createServer(() => undefined);
  await Promise.all([cloud, other].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))));
  const port = (other.address() as { port: number }).port;
  try {
    const p = new Proc(['link', '--cloud', `http://127.0.0.1:${(cloud.address() as { port: number }).port}`, '--database', db, '--state', join(dir, 'port.state'), '--ui-port', String(port)]);
    running.push(p);
    const code = await Promise.race([p.exited(), new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    assert.equal(code, 1, p.out + p.err);
    assert.match(p.err, new RegExp(`the "Setup third-party integrations" page cannot use port ${port} on 127\\.0\\.0\\.1: another program is using it`));
    assert.match(p.err, /--ui-port <another port>/);
    assert.equal(cloudConnections, 0, 'the Link did not connect to the Cloud');
    assert.ok(!existsSync(join(dir, 'port.state.ui.json')));
  } finally {
    cloud.close();
    other.close();
  }
});

/**
 * `conduit link` as an account that may not write where it is pointed: as nobody when the tests run as
 * root (root may write anywhere), else as this account with the folders and files made read-only.
 */
function linkAsOther(args: string[]): Promise<{ code: number | null; err: string }> {
  const root = process.getuid?.() === 0;
  const main = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'main.ts');
  const child = spawn(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', main, 'link', '--cloud', 'http://127.0.0.1:1', '--ui-port', '0', ...args], {
    cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CONDUIT_LOG_LEVEL: 'warn', HOME: tmpdir() }, ...(root ? { uid: 65534, gid: 65534 } : {}),
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), 20_000);
  return new Promise((r) => child.on('close', (code) => {
    clearTimeout(timer);
    r({ code, err });
  }));
}

test('a database or state file the account may not write is named as a permission problem, with what to do', async () => {
  const root = process.getuid?.() === 0;
  const shared = mkdtempSync(join(tmpdir(), 'conduit-link-perm-'));
  chmodSync(shared, 0o755);
  // Bp's folder: the database is there, readable by all, writable only by its owner.
  const locked = join(shared, 'bp');
  mkdirSync(locked);
  const lockedDb = join(locked, 'practice.db');
  copyFileSync(db, lockedDb);
  chmodSync(lockedDb, 0o444);
  chmodSync(locked, 0o555);
  const r = await linkAsOther(['--database', lockedDb, '--state', join(shared, 'unused.state')]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /cannot open the practice database: the account "[^"]+" may not read and write .*bp\/practice\.db/);
  assert.match(r.err, /Run the Link as an account that may read and write the database file and its folder/);
  assert.doesNotMatch(r.err, /is not a Bp Premier practice database/);

  // A database the account may use, and a state file in a folder it may not write.
  const own = join(shared, 'own');
  mkdirSync(own);
  const ownDb = join(own, 'practice.db');
  copyFileSync(db, ownDb);
  if (root) {
    chownSync(own, 65534, 65534);
    chownSync(ownDb, 65534, 65534);
  }
  const s = await linkAsOther(['--database', ownDb, '--state', join(locked, 'link.state')]);
  assert.equal(s.code, 1, s.err);
  assert.match(s.err, /cannot write the Link's state file .*bp\/link\.state .*identity/);
  assert.match(s.err, /choose a writable place with --state/);
  chmodSync(locked, 0o755);
});

test('a Link says where its state file is, and a non-authoritative one what that means and who can change it', async () => {
  const { System } = await import('./support/system.js');
  const sys = await System.start();
  try {
    // This practice already has its Link (sys.link); a fresh state file makes a second one.
    const p = new Proc(['link', '--cloud', sys.cloud.url, '--database', sys.database, '--state', join(dir, 'second.state'), '--ui-port', '0']);
    running.push(p);
    await p.waitFor(/Link connected/);
    assert.match(p.out, new RegExp(`Link state file: ${join(dir, 'second.state').replace(/[.]/g, '\\.')} \\(its identity and the practice's settings: back it up`));
    assert.match(p.out, /Link connected: site [0-9a-f-]{36} \(non-authoritative: .*integrators cannot reach the practice through this one until the Conduit operator promotes it with "conduit admin site promote <site>"\)/);
  } finally {
    await sys.close();
  }
});

test('Ctrl+C while the Link is still reaching its Cloud stops it with "link stopped" and no connection warning', async () => {
  const { createServer } = await import('node:net');
  // A Cloud that accepts the connection and never answers: the Link is mid-handshake when it is stopped.
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const p = new Proc(['link', '--cloud', `http://127.0.0.1:${(silent.address() as { port: number }).port}`, '--database', db, '--state', join(dir, 'stop.state'), '--ui-port', '0'], { CONDUIT_LOG_LEVEL: 'info' });
  running.push(p);
  try {
    await p.waitFor(/Setup third-party integrations/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await p.kill('SIGINT'), 0, p.err);
    assert.match(p.err, /"msg":"link stopping"[\s\S]*"msg":"link stopped"/);
    assert.doesNotMatch(p.err, /cloud connection error/);
  } finally {
    silent.close();
  }
});

test('a SIGTERM during the start stops the Link cleanly: exit 0 and no page file left behind', async () => {
  const state = join(dir, 'early.state');
  // Executors in processes take a moment to start: the signal lands while the page is up and the Link is starting.
  const p = new Proc(['link', '--cloud', 'http://127.0.0.1:1', '--database', db, '--state', state, '--ui-port', '0', '--executors', 'process']);
  running.push(p);
  const until = Date.now() + 20_000;
  while (!existsSync(`${state}.ui.json`) && Date.now() < until && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
  assert.ok(existsSync(`${state}.ui.json`), p.err);
  assert.equal(await p.kill('SIGTERM'), 0, `exit code; stderr: ${p.err}`);
  assert.ok(!existsSync(`${state}.ui.json`), 'the page file went with the Link');
});

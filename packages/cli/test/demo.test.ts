// `npm start` as users run it: the compiled `conduit demo` starts the Cloud, both Links, the booking
// product and the Connector as their own processes; the printed curl answers; the practice's commands
// find the demo's Link with --database or no flag at all; a crashed Link is restarted; one Ctrl+C (to
// the process group, as a terminal sends it) stops every process; the next start keeps the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'packages', 'cli', 'dist', 'main.js');
const ENV: NodeJS.ProcessEnv = { ...process.env, CONDUIT_LOG_LEVEL: 'warn' };
for (const k of ['CONDUIT_DEMO_DIR', 'CONDUIT_LINK_STATE', 'CONDUIT_DATABASE', 'PORT', 'CONDUIT_PORT', 'BOOKING_PORT', 'CONDUIT_LINK_UI_PORT']) delete ENV[k];

let dir: string;

before(() => {
  // The demo runs the compiled JavaScript, as `npm start` does: bring dist/ up to date first.
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  dir = mkdtempSync(join(tmpdir(), 'conduit-demo-'));
});

class Demo {
  readonly child: ChildProcess;
  out = '';
  err = '';
  constructor() {
    // Its own process group, so the test can send SIGINT to all of it like Ctrl+C in a terminal.
    this.child = spawn(process.execPath, [MAIN, 'demo', '--port', '0', '--patients', '200', '--weeks', '1'], { cwd: dir, env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
  }

  async waitFor(re: RegExp, where: 'out' | 'err' = 'out', timeoutMs = 240_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const m = this[where].match(re);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`demo exited (${this.child.exitCode}): ${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${re}; stdout: ${this.out}; stderr: ${this.err}`);
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }
}

let demo: Demo | undefined;
after(() => {
  if (demo && demo.child.exitCode === null) process.kill(-demo.child.pid!, 'SIGKILL');
});

/** Every process under pid (children, their executors, …), from /proc. */
function descendants(pid: number): { pid: number; args: string }[] {
  const all = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return [{ pid: Number(p), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), args: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ') }];
    } catch {
      return [];
    }
  });
  const found: { pid: number; args: string }[] = [];
  const walk = (parent: number): void => {
    for (const p of all.filter((x) => x.ppid === parent)) {
      found.push({ pid: p.pid, args: p.args });
      walk(p.pid);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the printed curl's request; resolves with the query's answer. */
async function printedQuery(out: string): Promise<{ status: string; result?: { rows?: unknown[] } }> {
  const m = out.match(/curl -s -X POST '([^']+)' \\\s+-H 'Ocp-Apim-Subscription-Key: (\w+)' -H 'Content-Type: application\/json' \\\s+-d '([^']+)'/);
  assert.ok(m, `the printout has a curl: ${out}`);
  const res = await fetch(m[1]!, { method: 'POST', headers: { 'ocp-apim-subscription-key': m[2]!, 'content-type': 'application/json' }, body: m[3]! });
  return (await res.json()) as { status: string; result?: { rows?: unknown[] } };
}

function conduit(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, env: { ...ENV, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the demo runs each part in its own process; its commands find its Link; a crash is restarted; Ctrl+C stops all; state persists', async () => {
  demo = new Demo();
  await demo.waitFor(/Press Ctrl\+C to stop\./);
  const answer = await printedQuery(demo.out);
  assert.equal(answer.status, 'successful', JSON.stringify(answer));

  const info = JSON.parse(readFileSync(join(dir, '.conduit', 'demo.json'), 'utf8')) as Record<string, string>;
  for (const k of ['baseUrl', 'apiKey', 'integratorId', 'practiceManagementSiteId', 'siteId', 'databaseFile', 'practiceScreenUrl', 'bookingUrl', 'connectorPracticeName',
    'connectorPracticeSiteId', 'connectorPracticeDatabaseFile', 'secondPracticeScreenUrl', 'connectorPracticeUrl', 'operatorDashboardUrl']) assert.ok(info[k], `demo.json keeps ${k}`);
  assert.equal(info.linkStateFile, join(dir, '.conduit', 'link-state.db'));

  // The parts, as the CLI's own commands.
  const parts = descendants(demo.child.pid!);
  for (const cmd of ['cloud', 'booking', 'connector']) assert.equal(parts.filter((p) => p.args.includes(`main.js ${cmd} `)).length, 1, `one \`conduit ${cmd}\`: ${parts.map((p) => p.args).join('\n')}`);
  assert.equal(parts.filter((p) => p.args.includes('main.js link ')).length, 2, 'two Links');
  assert.ok(parts.every((p) => !p.args.includes('executor/child.js')), 'the Links run their statements on worker threads, not executor processes');
  assert.ok(parts.every((p) => !p.args.includes('tsx')), 'nothing runs under tsx');

  // The practice's commands find the demo's Link: by its database, and with no flag at all.
  const byDatabase = conduit(['link', 'integrations', 'list', '--database', '.conduit/practice.db', '--json'], dir);
  assert.equal(byDatabase.status, 0, byDatabase.stderr);
  const listed = JSON.parse(byDatabase.stdout) as { siteId: string; integrations: { integratorId: string; enabled: boolean }[] };
  assert.equal(listed.siteId, info.practiceManagementSiteId);
  assert.ok(listed.integrations.some((i) => i.integratorId === info.integratorId && i.enabled), 'the demo integrator is ticked');
  const noFlags = conduit(['link', 'integrations', 'list'], dir);
  assert.equal(noFlags.status, 0, noFlags.stderr);
  assert.match(noFlags.stdout, new RegExp(`Site ID ${info.practiceManagementSiteId} — connected to Conduit`));
  const fromElsewhere = conduit(['link', 'integrations', 'list', '--database', info.connectorPracticeDatabaseFile!, '--json'], tmpdir(), { CONDUIT_DEMO_DIR: join(dir, '.conduit') });
  assert.equal(fromElsewhere.status, 0, fromElsewhere.stderr);
  assert.equal((JSON.parse(fromElsewhere.stdout) as { siteId: string }).siteId, info.connectorPracticeSiteId);

  // A crashed Link is reported and restarted; the printed query works again.
  const link = parts.find((p) => p.args.includes('main.js link ') && p.args.includes('link-state.db '))!;
  process.kill(link.pid, 'SIGKILL');
  await demo.waitFor(/the practice's Link exited unexpectedly \(signal SIGKILL\); restarting it in 1 s/, 'err', 30_000);
  await demo.waitFor(/the practice's Link restarted/, 'err', 30_000);
  const until = Date.now() + 120_000;
  let again = await printedQuery(demo.out);
  while (again.status !== 'successful' && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    again = await printedQuery(demo.out);
  }
  assert.equal(again.status, 'successful', JSON.stringify(again));

  // One Ctrl+C stops everything cleanly.
  const everyone = descendants(demo.child.pid!);
  process.kill(-demo.child.pid!, 'SIGINT');
  assert.equal(await demo.exited(), 0, demo.err);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(everyone.filter((p) => alive(p.pid)).map((p) => p.args), [], 'no process is left');

  // The next start keeps the practice, its Link and the demo integrator's key.
  demo = new Demo();
  await demo.waitFor(/Press Ctrl\+C to stop\./);
  const next = JSON.parse(readFileSync(join(dir, '.conduit', 'demo.json'), 'utf8')) as Record<string, string>;
  assert.equal(next.apiKey, info.apiKey);
  assert.equal(next.siteId, info.siteId);
  assert.equal((await printedQuery(demo.out)).status, 'successful');
  process.kill(demo.child.pid!, 'SIGTERM');
  assert.equal(await demo.exited(), 0, demo.err);
});

test('without a running Link or demo, the practice commands say which Link they looked for', () => {
  const empty = mkdtempSync(join(tmpdir(), 'conduit-nolink-'));
  const r = conduit(['link', 'integrations', 'list', '--database', 'practice.db'], empty);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`no running Link found for ${join(empty, 'practice.db')}\\.link-state`));
  const bare = conduit(['link', 'integrations', 'list'], empty);
  assert.equal(bare.status, 1);
  assert.match(bare.stderr, /say which Link: --state FILE or --database FILE/);
});

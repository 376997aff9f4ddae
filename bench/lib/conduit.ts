// A Cloud and a Link as their own processes, started through the CLI as an operator would, with an
// integrator paired through the practice flow (tick the integration, pairing code, pair-site).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpSimDatabase, readPracticeInfo } from '@conduit/bp-sim';
import { CLI, childPids, runNode, spawnNode, stopProc, type Proc } from './processes.js';
import { profiledEnv } from './profiler.js';

export interface Conduit {
  cloud: Proc;
  link: Proc;
  url: string;
  apiKey: string;
  siteId: string;
}

export interface ConduitOptions {
  logLevel: string;
  linkConcurrency?: number;
  profile?: boolean;
  /** The integration's database access as the practice ticks it (default: the CLI default, read-only). */
  access?: 'read' | 'readwrite';
}

export async function startConduit(runDir: string, database: string, o: ConduitOptions, log: (s: string) => void): Promise<Conduit> {
  const cloudDir = join(runDir, 'cloud');
  const profDir = join(runDir, 'profiles');
  const env = (role: string): Record<string, string> => ({ CONDUIT_LOG_LEVEL: o.logLevel, ...(o.profile ? profiledEnv(profDir, role) : {}) });
  const cloud = await spawnNode({
    name: 'cloud', logDir: runDir, env: env('cloud'), ready: /listening on http:\/\/127\.0\.0\.1:\d+/,
    args: [CLI, 'cloud', '--port', '0', '--host', '127.0.0.1', '--data-dir', cloudDir],
  });
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cloud.stdout())![1]!;
  log(`  Cloud pid ${cloud.pid} at ${url}`);
  let link: Proc | undefined;
  try {
    const created = await runNode([CLI, 'admin', 'integrator', 'create', '--name', 'Bench Integrator', '--json', '--data-dir', cloudDir], runDir, 'admin');
    const integrator = JSON.parse(created.trim().split('\n').pop()!) as { id: string; apiKey: string };
    const apiKey = integrator.apiKey;
    const state = join(runDir, 'link-state.db');
    link = await spawnNode({
      name: 'link', logDir: runDir, env: env('link'), ready: /Link connected: site[\s\S]*Setup third-party integrations|Setup third-party integrations[\s\S]*Link connected: site/,
      args: [CLI, 'link', '--cloud', url, '--database', database, '--state', state, '--ui-port', '0',
        ...(o.linkConcurrency ? ['--concurrency', String(o.linkConcurrency)] : [])],
    });
    await runNode([CLI, 'link', 'integrations', 'enable', '--integrator', integrator.id, '--state', state, '--json', ...(o.access ? ['--access', o.access] : [])], runDir, 'enable');
    const code = JSON.parse((await runNode([CLI, 'link', 'integrations', 'pairing-code', '--integrator', integrator.id, '--state', state, '--json'], runDir, 'pairing-code')).trim().split('\n').pop()!) as { siteId: string; code: string };
    const headers = { 'Ocp-Apim-Subscription-Key': apiKey };
    const practice = `practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice`;
    const paired = await fetch(`${url}/integrator/pair-site?${practice}&pairingCode=${encodeURIComponent(code.code)}`, { method: 'POST', headers });
    if (paired.status !== 200) throw new Error(`pair-site failed: HTTP ${paired.status} ${await paired.text()}`);
    const db = BpSimDatabase.open(database, { readonly: true });
    const pmsSiteId = readPracticeInfo(db).siteId;
    db.close();
    if (pmsSiteId !== code.siteId) throw new Error(`Bp Site ID mismatch: database ${pmsSiteId}, Link ${code.siteId}`);
    const res = await fetch(`${url}/integrator/sites?practiceManagementSiteId=${encodeURIComponent(pmsSiteId)}&practiceManagementName=Best%20Practice`, { headers });
    const body = (await res.json()) as { sites?: { id: string; availability: string }[] };
    const site = body.sites?.[0];
    if (res.status !== 200 || !site) throw new Error(`site lookup failed: HTTP ${res.status} ${JSON.stringify(body)}`);
    const ex = executors(link);
    log(`  Link pid ${link.pid}, executors ${ex.interactive.join(', ')}; background (niced) ${ex.background.join(', ')}; site ${site.id} (Bp Site ID ${pmsSiteId}, ${site.availability})`);
    return { cloud, link, url, apiKey, siteId: site.id };
  } catch (e) {
    if (link) await stopProc(link);
    await stopProc(cloud);
    throw e;
  }
}

export async function stopConduit(c: Conduit): Promise<void> {
  await stopProc(c.link);
  await stopProc(c.cloud);
}

/** The `nice` value of a process (field 19 of /proc/<pid>/stat), or undefined when it is gone. */
export function niceOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return undefined;
  }
}

/** The Link's executor processes: interactive (immediate queries) and background (niced: async, registered). */
export function executors(link: Proc): { interactive: number[]; background: number[] } {
  const interactive: number[] = [];
  const background: number[] = [];
  for (const pid of childPids(link.pid)) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!/executor[\\/]child\.[jt]s/.test(cmd)) continue;
    const nice = niceOf(pid);
    if (nice === undefined) continue;
    (nice > 0 ? background : interactive).push(pid);
  }
  return { interactive, background };
}

// Three (or N) `conduit cloud --cluster` processes on one store and one real redis-server, a loopback
// load balancer in front of them for the Link, and a real `conduit link` process, paired through the
// CLI as a practice and an integrator do it. Each node can be SIGKILLed.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrashProc } from './crash-cluster.js';
import { startRedis, type RedisServer } from './redis.js';
import { startPostgres, type PgServer } from './postgres.js';
import { LoadBalancer } from './cluster-lb.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'packages', 'cli', 'src', 'main.ts');

/**
 * Runs `conduit ...args` without blocking this process: the load balancer and the webhook receiver
 * live here, and a synchronous spawn would freeze the Link's traffic through them.
 */
export function conduit(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, CONDUIT_LOG_LEVEL: 'warn' }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`conduit ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are checked field by field
export interface Answer { status: number; json: any; headers: Headers; ms: number }

export class ClusterRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'conduit-cluster-'));
  readonly db = join(this.dir, 'practice.db');
  readonly data = join(this.dir, 'cloud');
  readonly state = join(this.dir, 'link.state');
  readonly nodes: CrashProc[] = [];
  readonly urls: string[] = [];
  redis!: RedisServer;
  pg?: PgServer;
  /** The store every node shares: a postgres:// URL, or the SQLite file of the shared data dir. */
  store = '';
  lb!: LoadBalancer;
  link!: CrashProc;
  apiKey = '';
  integratorId = '';
  siteId = '';

  static async start(n = 3, opts: { patients?: number; weeks?: number; store?: 'postgres' | 'sqlite' } = {}): Promise<ClusterRig> {
    const rig = new ClusterRig();
    rig.redis = await startRedis();
    if (opts.store === 'sqlite') rig.store = join(rig.data, 'cloud.db');
    else {
      rig.pg = await startPostgres();
      rig.store = await rig.pg.createDatabase('conduit');
    }
    await conduit(['bp-sim', 'create', '--patients', String(opts.patients ?? 300), '--weeks', String(opts.weeks ?? 4), '--seed', '7', rig.db]);
    // All nodes start at once on the new store: they must agree on one schema and one signing key.
    await Promise.all(Array.from({ length: n }, (_, i) => rig.startNode(i)));
    const created = JSON.parse(await rig.admin('integrator', 'create', '--name', 'Cluster Test', '--json')) as { apiKey: string; id: string };
    rig.apiKey = created.apiKey;
    rig.integratorId = created.id;
    rig.lb = new LoadBalancer(rig.urls.map((u) => Number(new URL(u).port)));
    await rig.lb.start();
    rig.link = new CrashProc(MAIN, ['link', '--cloud', rig.lb.url, '--database', rig.db, '--ui-port', '0'], { CONDUIT_LINK_STATE: rig.state, CONDUIT_LOG_LEVEL: process.env.CLUSTER_LINK_LOG ?? 'warn' });
    rig.siteId = (await rig.link.waitFor(/Link connected: site (\S+)/, 90_000))[1]!;
    return rig;
  }

  async startNode(i: number): Promise<CrashProc> {
    const port = this.urls[i] ? new URL(this.urls[i]).port : '0';
    const store = this.pg ? ['--store', this.store] : [];
    const p = new CrashProc(MAIN, ['cloud', '--cluster', ...store, '--bus', this.redis.url, '--node-id', `n${i + 1}`, '--port', port, '--data-dir', this.data, '--heartbeat-ms', '1000']);
    this.nodes[i] = p;
    this.urls[i] = (await p.waitFor(/listening on (http:\/\/\S+)/, 90_000))[1]!;
    return p;
  }

  /** `conduit admin …args --store <the shared store>`, as the operator runs it against the cluster. */
  admin(...args: string[]): Promise<string> {
    return conduit(['admin', ...args, '--store', this.store]);
  }

  /** The practice ticks the integration and makes a pairing code. */
  async pairingCode(): Promise<{ siteId: string; code: string }> {
    await conduit(['link', 'integrations', 'enable', '--integrator', this.integratorId, '--access', 'readwrite', '--state', this.state, '--json']);
    return JSON.parse(await conduit(['link', 'integrations', 'pairing-code', '--integrator', this.integratorId, '--state', this.state, '--json'])) as { siteId: string; code: string };
  }

  async api(node: number, method: string, path: string, body?: unknown): Promise<Answer> {
    const t0 = performance.now();
    const res = await fetch(`${this.urls[node]}${path}`, {
      method, headers: { 'ocp-apim-subscription-key': this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers, ms: performance.now() - t0 };
  }

  /** How many Links each node holds (its /healthz). */
  async links(node: number): Promise<number> {
    const r = await fetch(`${this.urls[node]}/healthz`).catch(() => undefined);
    return r ? ((await r.json()) as { links: number }).links : -1;
  }

  async close(): Promise<void> {
    for (const p of [this.link, ...this.nodes]) if (p?.running) await p.kill('SIGKILL');
    await this.lb?.stop();
    await this.redis?.stop();
    await this.pg?.stop();
  }
}

// A benchmark cluster: `conduit cloud --cluster` processes on one throw-away Redis (the bus) and one
// store, everything on 127.0.0.1 in the run folder. The store is a throw-away PostgreSQL when the CLI
// has --store (issue 13, part 1); until then the nodes share one SQLite store folder, as the cluster
// system test does. Each node can be SIGKILLed; stop() ends everything this started.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../test/support/redis.js';
import { startPostgres, type PgServer } from '../../test/support/postgres.js';
import { CLI, REPO, childPids, spawnNode, stopProc, type Proc } from './processes.js';
import { profiledEnv } from './profiler.js';

export interface ClusterNodesOptions {
  nodes: number;
  logLevel: string;
  heartbeatMs: number;
  /** --max-handshakes of each node (default: the CLI's). */
  maxHandshakes?: number;
  /** Preload bench/lib/prof-hook.mjs into each node (role = its id), profiles written under this folder. */
  profileDir?: string;
}

export interface ClusterNode {
  id: string;
  proc: Proc;
  url: string;
}

/** Whether `conduit cloud` takes --store (a PostgreSQL URL) in this tree. */
export function cliHasStoreFlag(): boolean {
  return readFileSync(join(REPO, 'packages', 'cli', 'src', 'commands', 'cloud.ts'), 'utf8').includes("'--store ");
}

export class BenchCluster {
  readonly nodes: ClusterNode[] = [];
  redis!: RedisServer;
  pg?: PgServer;
  storeUrl?: string;
  private presenceClient?: Redis;

  private constructor(readonly dir: string, readonly dataDir: string, private readonly o: ClusterNodesOptions) {}

  /** What the nodes store their state in, for the report. */
  get storeNote(): string {
    return this.storeUrl ? 'one throw-away PostgreSQL 15 (`--store postgres://…`; pages in PostgreSQL)' : 'one shared SQLite store folder (--data-dir; this tree\'s `conduit cloud` has no --store yet)';
  }

  static async start(dir: string, o: ClusterNodesOptions, log: (s: string) => void): Promise<BenchCluster> {
    const c = new BenchCluster(dir, join(dir, 'cloud'), o);
    try {
      c.redis = await startRedis();
      if (cliHasStoreFlag()) {
        c.pg = await startPostgres();
        c.storeUrl = await c.pg.createDatabase('conduit_bench');
      }
      log(`  Redis ${c.redis.url}; store: ${c.storeNote}`);
      // The first node makes the store and the Cloud's signing key; the others join it.
      await c.startNode(0);
      await Promise.all(Array.from({ length: o.nodes - 1 }, (_, i) => c.startNode(i + 1)));
      log(`  nodes: ${c.nodes.map((n) => `${n.id} pid ${n.proc.pid} ${n.url}`).join('; ')}`);
      return c;
    } catch (e) {
      await c.stop();
      throw e;
    }
  }

  private async startNode(i: number): Promise<void> {
    const id = `n${i + 1}`;
    const proc = await spawnNode({
      name: `node-${id}`, logDir: this.dir, ready: /listening on http:\/\/127\.0\.0\.1:\d+/, readyTimeoutMs: 120_000,
      env: { CONDUIT_LOG_LEVEL: this.o.logLevel, ...(this.o.profileDir ? profiledEnv(this.o.profileDir, id) : {}) },
      args: [CLI, 'cloud', '--cluster', '--bus', this.redis.url, '--node-id', id, '--port', '0', '--host', '127.0.0.1', '--data-dir', this.dataDir,
        '--heartbeat-ms', String(this.o.heartbeatMs), ...(this.o.maxHandshakes ? ['--max-handshakes', String(this.o.maxHandshakes)] : []), ...(this.storeUrl ? ['--store', this.storeUrl] : [])],
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout())![1]!;
    this.nodes[i] = { id, proc, url };
  }

  /** How many Links a node holds, from its /healthz (-1 when it does not answer). */
  async links(i: number): Promise<number> {
    const r = await fetch(`${this.nodes[i]!.url}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    return r?.ok ? ((await r.json()) as { links: number }).links : -1;
  }

  /** The bus's site presence: how many sites have a key, per holding node (keys `conduit:site:<id>`). */
  async presence(): Promise<{ total: number; byNode: Record<string, number> }> {
    this.presenceClient ??= new Redis(this.redis.url, { maxRetriesPerRequest: 2 });
    const r = this.presenceClient;
    const byNode: Record<string, number> = {};
    let total = 0;
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'conduit:site:*', 'COUNT', 2000);
      cursor = next;
      if (keys.length === 0) continue;
      for (const v of await r.mget(...keys)) {
        if (v === null) continue;
        total++;
        byNode[v] = (byNode[v] ?? 0) + 1;
      }
    } while (cursor !== '0');
    return { total, byNode };
  }

  /** The PostgreSQL server's processes (postmaster and its backends), for CPU accounting; [] on SQLite. */
  pgPids(): number[] {
    const pidFile = this.pg ? join(this.pg.dir, 'data', 'postmaster.pid') : '';
    if (!pidFile || !existsSync(pidFile)) return [];
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    return [postmaster, ...childPids(postmaster)];
  }

  kill9(i: number): void {
    this.nodes[i]!.proc.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.presenceClient?.disconnect();
    await Promise.all(this.nodes.map((n) => stopProc(n.proc)));
    await this.redis?.stop();
    await this.pg?.stop();
  }
}

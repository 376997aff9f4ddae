// The `cluster` suite (issue 13): `conduit cloud --cluster` nodes as their own processes on one Redis
// (the bus) and one store, measured in one run against one node and against a single SQLite Cloud:
//   1. cross-node immediate query overhead at p50, concurrency 1 (integrator on node B, Link on node A)
//      over the same-node path (integrator and Link on node A);
//   2. throughput with the integrator's load spread over 3 nodes vs all of it on one node;
//   3. N idle simulated Links (the real handshake, heartbeats) spread over 3 fresh nodes: presence held,
//      RSS per idle Link per node; then kill -9 of one node and the time until its Links are back on
//      the others and the bus's presence has settled.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, type Machine } from './lib/machine.js';
import { memStatus } from './lib/memory.js';
import { practiceCopy, type PracticeSpec } from './lib/practice.js';
import { RUNTIME, childPids, cpuTimeMs, stopProc, type Proc } from './lib/processes.js';
import { OUT_DIR, table, writeRaw, writeSection } from './lib/results.js';
import { fmtMs, fmtRate, type Summary } from './lib/stats.js';
import type { Suite } from './lib/suite.js';
import { startConduit, stopConduit, type Conduit } from './lib/conduit.js';
import { BenchCluster } from './lib/cluster-nodes.js';
import { pairClusterSite, type ClusterSite } from './lib/cluster-site.js';
import { LOAD_GENERATOR, PooledCase, openSpread, round, type CpuGroups, type RoundTarget } from './lib/cluster-load.js';
import { CLIENT_HELP, chooseGenerator, parseClient, type ClientName } from './lib/load-client.js';
import type { LoadGenerator, LoadTarget } from './lib/load-generator.js';
import { FakeLinkFleet, type FleetStats } from './lib/fake-link-fleet.js';
import { ProfileWindow, profileReport } from './lib/profiler.js';

const PRACTICE: PracticeSpec = { patients: 1000, weeks: 4, seed: 1 };
const QUERY = 'SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = 42';
const KIB = 1024;

interface Options {
  rounds: number;
  roundMs: number;
  warmupMs: number;
  /** Warm-up of each throughput case: long enough for the nodes that only relay or only ask to be optimised too. */
  warmupThroughputMs: number;
  concurrency: number;
  links: number;
  linkProcesses: number;
  parallel: number;
  heartbeatMs: number;
  holdMs: number;
  settleTimeoutMs: number;
  /** The nodes' --max-handshakes; undefined = their default. */
  maxHandshakes?: number;
  logLevel: string;
  latency: boolean;
  idle: boolean;
  write: boolean;
  keep: boolean;
  /** CPU-profile the nodes over one extra round of each cluster throughput case (not a measured round). */
  profileMs?: number;
  client?: ClientName;
  wrkThreads: number;
}

const HELP = `npm run bench -- cluster [options]

  --rounds <n>            alternating measured rounds per case (default 8)
  --round-ms <ms>         length of one round (default 1000)
  --warmup <ms>           warm-up per path at concurrency 1, not measured (default 6000, so V8 has optimised the hot paths)
  --warmup-throughput <ms>  warm-up per throughput case (default 20000: spread over 3 nodes, an asking node
                          sees a third of the load, and after 6 s it still ran part of its path unoptimised)
  --concurrency <n>       throughput concurrency (default 32)
  --links <n>             idle simulated Links over 3 nodes (default 10000)
  --link-processes <n>    processes holding the simulated Links (default 4)
  --parallel <n>          handshakes in flight per such process (default 25)
  --heartbeat-ms <n>      the nodes' Link heartbeat interval (default 20000)
  --hold-ms <ms>          how long the idle Links are held before memory is read (default 45000)
  --settle-timeout <ms>   give up waiting for the reconnect storm after this (default 180000)
  --max-handshakes <n>    the nodes' Link handshakes in progress at once (default: conduit cloud's, 64)
  --log-level <level>     CONDUIT_LOG_LEVEL for nodes and Links (default warn)
  --no-latency            skip parts 1 and 2 (latency and throughput)
  --no-idle               skip part 3 (idle Links, node kill)
  --no-write              print only; leave bench/RESULTS.md alone
  --keep                  keep the run folder
  --profile <ms>          after the measured rounds, CPU-profile the nodes over one extra round of this
                          length of each cluster throughput case; report in bench/out/ (not in RESULTS)
${CLIENT_HELP}`;

function options(args: string[]): Options | undefined {
  const { values: v } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '8' }, 'round-ms': { type: 'string', default: '1000' }, warmup: { type: 'string', default: '6000' }, 'warmup-throughput': { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '32' }, links: { type: 'string', default: '10000' }, 'link-processes': { type: 'string', default: '4' },
      parallel: { type: 'string', default: '25' }, 'heartbeat-ms': { type: 'string', default: '20000' }, 'hold-ms': { type: 'string', default: '45000' },
      'settle-timeout': { type: 'string', default: '180000' }, 'max-handshakes': { type: 'string' }, 'log-level': { type: 'string', default: 'warn' },
      'no-latency': { type: 'boolean', default: false }, 'no-idle': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, profile: { type: 'string' },
      client: { type: 'string' }, 'wrk-threads': { type: 'string', default: '1' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) return undefined;
  const int = (s: string, what: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive whole number, got "${s}"`);
    return n;
  };
  return {
    rounds: int(v.rounds, '--rounds'), roundMs: int(v['round-ms'], '--round-ms'), warmupMs: int(v.warmup, '--warmup'), warmupThroughputMs: int(v['warmup-throughput'], '--warmup-throughput'), concurrency: int(v.concurrency, '--concurrency'),
    links: int(v.links, '--links'), linkProcesses: int(v['link-processes'], '--link-processes'), parallel: int(v.parallel, '--parallel'),
    heartbeatMs: int(v['heartbeat-ms'], '--heartbeat-ms'), holdMs: int(v['hold-ms'], '--hold-ms'), settleTimeoutMs: int(v['settle-timeout'], '--settle-timeout'),
    ...(v['max-handshakes'] === undefined ? {} : { maxHandshakes: int(v['max-handshakes'], '--max-handshakes') }),
    logLevel: v['log-level'], latency: !v['no-latency'], idle: !v['no-idle'], write: !v['no-write'], keep: v.keep,
    ...(v.profile === undefined ? {} : { profileMs: int(v.profile, '--profile') }),
    ...(parseClient(v.client) ? { client: parseClient(v.client) } : {}), wrkThreads: int(v['wrk-threads'], '--wrk-threads'),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Parts 1 and 2: latency and throughput.

interface LoadCase {
  name: string;
  concurrency: number;
  summary: Summary & { firstError?: string };
  /** µs of CPU per completed query, by group of processes. */
  cpuPerQueryUs: Record<string, number>;
  /** Read/write system calls and voluntary context switches per completed query, by group of processes. */
  syscallsPerQuery: Record<string, number>;
  wakeupsPerQuery: Record<string, number>;
  /** Completed queries by target (for the spread case: by the node the integrator called). */
  byTarget: number[];
}

interface LatencyResult {
  storeNote: string;
  /** What generated the load (LoadGenerator.description), and which generator. */
  generator: string;
  generatorName: LoadGenerator['name'];
  c1: LoadCase[];
  cN: LoadCase[];
  /** The profile report's file, with --profile. */
  profileReport?: string;
}

/** Throws unless an answer is the query's one row (patient 42). */
function checkRows(what: string): (status: number, body: Buffer) => void {
  return (status, body) => {
    if (status !== 200) throw new Error(`${what}: HTTP ${status} ${body.toString().slice(0, 300)}`);
    const json = JSON.parse(body.toString()) as { result?: { data?: string } };
    const rows = JSON.parse(Buffer.from(json.result?.data ?? '', 'base64').toString() || '[]') as { InternalID?: number }[];
    if (rows.length !== 1 || rows[0]?.InternalID !== 42) throw new Error(`${what}: unexpected rows ${JSON.stringify(rows).slice(0, 200)}`);
  };
}

function target(url: string, apiKey: string, siteId: string, what: string): LoadTarget {
  return {
    url: `${url}/integrator/sites/${siteId}/queries/immediate`, method: 'POST',
    headers: { 'Ocp-Apim-Subscription-Key': apiKey }, bodies: { kind: 'fixed', body: JSON.stringify({ command: { text: QUERY } }) },
    validate: checkRows(what),
  };
}

interface Case {
  name: string;
  targets: RoundTarget[];
}

/** Cases measured in alternating rounds, rotating the order each round; samples pooled per case. */
async function alternate(gen: LoadGenerator, cases: Case[], concurrency: number, o: Options, log: (s: string) => void, groups: CpuGroups): Promise<LoadCase[]> {
  const pooled = cases.map(() => new PooledCase());
  const warmupMs = concurrency === 1 ? o.warmupMs : o.warmupThroughputMs;
  const generatorCpu = gen.name === 'wrk' ? 'sum' : 'max';
  // The warm-up checks each target's first answer (the query's one row).
  for (const c of cases) await round(c.targets, warmupMs, { validate: true, generatorCpu });
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + r) % cases.length;
      await round(cases[i]!.targets, o.roundMs, { into: pooled[i], groups, generatorCpu });
    }
  }
  return cases.map((c, i) => {
    const summary = pooled[i]!.summary();
    log(`  c=${concurrency} ${c.name.padEnd(46)} n=${String(summary.count).padStart(6)} err=${summary.errors} p50=${fmtMs(summary.p50Ms)} ms p99=${fmtMs(summary.p99Ms)} ms ${fmtRate(summary.throughput)} q/s`);
    const per = (r: Record<string, number>, k = 1): Record<string, number> => Object.fromEntries(Object.entries(r).map(([g, v]) => [g, summary.count ? (v * k) / summary.count : Number.NaN]));
    return { name: c.name, concurrency, summary, cpuPerQueryUs: per(pooled[i]!.cpuMs, 1000), syscallsPerQuery: per(pooled[i]!.syscalls), wakeupsPerQuery: per(pooled[i]!.wakeups), byTarget: pooled[i]!.byTarget };
  });
}

async function latencyParts(runDir: string, o: Options, log: (s: string) => void): Promise<LatencyResult> {
  const singleDir = join(runDir, 'single');
  const clusterDir = join(runDir, 'cluster-a');
  mkdirSync(singleDir);
  mkdirSync(clusterDir);
  let single: Conduit | undefined;
  let cluster: BenchCluster | undefined;
  let site: ClusterSite | undefined;
  const sessions: RoundTarget[] = [];
  const gen = await chooseGenerator({ client: o.client, wrkThreads: o.wrkThreads, timeoutMs: 10_000, dir: mkdtempSync(join(runDir, 'load-')) }, log);
  log(`load generator: ${gen.description}`);
  try {
    log('Single SQLite Cloud (reference):');
    single = await startConduit(singleDir, practiceCopy(singleDir, PRACTICE, log), { logLevel: o.logLevel }, log);
    log('Cluster of 3 nodes:');
    const profileDir = join(runDir, 'profiles');
    cluster = await BenchCluster.start(clusterDir, { nodes: 3, logLevel: o.logLevel, heartbeatMs: 60_000, ...(o.profileMs ? { profileDir } : {}) }, log);
    site = await pairClusterSite(cluster, clusterDir, practiceCopy(clusterDir, PRACTICE, log), 0, 1, o.logLevel, log);
    const refT = target(single.url, single.apiKey, single.siteId, 'single Cloud');
    const nodeT = cluster.nodes.map((nd, i) => target(nd.url, site!.apiKey, site!.siteId, `cluster node n${i + 1}${i === 0 ? ' (holds the Link)' : ' (across the bus)'}`));
    const open = (name: string, ts: LoadTarget[], concurrency: number): Case => {
      const targets = openSpread(gen, ts, concurrency);
      sessions.push(...targets);
      return { name, targets };
    };
    const tree = (pid: number): number[] => [pid, ...childPids(pid)];
    const groups: CpuGroups = {
      'single Cloud': () => [single!.cloud.pid], n1: () => [cluster!.nodes[0]!.proc.pid], n2: () => [cluster!.nodes[1]!.proc.pid], n3: () => [cluster!.nodes[2]!.proc.pid],
      Redis: () => [cluster!.redis.child.pid!], PostgreSQL: () => cluster!.pgPids(), 'Links (with executors)': () => [...tree(single!.link.pid), ...tree(site!.link.pid)],
    };
    log('Latency, concurrency 1:');
    const c1 = await alternate(gen, [
      open('single SQLite `conduit cloud`', [refT], 1),
      open('cluster, same node (integrator and Link on n1)', [nodeT[0]!], 1),
      open('cluster, cross node (integrator n2, Link on n1)', [nodeT[1]!], 1),
    ], 1, o, log, groups);
    const n = o.concurrency;
    log(`Throughput, concurrency ${n}:`);
    const oneN = open('cluster, one node (all load on n1, which holds the Link)', [nodeT[0]!], n);
    const spreadN = open('cluster, 3 nodes (load spread over n1, n2, n3)', nodeT, n);
    const cN = await alternate(gen, [open('single SQLite `conduit cloud`', [refT], n), oneN, spreadN], n, o, log, groups);
    const profileReport = o.profileMs ? await profileCases(profileDir, [{ ...oneN, name: 'one node' }, { ...spreadN, name: '3 nodes' }], gen, cluster, o, log) : undefined;
    return { storeNote: cluster.storeNote, generator: gen.description, generatorName: gen.name, c1, cN, ...(profileReport ? { profileReport } : {}) };
  } finally {
    for (const t of sessions) t.session.close();
    if (site) await stopProc(site.link);
    if (cluster) await cluster.stop();
    if (single) await stopConduit(single);
  }
}

/** One profiled round per case (nodes and load generator); the reports go to one file in bench/out/. */
async function profileCases(dir: string, cases: Case[], gen: LoadGenerator, cluster: BenchCluster, o: Options, log: (s: string) => void): Promise<string> {
  const parts: string[] = [];
  for (const [i, c] of cases.entries()) {
    const into = new PooledCase();
    const w = new ProfileWindow(dir, `case${i}`, cluster.nodes.map((nd) => nd.proc.pid));
    await w.start();
    await round(c.targets, o.profileMs!, { into, generatorCpu: gen.name === 'wrk' ? 'sum' : 'max' });
    const out = await w.stop();
    const s = into.summary();
    log(`  profiled c=${o.concurrency} ${c.name}: ${s.count} queries, ${fmtRate(s.throughput)} q/s (profiler on)`);
    parts.push(`### c=${o.concurrency}, ${c.name}: ${s.count} queries in ${o.profileMs} ms (profiler on)`, '', profileReport(out, s.count), '');
  }
  const file = join(OUT_DIR, `cluster-profile-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(file, parts.join('\n'));
  return file;
}

// ---------------------------------------------------------------------------------------------------
// Part 3: idle Links, memory, node kill.

interface NodeMemory {
  id: string;
  links: number;
  idleRssKb: number;
  rssKb: number;
  perLinkKib: number;
}

interface IdleResult {
  storeNote: string;
  requested: number;
  connectMs: number;
  connected: FleetStats;
  presenceAfterConnect: { total: number; byNode: Record<string, number> };
  presenceAfterHold: { total: number; byNode: Record<string, number> };
  healthAfterHold: number[];
  dropsDuringHold: number;
  memory: NodeMemory[];
  killed: string;
  killedHeld: number;
  linksBackMs: number | null;
  presenceSettledMs: number | null;
  afterKill: { fleet: FleetStats; presence: { total: number; byNode: Record<string, number> }; health: number[] };
  survivorsRssKb: { id: string; rssKb: number; links: number }[];
  /** CPU ms each node used while the Links connected, per Link it admitted. */
  connectCpuPerLinkMs: number[];
  /** CPU ms of the simulated Links' processes while connecting, per Link. */
  fleetCpuPerLinkMs: number;
  /** CPU ms the surviving nodes used from the kill until settled, per Link of the killed node. */
  stormCpuPerLinkMs: number | null;
  /** Share of the machine's CPU time busy during the storm, and the share used by this run's processes. */
  stormMachineBusy: number;
  stormOursBusy: number;
  /** Surviving nodes that exited during the storm, with how. */
  survivorsExited: string[];
}

/** Busy and total CPU jiffies of the whole machine, from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/** How a node process ended ("exit 1", "SIGKILL"), or undefined while it runs. */
function exitedHow(p: Proc): string | undefined {
  if (p.child.exitCode !== null) return `exit ${p.child.exitCode}`;
  return p.child.signalCode ?? undefined;
}

const cpuOf = (pids: number[]): number => pids.reduce((a, p) => a + cpuTimeMs(p), 0);

/** Median of a few RSS readings a second apart (single readings jitter with GC). */
async function rssKb(pid: number, samples = 5): Promise<number> {
  const v: number[] = [];
  for (let i = 0; i < samples; i++) {
    v.push(memStatus(pid)?.rssKb ?? 0);
    if (i < samples - 1) await sleep(1000);
  }
  return v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
}

async function idlePart(runDir: string, o: Options, log: (s: string) => void): Promise<IdleResult> {
  const dir = join(runDir, 'cluster-b');
  mkdirSync(dir);
  let cluster: BenchCluster | undefined;
  const fleet = new FakeLinkFleet();
  try {
    log(`Idle Links: ${o.links} simulated Links over 3 fresh nodes (heartbeat ${o.heartbeatMs} ms):`);
    cluster = await BenchCluster.start(dir, { nodes: 3, logLevel: o.logLevel, heartbeatMs: o.heartbeatMs, maxHandshakes: o.maxHandshakes }, log);
    const c = cluster;
    await sleep(5000);
    const idle = await Promise.all(c.nodes.map((n) => rssKb(n.proc.pid)));
    log(`  idle RSS: ${c.nodes.map((n, i) => `${n.id} ${(idle[i]! / KIB).toFixed(1)} MiB`).join(', ')}`);
    const urls = c.nodes.map((n) => n.url);
    const cpuBefore = c.nodes.map((n) => cpuTimeMs(n.proc.pid));
    const started = await fleet.start(urls, o.links, o.linkProcesses, o.parallel, Date.now().toString(36), 30 * 60_000);
    log(`  opened in ${(started.ms / 1000).toFixed(1)} s: ${started.stats.up} up (${started.stats.perNode.join(' / ')}), ${started.stats.failures} failed attempts`);
    // Links whose first attempt failed retry on their backoff: wait until all are up, bounded.
    let fleetNow = started.stats;
    const upBy = Date.now() + 120_000;
    while (fleetNow.up < o.links && Date.now() < upBy) {
      await sleep(1000);
      fleetNow = await fleet.stats();
    }
    const connectMs = started.ms;
    const cpuConnected = c.nodes.map((n) => cpuTimeMs(n.proc.pid));
    const fleetCpuPerLinkMs = cpuOf(fleet.pids) / Math.max(1, fleetNow.up);
    let presence = await c.presence();
    const presBy = Date.now() + 30_000;
    while (presence.total < fleetNow.up && Date.now() < presBy) {
      await sleep(1000);
      presence = await c.presence();
    }
    log(`  up ${fleetNow.up} (${fleetNow.perNode.join(' / ')}); presence keys ${presence.total} ${JSON.stringify(presence.byNode)}`);
    const dropsBefore = fleetNow.drops;
    log(`  holding for ${o.holdMs} ms…`);
    await sleep(o.holdMs);
    const held = await fleet.stats();
    const presenceHeld = await c.presence();
    const health = await Promise.all(c.nodes.map((_, i) => c.links(i)));
    const after = await Promise.all(c.nodes.map((n) => rssKb(n.proc.pid)));
    const memory = c.nodes.map((n, i): NodeMemory => ({
      id: n.id, links: health[i]!, idleRssKb: idle[i]!, rssKb: after[i]!,
      perLinkKib: health[i]! > 0 ? (after[i]! - idle[i]!) / health[i]! : Number.NaN,
    }));
    const connectCpuPerLinkMs = c.nodes.map((_, i) => (cpuConnected[i]! - cpuBefore[i]!) / Math.max(1, health[i]!));
    log(`  CPU per admitted Link while connecting: ${c.nodes.map((n, i) => `${n.id} ${connectCpuPerLinkMs[i]!.toFixed(2)} ms`).join(', ')}; simulated Links ${fleetCpuPerLinkMs.toFixed(2)} ms`);
    for (const m of memory) log(`  ${m.id}: ${m.links} Links, RSS ${(m.idleRssKb / KIB).toFixed(1)} → ${(m.rssKb / KIB).toFixed(1)} MiB, ${m.perLinkKib.toFixed(1)} KiB per Link`);
    log(`  after the hold: up ${held.up}, drops ${held.drops - dropsBefore}, presence ${presenceHeld.total}, /healthz ${health.join(' / ')}`);

    // Kill the node holding the most Links.
    const victim = health.indexOf(Math.max(...health));
    const killed = c.nodes[victim]!.id;
    const killedHeld = health[victim]!;
    const live = c.nodes.map((_, i) => i).filter((i) => i !== victim);
    log(`  kill -9 ${killed} (pid ${c.nodes[victim]!.proc.pid}, ${killedHeld} Links)…`);
    const ours = (): number[] => [...live.map((i) => c.nodes[i]!.proc.pid), ...fleet.pids, c.redis.child.pid!];
    const stormCpu0 = cpuOf(live.map((i) => c.nodes[i]!.proc.pid));
    const oursCpu0 = cpuOf(ours());
    const jiffies0 = machineJiffies();
    const t0 = performance.now();
    c.kill9(victim);
    let linksBackMs: number | null = null;
    let presenceSettledMs: number | null = null;
    let last = { fleet: held, presence: presenceHeld, health };
    let lastLog = 0;
    let stormCpu: number | null = null;
    let oursCpu = 0;
    let jiffies1 = jiffies0;
    while (performance.now() - t0 < o.settleTimeoutMs && (linksBackMs === null || presenceSettledMs === null)) {
      await sleep(500);
      // Nothing can settle once every survivor has exited: stop waiting.
      if (live.every((i) => exitedHow(c.nodes[i]!.proc) !== undefined)) break;
      const f = await fleet.stats();
      const p = await c.presence();
      const now = performance.now() - t0;
      if (linksBackMs === null && f.up === held.up && f.perNode[victim] === 0) linksBackMs = now;
      if (presenceSettledMs === null && p.total === held.up && !p.byNode[killed]) presenceSettledMs = now;
      if (linksBackMs !== null && presenceSettledMs !== null) {
        stormCpu = cpuOf(live.map((i) => c.nodes[i]!.proc.pid)) - stormCpu0;
        oursCpu = cpuOf(ours()) - oursCpu0;
        jiffies1 = machineJiffies();
      }
      last = { fleet: f, presence: p, health: last.health };
      if (now - lastLog > 5000) {
        lastLog = now;
        log(`    +${(now / 1000).toFixed(1)} s: up ${f.up} (${f.perNode.join(' / ')}), failed attempts ${f.failures} ${JSON.stringify(f.failedWhy)}; presence ${p.total} ${JSON.stringify(p.byNode)}`);
      }
    }
    if (stormCpu === null) {
      stormCpu = cpuOf(live.map((i) => c.nodes[i]!.proc.pid)) - stormCpu0;
      oursCpu = cpuOf(ours()) - oursCpu0;
      jiffies1 = machineJiffies();
    }
    const dj = Math.max(1, jiffies1.total - jiffies0.total);
    // A jiffy is 10 ms of one CPU (USER_HZ 100), as cpuTimeMs counts.
    const stormMachineBusy = (jiffies1.busy - jiffies0.busy) / dj;
    const stormOursBusy = oursCpu / 10 / dj;
    log(`  storm: survivors used ${(stormCpu / killedHeld).toFixed(2)} ms CPU per reconnected Link; machine ${(stormMachineBusy * 100).toFixed(0)} % busy, this run's processes ${(stormOursBusy * 100).toFixed(0)} % of it all`);
    const survivorsExited = live.filter((i) => exitedHow(c.nodes[i]!.proc) !== undefined).map((i) => `${c.nodes[i]!.id} (${exitedHow(c.nodes[i]!.proc)}; see its log)`);
    if (survivorsExited.length) log(`  surviving nodes that exited: ${survivorsExited.join(', ')}`);
    const healthAfter = await Promise.all(c.nodes.map((_, i) => (i === victim ? Promise.resolve(0) : c.links(i))));
    last = { ...last, health: healthAfter };
    log(`  Links back on live nodes after ${linksBackMs === null ? 'n/a (timed out)' : `${(linksBackMs / 1000).toFixed(1)} s`}; presence settled after ${presenceSettledMs === null ? 'n/a (timed out)' : `${(presenceSettledMs / 1000).toFixed(1)} s`}`);
    const running = live.filter((i) => exitedHow(c.nodes[i]!.proc) === undefined);
    const survivorsRssKb = await Promise.all(running.map(async (i) => ({ id: c.nodes[i]!.id, rssKb: await rssKb(c.nodes[i]!.proc.pid, 3), links: healthAfter[i]! })));
    return {
      storeNote: c.storeNote, requested: o.links, connectMs, connected: fleetNow, presenceAfterConnect: presence, presenceAfterHold: presenceHeld,
      healthAfterHold: health, dropsDuringHold: held.drops - dropsBefore, memory, killed, killedHeld, linksBackMs, presenceSettledMs, afterKill: last, survivorsRssKb,
      connectCpuPerLinkMs, fleetCpuPerLinkMs, stormCpuPerLinkMs: survivorsExited.length ? null : stormCpu / killedHeld, stormMachineBusy, stormOursBusy, survivorsExited,
    };
  } finally {
    await fleet.stop();
    if (cluster) await cluster.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// Report.

const verdict = (ok: boolean): string => (ok ? '**met**' : '**NOT met**');
const mibs = (kb: number): string => (kb / KIB).toFixed(1);

function report(m: Machine, o: Options, lat: LatencyResult | undefined, idle: IdleResult | undefined, loadEnd: number): string {
  // The node client's figures are not comparable with wrk's: they get their own section (as the immediate suite's do).
  const out: string[] = [lat?.generatorName === 'node' ? '## Cluster (node:http client)' : '## Cluster', ''];
  out.push(`Machine: ${m.nproc} CPUs (\`nproc\`; ${m.cpu}), ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}. Run ${m.date}; 1-minute load average ${m.loadAvg1} at the start, ${loadEnd} at the end (the VM is shared with other work, which competes for both CPUs: every figure here carries that noise).`, '');
  out.push(`Setup: every part is its own process on 127.0.0.1, started through the CLI (${RUNTIME}): \`conduit cloud --cluster --bus <redis> --node-id nX\` nodes on one throw-away \`redis-server\` (the bus) and ` +
    `${(lat ?? idle)?.storeNote ?? 'one store'}; a single-node \`conduit cloud\` on its own SQLite store as the reference. Node and Link log level: ${o.logLevel}.`, '');
  const targets: string[][] = [];
  if (lat) {
    const [ref, same, cross] = lat.c1 as [LoadCase, LoadCase, LoadCase];
    const overhead = cross.summary.p50Ms - same.summary.p50Ms;
    const cpuTotal = (c: LoadCase): number => Object.entries(c.cpuPerQueryUs).filter(([g]) => g !== LOAD_GENERATOR).reduce((a, [, v]) => a + v, 0);
    out.push('### Immediate queries', '');
    out.push(`One real Link (\`conduit link\`: its quick reads on its own thread, the rest on executor threads) connected straight to node n1, paired through n2; the query \`${QUERY}\` (1 row). The load generator: ${lat.generator}. ` +
      `Each case: ${o.warmupMs} ms warm-up (${o.warmupThroughputMs} ms for throughput; the warm-up checks each target's first answer), then ${o.rounds} rounds of ${o.roundMs} ms, the cases of a table taking turns in rotating order each round; samples pooled per case. ` +
      `Throughput: ${o.concurrency} connections shared out evenly over the case's targets, each target's share driven by its own generator session (with wrk, its own process) at the same time; a round lasts from its first target's launch to its last target's end.`, '');
    const rows = [...lat.c1, ...lat.cN].map((c) => [c.name, c.concurrency, fmtRate(c.summary.count), c.summary.errors, fmtMs(c.summary.p50Ms), fmtMs(c.summary.p90Ms), fmtMs(c.summary.p99Ms), fmtRate(c.summary.throughput)]);
    out.push(table(['case', 'concurrency', 'requests', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'queries/s'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']), '');
    out.push(`Cross-node overhead at p50, concurrency 1: ${fmtMs(cross.summary.p50Ms)} − ${fmtMs(same.summary.p50Ms)} = **${overhead.toFixed(3)} ms** over the same-node path (the single SQLite Cloud: ${fmtMs(ref.summary.p50Ms)} ms). ` +
      `In CPU, a cross-node query cost ${(cpuTotal(cross) - cpuTotal(same)).toFixed(0)} µs more than a same-node one over all server-side processes (${cpuTotal(cross).toFixed(0)} vs ${cpuTotal(same).toFixed(0)} µs; table below) — time that on a machine with idle CPUs is spent without waiting for one.`, '');
    const groupNames = Object.keys(same.cpuPerQueryUs);
    out.push('CPU per completed query (µs, from /proc over the measured rounds; the processes idle in a case still tick a little; PostgreSQL = the store server and its backends, empty on SQLite):', '');
    out.push(table(['case', 'concurrency', ...groupNames, 'total (without the load generator)'],
      [...lat.c1, ...lat.cN].map((c) => [c.name, c.concurrency, ...groupNames.map((g) => (c.cpuPerQueryUs[g] ?? Number.NaN).toFixed(0)), cpuTotal(c).toFixed(0)]),
      ['l', 'r', ...groupNames.map(() => 'r' as const), 'r']), '');
    out.push('Read/write system calls and voluntary context switches (wake-ups) per completed query (/proc/<pid>/io and /proc/<pid>/status; counts, so much less disturbed by other load than times), as syscalls / wake-ups (— for the load generator: its CPU is what its sessions report, its counts are not read):', '');
    out.push(table(['case', 'concurrency', ...groupNames],
      [...lat.c1, ...lat.cN].map((c) => [c.name, c.concurrency, ...groupNames.map((g) => (g in c.syscallsPerQuery ? `${c.syscallsPerQuery[g]!.toFixed(1)} / ${(c.wakeupsPerQuery[g] ?? Number.NaN).toFixed(1)}` : '—'))]),
      ['l', 'r', ...groupNames.map(() => 'r' as const)]), '');
    const [refN, oneN, spreadN] = lat.cN as [LoadCase, LoadCase, LoadCase];
    const ratio = spreadN.summary.throughput / oneN.summary.throughput;
    out.push(`Throughput at concurrency ${o.concurrency}: 3 nodes ${fmtRate(spreadN.summary.throughput)} q/s = ×${ratio.toFixed(2)} of one cluster node (${fmtRate(oneN.summary.throughput)} q/s) and ×${(spreadN.summary.throughput / refN.summary.throughput).toFixed(2)} of the single SQLite Cloud (${fmtRate(refN.summary.throughput)} q/s). All three share one Link (one site) and the machine's 2 CPUs, so two thirds of the spread load crosses the bus to n1.`, '');
    const cpuOfNode = (i: number): number => (spreadN.cpuPerQueryUs[`n${i + 1}`] ?? Number.NaN) * spreadN.summary.count;
    const took = spreadN.byTarget.map((n) => n ?? 0);
    out.push(`Spread over 3 nodes, the integrator's queries completed through n1 / n2 / n3: ${took.map((n) => fmtRate(n)).join(' / ')} (closed loop: a relayed query takes longer, so n2 and n3 complete fewer). ` +
      `CPU per query a node took: n2 ${(cpuOfNode(1) / took[1]!).toFixed(0)} µs and n3 ${(cpuOfNode(2) / took[2]!).toFixed(0)} µs (asking only), against ${(oneN.cpuPerQueryUs.n1 ?? Number.NaN).toFixed(0)} µs for a whole query on one node; ` +
      `n1 ${(cpuOfNode(0) / Math.max(1, took[0]!)).toFixed(0)} µs per query it took, its share of the relays included.`, '');
    targets.push(['cross-node immediate overhead at p50, concurrency 1', '≤ 0.5 ms', `${overhead.toFixed(3)} ms`, verdict(overhead <= 0.5)]);
    targets.push([`throughput, 3 nodes vs one node, concurrency ${o.concurrency}`, '≥ ×1.0', `×${ratio.toFixed(2)} (${fmtRate(spreadN.summary.throughput)} vs ${fmtRate(oneN.summary.throughput)} q/s)`, verdict(ratio >= 1)]);
  }
  if (idle) {
    out.push('### Idle Links, memory, node kill', '');
    out.push(`Three fresh nodes (heartbeat ${o.heartbeatMs} ms; at most ${o.maxHandshakes ?? 'the default 64'} Link handshakes in progress per node, the excess answered 503 + Retry-After). ${idle.requested} simulated Links (bench/lib/fake-link.ts: the real handshake — hello with an Ed25519 identity and an X25519 key, the Cloud's signed challenge checked, the challenge signed, welcome checked — then an idle socket answering pings and sending heartbeats; no database, no executors) held by ${o.linkProcesses} processes, at most ${o.parallel} handshakes in flight each; Link g first goes to node g mod 3. ` +
      `Each registers as a new site (its own Bp Site ID). A Link that loses its session waits the Link's own backoff (packages/link DEFAULT_BACKOFF: first delay 1–5 s at random) and tries the next node, going straight on to the one after when a connection is refused (as a load balancer skips a dead backend); an upgrade answered 503 (the node's handshake limit) waits the node's Retry-After plus up to as much again at random, as the real Link does (packages/link Backoff.busy), then tries a node at random. ` +
      `RSS is VmRSS from /proc, the median of 5 readings 1 s apart: idle = 5 s after the nodes started, with Links = after ${o.holdMs} ms holding them; per Link = (RSS with Links − RSS idle) / the node's Links (its /healthz).`, '');
    out.push(`Opened in ${(idle.connectMs / 1000).toFixed(1)} s: ${idle.connected.up} of ${idle.requested} up (${idle.connected.perNode.join(' / ')} on n1 / n2 / n3; ${idle.connected.failures} failed attempts retried). Bus presence keys: ${idle.presenceAfterConnect.total} after connecting, ${idle.presenceAfterHold.total} after the hold (${Object.entries(idle.presenceAfterHold.byNode).map(([k, v]) => `${k} ${v}`).join(', ')}); /healthz after the hold ${idle.healthAfterHold.join(' / ')}; sessions dropped during the hold: ${idle.dropsDuringHold}.`, '');
    out.push(table(['node', 'idle Links held', 'RSS idle MiB', 'RSS with Links MiB', 'difference MiB', 'per idle Link KiB'],
      idle.memory.map((n) => [n.id, fmtRate(n.links), mibs(n.idleRssKb), mibs(n.rssKb), mibs(n.rssKb - n.idleRssKb), n.perLinkKib.toFixed(1)]), ['l', 'r', 'r', 'r', 'r', 'r']), '');
    const a = idle.afterKill;
    out.push(`kill -9 of ${idle.killed} (${fmtRate(idle.killedHeld)} Links): all Links up again on live nodes after ${idle.linksBackMs === null ? `n/a (not within ${o.settleTimeoutMs / 1000} s)` : `**${(idle.linksBackMs / 1000).toFixed(1)} s**`}; presence settled (as many keys as Links up, none naming ${idle.killed}) after ${idle.presenceSettledMs === null ? `n/a (not within ${o.settleTimeoutMs / 1000} s)` : `**${(idle.presenceSettledMs / 1000).toFixed(1)} s**`}. ` +
      `At the end: ${a.fleet.up} Links up (${a.fleet.perNode.join(' / ')}), presence ${a.presence.total} (${Object.entries(a.presence.byNode).map(([k, v]) => `${k} ${v}`).join(', ')}), /healthz ${a.health.join(' / ')}; survivors' RSS ${idle.survivorsRssKb.map((s) => `${s.id} ${mibs(s.rssKb)} MiB with ${fmtRate(s.links)} Links`).join(', ')}.`, '');
    if (idle.survivorsExited.length) out.push(`**Surviving nodes exited during the storm: ${idle.survivorsExited.join(', ')}.**`, '');
    out.push(`Failed attempts by why, over the whole run (each was retried on the Link's backoff): ${Object.entries(a.fleet.failedWhy).map(([k, v]) => `${k}: ${fmtRate(v)}`).join('; ') || 'none'}.`, '');
    out.push(`CPU: while connecting, the nodes used ${idle.connectCpuPerLinkMs.map((v, i) => `${idle.memory[i]!.id} ${v.toFixed(2)}`).join(', ')} ms per Link they admitted (handshake, site registration in the store, presence, settings sent), the simulated Links' processes ${idle.fleetCpuPerLinkMs.toFixed(2)} ms per Link. ` +
      `From the kill until settled the surviving nodes used ${idle.stormCpuPerLinkMs === null ? 'n/a' : idle.stormCpuPerLinkMs.toFixed(2)} ms of CPU per Link of the killed node; the machine was ${(idle.stormMachineBusy * 100).toFixed(0)} % busy over that time, this run's processes (nodes, simulated Links, Redis) ${(idle.stormOursBusy * 100).toFixed(0)} % of the machine — the rest was other work on the shared VM.`, '');
    const worst = Math.max(...idle.memory.map((n) => n.perLinkKib));
    const settled = idle.linksBackMs !== null && idle.presenceSettledMs !== null ? Math.max(idle.linksBackMs, idle.presenceSettledMs) : null;
    targets.push([`idle Links over 3 nodes, presence held`, `${fmtRate(10_000)}`, `${fmtRate(idle.presenceAfterHold.total)} presence keys for ${fmtRate(idle.connected.up)} Links up (asked for ${fmtRate(idle.requested)})`, verdict(idle.connected.up >= 10_000 && idle.presenceAfterHold.total === idle.connected.up)]);
    targets.push(['memory per idle Link per node', '≤ 50 KiB', `${idle.memory.map((n) => `${n.id} ${n.perLinkKib.toFixed(1)}`).join(', ')} KiB`, verdict(worst <= 50)]);
    targets.push(['reconnect storm after a node kill settles', '≤ 60 s', settled === null ? 'did not settle in time' : `${(settled / 1000).toFixed(1)} s`, verdict(settled !== null && settled <= 60_000)]);
  }
  out.push('### Targets', '', table(['target', 'goal', 'measured', 'verdict'], targets), '');
  return out.join('\n');
}

async function run(args: string[]): Promise<string> {
  const o = options(args);
  if (!o) {
    console.log(HELP);
    return '';
  }
  const log = (s: string): void => console.log(s);
  const m = machine();
  const runDir = mkdtempSync(join(tmpdir(), 'conduit-bench-cluster-'));
  log(`cluster: run folder ${runDir}`);
  try {
    const lat = o.latency ? await latencyParts(runDir, o, log) : undefined;
    const idle = o.idle ? await idlePart(runDir, o, log) : undefined;
    const loadEnd = Math.round((await import('node:os')).loadavg()[0]! * 100) / 100;
    const md = report(m, o, lat, idle, loadEnd);
    const raw = writeRaw(`cluster-${m.date.replace(/[:.]/g, '-')}.json`, { machine: m, options: o, lat, idle });
    log(`\n${md}\nraw figures: ${raw}${lat?.profileReport ? `\nprofiles: ${lat.profileReport}` : ''}`);
    if (o.write) writeSection(lat?.generatorName === 'node' ? 'cluster-node-client' : 'cluster', md);
    return md;
  } finally {
    if (!o.keep) rmSync(runDir, { recursive: true, force: true });
  }
}

export const suite: Suite = {
  name: 'cluster',
  description: 'cluster nodes on Redis: cross-node immediate overhead, throughput over 3 nodes, idle Links per node, a node kill',
  run,
};

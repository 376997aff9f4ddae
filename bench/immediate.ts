// The `immediate` suite: immediate queries through a Cloud and a Link (separate processes, loopback)
// against the same query run directly on the database in this process, and a bare node:http server as
// the machine's HTTP ceiling, each at concurrency 1 and 32, bounded by time and by count. The load
// comes from wrk when it is installed (else the node:http client); every HTTP case of a run uses the same one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BpSimDatabase } from '@conduit/bp-sim';
import { freeSlots, makeCases, type Case } from './lib/immediate-cases.js';
import { memStatus } from './lib/memory.js';
import { CLIENT_HELP, chooseGenerator, parseClient, type ClientName } from './lib/load-client.js';
import type { Bodies, LoadGenerator, LoadTarget, WindowResult } from './lib/load-generator.js';
import { machine, type Machine } from './lib/machine.js';
import { practiceCopy, DEFAULT_PRACTICE } from './lib/practice.js';
import { childPids, cpuTimeMs, ioCounts, spawnNode, stopProc, RUNTIME, type Proc } from './lib/processes.js';
import { ProfileWindow, profileReport } from './lib/profiler.js';
import { startConduit, type Conduit } from './lib/conduit.js';
import { OUT_DIR, table, writeRaw, writeSection, RESULTS_FILE } from './lib/results.js';
import { Samples, fmtMs, fmtRate, summarise, type Summary } from './lib/stats.js';
import type { Suite } from './lib/suite.js';

const TARGET_OVERHEAD_MS = 0.5;
const TARGET_OVERHEAD_500_MS = 1;
const TARGET_QPS = 5000;
const TARGET_LINK_RSS_MIB = 256;
/** Direct writes: a fixed count (each books a slot; the direct path is fast enough to use them all up). */
const DIRECT_WRITES = { warm: 200, measured: 2000 };
/** Days of free slots collected for the booking writes. */
const SLOT_DAYS = 150;

interface Options {
  durationMs: number;
  warmupMs: number;
  maxRequests: number;
  timeoutMs: number;
  concurrency: number[];
  linkConcurrency?: number;
  logLevel: string;
  profile: boolean;
  keep: boolean;
  writeResults: boolean;
  /** Only these cases (default: all). */
  cases?: string[];
  /** Load generator (default: wrk when installed). */
  client?: ClientName;
  wrkThreads: number;
}

/** CPU used by each process during a window, in µs per completed query. */
interface CpuShare {
  client: number;
  cloud?: number;
  link?: number;
  executors?: number;
  server?: number;
  /** Sum of all processes' CPU over (wall time × nproc). */
  utilisation: number;
  /** Per completed query, by watched process group: read+write system calls and voluntary context switches (sleeps/wake-ups). Counts, so far less sensitive to other load on the machine than time. */
  io?: Record<string, { syscalls: number; wakeups: number }>;
}

interface CaseResult {
  kind: 'direct' | 'bare' | 'conduit';
  /** Case label (or '-' for bare). */
  query: string;
  concurrency: number;
  summary: Summary & { firstError?: string };
  /** Errors by kind (wrk), and wrk's coordinated-omission-corrected latencies, for reference only. */
  errorKinds?: WindowResult['errorKinds'];
  corrected?: WindowResult['corrected'];
  cpu?: CpuShare;
  warmupErrors?: number;
  /** Summed RSS of the Link and its executors at the end of the measured window, MiB. */
  linkRssMiB?: number;
}

const HELP = `npm run bench -- immediate [options]

  --duration <ms>        measured window per case (default 5000)
  --warmup <ms>          warm-up per case, not measured (default 3000: the JIT is still optimising after 1.5 s)
  --max-requests <n>     cap per measured window (default 200000)
  --timeout <ms>         a request not answered by then counts as an error (default 10000)
  --concurrency <list>   comma-separated client concurrencies (default 1,32)
  --link-concurrency <n> Link executors (default: the CLI default, 4)
  --log-level <level>    CONDUIT_LOG_LEVEL for Cloud and Link (default info, as operators run them)
  --profile              CPU-profile every process during each Conduit case; the report goes to
                         bench/out/ (figures are distorted by the profiler, so RESULTS.md is left alone)
  --write-results        with --profile, still write bench/RESULTS.md
  --no-write             print only; leave bench/RESULTS.md alone (smoke runs)
  --keep                 keep the run folder (logs, Cloud store, practice copy)
  --cases <list>         only these cases: param,literal,five,wide,write (default all;
                         five: 500 rows, ~100 KB; wide: 500 rows of every column, 355 KB)
${CLIENT_HELP}`;

function options(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '3000' },
      'max-requests': { type: 'string', default: '200000' },
      timeout: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '1,32' },
      'link-concurrency': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      profile: { type: 'boolean', default: false },
      'write-results': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      cases: { type: 'string' },
      client: { type: 'string' },
      'wrk-threads': { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const int = (v: string, what: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive whole number, got "${v}"`);
    return n;
  };
  return {
    durationMs: int(values.duration, '--duration'),
    warmupMs: Number(values.warmup),
    maxRequests: int(values['max-requests'], '--max-requests'),
    timeoutMs: int(values.timeout, '--timeout'),
    concurrency: values.concurrency.split(',').map((c) => int(c.trim(), '--concurrency')),
    linkConcurrency: values['link-concurrency'] === undefined ? undefined : int(values['link-concurrency'], '--link-concurrency'),
    logLevel: values['log-level'],
    profile: values.profile,
    keep: values.keep,
    writeResults: !values['no-write'] && (!values.profile || values['write-results']),
    ...(values.cases ? { cases: values.cases.split(',').map((c) => c.trim()) } : {}),
    ...(values.client ? { client: parseClient(values.client) } : {}),
    wrkThreads: int(values['wrk-threads'], '--wrk-threads'),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Baseline: the same command on the database in this process, serialised as the Link's driver does.

function runDirect(db: BpSimDatabase, q: Case, o: Options): Summary {
  const writes = q.key === 'write';
  const got = q.direct(db);
  if (got !== q.rows) throw new Error(`direct ${q.label}: expected ${q.rows} rows, got ${got}`);
  const warmUntil = performance.now() + o.warmupMs;
  for (let n = 1; performance.now() < warmUntil && (!writes || n < DIRECT_WRITES.warm); n++) q.direct(db);
  const samples = new Samples();
  const max = writes ? DIRECT_WRITES.measured : o.maxRequests;
  const started = performance.now();
  const until = started + o.durationMs;
  while (samples.length < max && performance.now() < until) {
    const t0 = performance.now();
    if (q.direct(db) === undefined) break;
    samples.push(performance.now() - t0);
  }
  return summarise(samples.values(), performance.now() - started);
}

// ---------------------------------------------------------------------------------------------------
// Load through HTTP, with CPU accounting per process.

interface Watched {
  name: keyof Omit<CpuShare, 'utilisation' | 'client' | 'io'>;
  pids: () => number[];
}

async function measure(gen: LoadGenerator, target: LoadTarget, concurrency: number, o: Options, watched: Watched[], profile?: ProfileWindow, budget?: { warm: number; measured: number }): Promise<Pick<CaseResult, 'summary' | 'cpu' | 'warmupErrors' | 'errorKinds' | 'corrected'>> {
  let warmupErrors = 0;
  const session = gen.open(target, concurrency);
  try {
    if (o.warmupMs > 0) {
      const w = await session.run({ durationMs: o.warmupMs, maxRequests: budget?.warm ?? Number.MAX_SAFE_INTEGER }, { validate: true });
      if (w.summary.errors > 0) {
        warmupErrors = w.summary.errors;
        console.log(`  WARNING: ${w.summary.errors} errors during warm-up (c=${concurrency}), first: ${w.summary.firstError}`);
      }
    } else {
      await session.run({ durationMs: 60_000, maxRequests: 1 }, { validate: true });
    }
    await profile?.start();
    const pidsBefore = watched.map((w) => w.pids());
    const before = pidsBefore.map((pids) => pids.reduce((n, p) => n + cpuTimeMs(p), 0));
    const sumIo = (pids: number[]): { syscalls: number; wakeups: number } => pids.map(ioCounts).reduce((a, b) => ({ syscalls: a.syscalls + b.syscalls, wakeups: a.wakeups + b.wakeups }), { syscalls: 0, wakeups: 0 });
    const ioBefore = pidsBefore.map(sumIo);
    let after: number[] = [];
    let ioAfter: { syscalls: number; wakeups: number }[] = [];
    // Read the moment the load ends, before the generator's own bookkeeping (wrk: reporting and exiting).
    const onEnd = (): void => {
      after = pidsBefore.map((pids) => pids.reduce((n, p) => n + cpuTimeMs(p), 0));
      ioAfter = pidsBefore.map(sumIo);
    };
    const { summary, clientCpuMs, errorKinds, corrected } = await session.run({ durationMs: o.durationMs, maxRequests: Math.min(o.maxRequests, budget?.measured ?? Infinity) }, { onEnd });
    await profile?.stop();
    const perQuery = (ms: number): number => (summary.count ? (ms * 1000) / summary.count : Number.NaN);
    const cpu: CpuShare = { client: perQuery(clientCpuMs), utilisation: 0 };
    let totalMs = clientCpuMs;
    watched.forEach((w, i) => {
      const ms = after[i]! - before[i]!;
      totalMs += ms;
      cpu[w.name] = perQuery(ms);
      const per = (n: number): number => (summary.count ? n / summary.count : Number.NaN);
      (cpu.io ??= {})[w.name] = { syscalls: per(ioAfter[i]!.syscalls - ioBefore[i]!.syscalls), wakeups: per(ioAfter[i]!.wakeups - ioBefore[i]!.wakeups) };
    });
    cpu.utilisation = totalMs / (summary.elapsedMs * machine().nproc);
    return { summary, cpu, warmupErrors, ...(errorKinds ? { errorKinds } : {}), ...(corrected ? { corrected } : {}) };
  } finally {
    session.close();
  }
}

function executorPids(link: Proc): number[] {
  return childPids(link.pid).filter((pid) => {
    try {
      return /executor[\\/]child\.[jt]s/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

function conduitTarget(c: Conduit, q: Case): LoadTarget {
  return {
    url: `${c.url}/integrator/sites/${c.siteId}/queries/immediate`,
    method: 'POST',
    headers: { 'Ocp-Apim-Subscription-Key': c.apiKey },
    bodies: q.bodies,
    ...(q.check ? { check: q.check } : {}),
    validate: (status, body) => {
      const text = body.toString('utf8');
      if (status !== 200) throw new Error(`${q.label} through Conduit: HTTP ${status}: ${text.slice(0, 500)}`);
      const json = JSON.parse(text) as { status?: string; result?: { data?: string; rows?: number } };
      const rows = JSON.parse(Buffer.from(json.result?.data ?? '', 'base64').toString('utf8')) as unknown[];
      if (json.status !== 'successful' || rows.length !== q.rows) throw new Error(`${q.label} through Conduit: expected ${q.rows} rows, got ${rows.length} (${json.status})`);
    },
  };
}

/** Summed RSS of a process and its executor children, MiB. */
function treeRssMiB(pids: number[]): number {
  return pids.reduce((n, p) => n + (memStatus(p)?.rssKb ?? 0), 0) / 1024;
}

// ---------------------------------------------------------------------------------------------------
// Report.

/** One RESULTS.md section per configuration, so an experiment (or the node client's load) never overwrites the as-shipped figures. */
function sectionName(o: Options, gen: LoadGenerator): string {
  return ['immediate', o.linkConcurrency ? `link-concurrency-${o.linkConcurrency}` : '', gen.name === 'node' ? 'node-client' : ''].filter(Boolean).join(':');
}

/** The bare server's fixed body: the case's first. */
function firstBody(b: Bodies): string {
  const body = b.kind === 'fixed' ? b.body : b.kind === 'rotate' ? b.bodies[0] : b.take(1)[0];
  if (body === undefined) throw new Error('no body for the bare-HTTP case');
  return body;
}

function report(m: Machine, o: Options, results: CaseResult[], linkExecutors: number, cases: Case[], extra: { idleLinkRssMiB?: number; slots: number; runtime: string; generator: LoadGenerator }): string {
  const find = (kind: CaseResult['kind'], query: string, c: number): CaseResult | undefined =>
    results.find((r) => r.kind === kind && r.query === query && r.concurrency === c);
  const directOf = (query: string): CaseResult | undefined => results.find((r) => r.kind === 'direct' && r.query === query);
  const bareOf = (c: number): CaseResult | undefined => find('bare', '-', c);

  const name = (r: CaseResult): string => (r.kind === 'direct' ? `direct on the database (${r.query})` : r.kind === 'bare' ? 'bare node:http (fixed small JSON)' : `Conduit immediate (${r.query})`);
  const rows = results.map((r) => {
    const s = r.summary;
    const d = r.kind === 'conduit' ? directOf(r.query) : undefined;
    const b = r.kind === 'conduit' ? bareOf(r.concurrency) : undefined;
    const overhead = d ? `${fmtMs(s.p50Ms - d.summary.p50Ms)} ms / ×${(s.p50Ms / d.summary.p50Ms).toFixed(1)}` : '';
    const ofBare = b ? `${((s.throughput / b.summary.throughput) * 100).toFixed(0)} %` : '';
    return [name(r), r.kind === 'direct' ? '1 (in-process)' : r.concurrency, s.count.toLocaleString('en-US'), s.errors,
      fmtMs(s.p50Ms), fmtMs(s.p99Ms), fmtMs(s.maxMs), fmtRate(s.throughput), overhead, ofBare];
  });
  const main = table(['case', 'concurrency', 'requests', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'queries/s', 'p50 overhead vs direct (abs / ratio)', 'of bare-HTTP throughput'],
    rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);

  const cpuRows = results.filter((r) => r.cpu).map((r) => {
    const c = r.cpu!;
    const us = (v: number | undefined): string => (v === undefined ? '' : Number.isFinite(v) ? v.toFixed(0) : 'n/a');
    const total = c.client + (c.server ?? 0) + (c.cloud ?? 0) + (c.link ?? 0) + (c.executors ?? 0);
    return [name(r), r.concurrency, us(c.client), us(c.server), us(c.cloud), us(c.link), us(c.executors), us(total), `${(c.utilisation * 100).toFixed(0)} %`];
  });
  const cpu = table(['case', 'concurrency', `client (${extra.generator.name === 'wrk' ? 'wrk process' : 'node client, benchmark process'})`, 'bare server', 'Cloud', 'Link', 'executor processes (executor threads count in Link)', 'total', 'machine CPU busy'], cpuRows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);

  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? '**met**' : '**NOT met**');
  const targets: (string | number)[][] = [];
  const overheadTarget = (label: string, goal: number): void => {
    const c1 = find('conduit', label, 1);
    const d = directOf(label);
    const ov = c1 && d ? c1.summary.p50Ms - d.summary.p50Ms : undefined;
    targets.push([`relay overhead at p50, concurrency 1, ${label}`, `≤ ${goal} ms`, ov === undefined ? 'n/a' : `${fmtMs(ov)} ms`, verdict(ov === undefined ? undefined : ov <= goal)]);
  };
  overheadTarget('param 1-row', TARGET_OVERHEAD_MS);
  const t32 = find('conduit', 'param 1-row', 32);
  targets.push(['throughput, param 1-row, concurrency 32', `≥ ${fmtRate(TARGET_QPS)} queries/s`, t32 ? `${fmtRate(t32.summary.throughput)} queries/s` : 'n/a', verdict(t32 ? t32.summary.throughput >= TARGET_QPS : undefined)]);
  overheadTarget('500-row', TARGET_OVERHEAD_500_MS);
  const peakRss = Math.max(...results.map((r) => r.linkRssMiB ?? 0));
  // The issue's memory target is the Link idle (here) and during a 1 M-row extraction (the async suite).
  targets.push([`Link, all its processes summed, RSS idle (during an extraction: the async suite)`, `< ${TARGET_LINK_RSS_MIB} MiB`,
    `${extra.idleLinkRssMiB?.toFixed(0) ?? 'n/a'} MiB`, verdict(extra.idleLinkRssMiB === undefined ? undefined : extra.idleLinkRssMiB < TARGET_LINK_RSS_MIB)]);
  targets.push([`Link RSS at the end of each loaded window, largest (reported, not a target of the issue)`, `(${TARGET_LINK_RSS_MIB} MiB for comparison)`,
    `${peakRss ? peakRss.toFixed(0) : 'n/a'} MiB`, peakRss ? (peakRss < TARGET_LINK_RSS_MIB ? 'under' : 'over') : 'not measured']);

  const errs = results.filter((r) => r.summary.errors > 0 || r.warmupErrors).map((r) =>
    `- ${name(r)} at concurrency ${r.concurrency}: ${r.summary.errors} errors in the measured window${r.summary.firstError ? ` (first: ${r.summary.firstError})` : ''}` +
    `${r.errorKinds ? ` [${Object.entries(r.errorKinds).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')}]` : ''}` +
    `${r.warmupErrors ? `, ${r.warmupErrors} during warm-up` : ''}`);
  return [
    `## ${sectionName(o, extra.generator)}`,
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`; ${m.cpu}), ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}. Run ${m.date}; 1-minute load average at start ${m.loadAvg1}.`,
    '',
    `Setup: Cloud (\`conduit cloud\`) and Link (\`conduit link\`, ${linkExecutors} executor process(es) at start, more started on demand) as their own processes, started through the CLI (${extra.runtime}); ` +
      `the load generator (the same for every HTTP case) is ${extra.generator.name === 'wrk' ? `wrk: ${extra.generator.description}` : `the benchmark process: ${extra.generator.description}`}; ` +
      `the bare-HTTP ceiling is a node:http server in its own process answering a fixed ${'~'}100-byte JSON to the same POST. Everything on 127.0.0.1. ` +
      `Practice database: ${DEFAULT_PRACTICE.patients} patients, ${DEFAULT_PRACTICE.weeks} weeks, seed ${DEFAULT_PRACTICE.seed}. ` +
      `Before the first Conduit case, each read case runs ${o.warmupMs} ms at concurrency 8 (JIT warm-up of every process). Each case: ${o.warmupMs} ms warm-up, then ${o.durationMs} ms or ${o.maxRequests.toLocaleString('en-US')} requests, whichever first. Cloud and Link log level: ${o.logLevel}.` +
      (o.profile ? ' **This run was CPU-profiled: every figure is distorted by the profiler.**' : ''),
    '',
    `Cases: ${cases.map((q) => `${q.label} \`${q.text}\``).join('; ')}. ` +
      'param 1-row sends `@id` as a typed `Int` Halo parameter, rotating over the first 1000 patients; the booking write books a distinct free slot (from `BP_GetFreeAppointments`, ' +
      `${extra.slots.toLocaleString('en-US')} slots over ${SLOT_DAYS} days from tomorrow, interleaved over practitioners and days) with each request, as \`Date\`/\`Int\` parameters, and every answer is checked to carry the new appointment id (RETURN > 0); ` +
      `the write integration is ticked read-write. Direct = \`BpSimDatabase.open(file).execute(...)\` on the same file in this process with the parameters decoded as the Link's driver decodes them, iterating the rows and JSON-serialising them as the Link driver does (synchronous, so concurrency 1 only; direct writes: ${DIRECT_WRITES.warm} warm-up then at most ${DIRECT_WRITES.measured.toLocaleString('en-US')}). ` +
      'Overhead = p50 through Conduit − p50 direct (at concurrency 32 against the direct concurrency-1 p50).',
    '',
    main,
    '',
    '### Targets',
    '',
    table(['target', 'goal', 'measured', 'verdict'], targets),
    '',
    `Link RSS (its process, with its executor threads, plus any executor processes, summed): idle ${extra.idleLinkRssMiB?.toFixed(0) ?? 'n/a'} MiB; at the end of each Conduit window: ${results.filter((r) => r.linkRssMiB).map((r) => `${r.query} c=${r.concurrency} ${r.linkRssMiB!.toFixed(0)}`).join(', ')} MiB.`,
    '',
    '### CPU per query (µs of CPU time per completed query, by process, from /proc over the measured window)',
    '',
    cpu,
    '',
    '### System calls and wake-ups per query (read+write syscalls from /proc/<pid>/io; voluntary context switches from /proc/<pid>/status; counts, so much less disturbed by other load than times)',
    '',
    table(['case', 'concurrency', ...['cloud', 'link', 'executor processes'].flatMap((n) => [`${n} syscalls`, `${n} wake-ups`])],
      results.filter((r) => r.kind === 'conduit' && r.cpu?.io).map((r) => [name(r), r.concurrency,
        ...['cloud', 'link', 'executors'].flatMap((n) => { const v = r.cpu!.io![n]; return v ? [v.syscalls.toFixed(1), v.wakeups.toFixed(2)] : ['', '']; })]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    ...(errs.length ? ['', '### Errors', '', ...errs] : []),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------

async function run(args: string[]): Promise<string> {
  const o = options(args);
  if (!o) {
    console.log(HELP);
    return '';
  }
  const log = (s: string): void => console.log(s);
  const m = machine();
  const runDir = mkdtempSync(join(tmpdir(), 'conduit-bench-'));
  log(`immediate: run folder ${runDir}`);
  const results: CaseResult[] = [];
  const profileParts: string[] = [];
  let linkExecutors: number;
  const line = (r: CaseResult): void => {
    const s = r.summary;
    log(`  ${r.kind.padEnd(7)} ${r.query.padEnd(13)} c=${String(r.concurrency).padEnd(3)} n=${String(s.count).padStart(7)} err=${s.errors} ` +
      `p50=${fmtMs(s.p50Ms)}ms p99=${fmtMs(s.p99Ms)}ms ${fmtRate(s.throughput)} q/s`);
  };
  try {
    const gen = await chooseGenerator({ client: o.client, wrkThreads: o.wrkThreads, timeoutMs: o.timeoutMs, dir: runDir }, log);
    log(`immediate: load generator ${gen.name}: ${gen.description}`);
    const database = practiceCopy(runDir, DEFAULT_PRACTICE, log);

    log('Direct on the database (baseline):');
    const db = BpSimDatabase.open(database);
    let cases: Case[];
    let slots: number;
    try {
      const free = freeSlots(db, SLOT_DAYS);
      slots = free.length;
      cases = makeCases(db, free).filter((q) => !o.cases || o.cases.includes(q.key));
      log(`  ${slots} free slots for the booking writes`);
      for (const q of cases) {
        const r: CaseResult = { kind: 'direct', query: q.label, concurrency: 1, summary: runDirect(db, q, o) };
        results.push(r);
        line(r);
      }
    } finally {
      db.close();
    }
    // What the direct writes left, shared out between the Conduit write windows (a fifth for warm-up).
    const writesLeft = Math.max(0, slots - (cases.some((q) => q.key === 'write') ? DIRECT_WRITES.warm + DIRECT_WRITES.measured + 1 : 0));
    const perWindow = Math.floor(writesLeft / o.concurrency.length);
    const writeBudget = { warm: Math.floor(perWindow / 5), measured: perWindow - Math.floor(perWindow / 5) - 1 };

    log('Bare node:http (the machine ceiling):');
    const bare = await spawnNode({ name: 'bare-http', logDir: runDir, ready: /listening on \d+/, args: [join(import.meta.dirname, 'lib', 'bare-server.ts'), '0'] });
    try {
      const port = /listening on (\d+)/.exec(bare.stdout())![1]!;
      const target: LoadTarget = {
        url: `http://127.0.0.1:${port}/integrator/sites/x/queries/immediate`, method: 'POST',
        headers: { 'Ocp-Apim-Subscription-Key': 'bench' }, bodies: { kind: 'fixed', body: firstBody(cases[0]!.bodies) },
        validate: (status) => {
          if (status !== 200) throw new Error(`bare server answered ${status}`);
        },
      };
      for (const c of o.concurrency) {
        const r: CaseResult = { kind: 'bare', query: '-', concurrency: c, ...await measure(gen, target, c, o, [{ name: 'server', pids: () => [bare.pid] }]) };
        results.push(r);
        line(r);
        await sleep(300);
      }
    } finally {
      await stopProc(bare);
    }

    log('Conduit (Cloud and Link processes):');
    const conduit = await startConduit(runDir, database, { logLevel: o.logLevel, linkConcurrency: o.linkConcurrency, profile: o.profile, access: 'readwrite' }, log);
    let idleLinkRssMiB: number | undefined;
    try {
      linkExecutors = executorPids(conduit.link).length;
      await sleep(1000);
      idleLinkRssMiB = treeRssMiB([conduit.link.pid, ...executorPids(conduit.link)]);
      log(`  Link tree RSS idle: ${idleLinkRssMiB.toFixed(0)} MiB`);
      // Every process compiles its hot path before the first case is measured, so the first case
      // is not the one that pays for the JIT (the booking write is warmed by its own budget only).
      for (const q of cases.filter((x) => x.key !== 'write')) {
        const session = gen.open(conduitTarget(conduit, q), 8);
        try {
          await session.run({ durationMs: o.warmupMs, maxRequests: Number.MAX_SAFE_INTEGER }, { validate: true });
        } finally {
          session.close();
        }
      }
      const watched: Watched[] = [
        { name: 'cloud', pids: () => [conduit.cloud.pid] },
        { name: 'link', pids: () => [conduit.link.pid] },
        { name: 'executors', pids: () => executorPids(conduit.link) },
      ];
      for (const q of cases) {
        for (const c of o.concurrency) {
          const label = `${q.key}-c${c}`;
          const profile = o.profile
            ? new ProfileWindow(join(runDir, 'profiles'), label, [conduit.cloud.pid, conduit.link.pid, ...executorPids(conduit.link)])
            : undefined;
          const got = await measure(gen, conduitTarget(conduit, q), c, o, watched, profile, q.key === 'write' ? writeBudget : undefined);
          const linkRssMiB = treeRssMiB([conduit.link.pid, ...executorPids(conduit.link)]);
          const r: CaseResult = { kind: 'conduit', query: q.label, concurrency: c, ...got, linkRssMiB };
          results.push(r);
          line(r);
          if (profile) profileParts.push(`### ${q.label}, concurrency ${c} (${r.summary.count} queries)\n\n${profileReport(join(runDir, 'profiles', label), r.summary.count)}`);
          await sleep(300);
        }
      }
    } finally {
      await stopProc(conduit.link);
      await stopProc(conduit.cloud);
    }

    const md = report(m, o, results, linkExecutors, cases, { idleLinkRssMiB, slots, runtime: RUNTIME, generator: gen });
    const stamp = m.date.replace(/[:.]/g, '-');
    const raw = writeRaw(`immediate-${stamp}.json`, { machine: m, options: o, generator: { name: gen.name, description: gen.description }, results });
    console.log(`\n${md}`);
    if (o.writeResults) {
      writeSection(sectionName(o, gen), md);
      log(`Written to ${RESULTS_FILE} (raw figures: ${raw})`);
    } else {
      log(`Raw figures: ${raw} (RESULTS.md left alone)`);
    }
    if (o.profile) {
      const profMd = `# CPU profiles, immediate suite, ${m.date}\n\nSelf time by area and by function in each process during each measured window.\n\n${profileParts.join('\n')}`;
      const file = join(OUT_DIR, `profile-immediate-${stamp}.md`);
      mkdirSync(OUT_DIR, { recursive: true });
      writeFileSync(file, profMd);
      console.log(`\n${profMd}`);
      log(`Profiles: ${file} (raw .cpuprofile files under ${join(runDir, 'profiles')}${o.keep ? '' : '; pass --keep to keep them'})`);
    }
    return md;
  } finally {
    if (o.keep) log(`Kept ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  }
}

export const suite: Suite = {
  name: 'immediate',
  description: 'immediate queries through Cloud and Link vs direct on the database, with a bare-HTTP ceiling',
  run,
};

// The `backends` suite: the booking product's typical Best Practice calls on one simulated practice,
// through each way the product can reach it, against the same calls made directly on the database:
//   direct     the booking product's own query code (ConnectorBackend) with its hub replaced by a call
//              on an in-process BpSimDatabase: the same command text and parameters, no transport;
//   connector  ConnectorBackend -> ConnectorHub (WebSocket on the booking server, in this process)
//              -> the Connector agent (`conduit connector`, its own process) -> the database;
//   conduit    ConduitBackend (the SDK) -> Cloud -> Link -> executor -> the database (each its own process);
//   shadow     ShadowAccess(connector, conduit) with the product's own comparison recorder: what a
//              practice in the migration's `shadow` stage pays.
// Reads: practitioners, appointmentTypes, freeSlotsOn (one practitioner, one day), at each client
// concurrency. Writes (concurrency 1 only): addAppointment then cancelAppointment of the same
// appointment, timed separately, rotating over many free slots so no slot stays taken.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConduitClient } from '@conduit/sdk';
import { BpSimDatabase, SqlServerError, readPracticeInfo } from '@conduit/bp-sim';
import {
  ConduitBackend, ConnectorBackend, ConnectorError, ShadowAccess, addDays, isoDate, startBooking,
  type ConnectorHub, type FreeSlot, type HubRequest, type HubResult, type PmsAccess, type RunningBooking,
} from '../packages/booking/src/index.js';
import { toSimParams } from '../packages/connector/src/index.js';
import { startConduit, executors, type Conduit } from './lib/conduit.js';
import { machine, type Machine } from './lib/machine.js';
import { practiceCopy, DEFAULT_PRACTICE } from './lib/practice.js';
import { CLI, cpuTimeMs, spawnNode, stopProc, type Proc } from './lib/processes.js';
import { RESULTS_FILE, table, writeRaw, writeSection } from './lib/results.js';
import { Samples, fmtMs, fmtRate, summarise, type Summary } from './lib/stats.js';
import type { Suite } from './lib/suite.js';

type PathName = 'direct' | 'connector' | 'conduit' | 'shadow';
const PATHS: PathName[] = ['direct', 'connector', 'conduit', 'shadow'];
const PATH_LABEL: Record<PathName, string> = {
  direct: 'direct on the database',
  connector: 'Connector backend',
  conduit: 'Conduit backend',
  shadow: 'shadow (Connector + Conduit)',
};
type ReadOp = 'practitioners' | 'appointmentTypes' | 'freeSlotsOn';
const READS: ReadOp[] = ['practitioners', 'appointmentTypes', 'freeSlotsOn'];
type WriteOp = 'addAppointment' | 'cancelAppointment' | 'add + cancel';

/** The practice's key at the booking product: its Connector practice id (it also paired with Conduit). */
const KEY = 'bench-practice';
const TOKEN = 'bench-connector-token-0123456789abcdef';

interface Options {
  quick: boolean;
  durationMs: number;
  warmupMs: number;
  maxRequests: number;
  maxWrites: number;
  rounds: number;
  concurrency: number[];
  writes: boolean;
  logLevel: string;
  keep: boolean;
  writeResults: boolean;
}

const HELP = `npm run bench -- backends [options]

  --quick                short run: 1000 ms per case in 2 rounds, after 500 ms warm-up (overridable below)
  --duration <ms>        measured time per case, split over the rounds (default 5000)
  --rounds <n>           the paths of a case take turns in n rounds of duration/n each (default 5)
  --warmup <ms>          warm-up per case, not measured (default 1500)
  --max-requests <n>     cap of reads per case, over all its rounds (default 100000)
  --max-writes <n>       cap of add + cancel pairs per path, over all rounds (default 2000)
  --concurrency <list>   comma-separated client concurrencies for the reads (default 1,8; writes run at 1)
  --reads-only           skip the writes
  --log-level <level>    CONDUIT_LOG_LEVEL for Cloud and Link (default info, as operators run them)
  --no-write             print only; leave bench/RESULTS.md alone (smoke runs)
  --keep                 keep the run folder (logs, Cloud store, booking store, practice copy)`;

function options(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'max-requests': { type: 'string', default: '100000' },
      'max-writes': { type: 'string', default: '2000' },
      rounds: { type: 'string' },
      concurrency: { type: 'string', default: '1,8' },
      'reads-only': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'no-write': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const int = (v: string, what: string, min = 1): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be a whole number ≥ ${min}, got "${v}"`);
    return n;
  };
  const quick = values.quick;
  const concurrency = values.concurrency.split(',').map((c) => int(c.trim(), '--concurrency'));
  if (!concurrency.includes(1)) throw new Error('--concurrency must include 1 (the ratios are taken at concurrency 1)');
  return {
    quick,
    durationMs: int(values.duration ?? (quick ? '1000' : '5000'), '--duration'),
    warmupMs: int(values.warmup ?? (quick ? '500' : '1500'), '--warmup', 0),
    maxRequests: int(values['max-requests'], '--max-requests'),
    maxWrites: int(values['max-writes'], '--max-writes'),
    rounds: int(values.rounds ?? (quick ? '2' : '5'), '--rounds'),
    concurrency,
    writes: !values['reads-only'],
    logLevel: values['log-level'],
    keep: values.keep,
    writeResults: !values['no-write'],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// The direct baseline: the product's ConnectorBackend with the hub replaced by the agent's own work
// (toSimParams, BpSimDatabase.execute, rows materialised) in this process; database errors surface as
// the hub reports them, so "practitioner away" is handled the same way.

function directHub(db: BpSimDatabase): ConnectorHub {
  const request = async (_practiceId: string, req: HubRequest): Promise<HubResult> => {
    try {
      const out = db.execute({ text: req.text, type: req.type ?? 'text', params: toSimParams(req.parameters ?? []) });
      return { rows: Array.from(out.rows), rowsAffected: out.rowsAffected, returnValue: out.returnValue, output: out.output };
    } catch (e) {
      if (e instanceof SqlServerError) throw new ConnectorError('database', e.message, e.number);
      throw e;
    }
  };
  // Only `request` is used by ConnectorBackend.
  return { request } as unknown as ConnectorHub;
}

// ---------------------------------------------------------------------------------------------------
// Closed-loop measurement: `concurrency` callers each make the next call when the last one settles.

interface LoopResult { errors: number; firstError?: string; elapsedMs: number }

async function loop(call: () => Promise<void>, concurrency: number, durationMs: number, maxCalls: number, samples?: Samples): Promise<LoopResult> {
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const until = started + durationMs;
  const worker = async (): Promise<void> => {
    while (issued < maxCalls && performance.now() < until) {
      issued++;
      const t0 = performance.now();
      try {
        await call();
        samples?.push(performance.now() - t0);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return { errors, firstError, elapsedMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------------
// CPU by process over the measured windows.

interface Watched {
  name: 'cloud' | 'link' | 'executors' | 'agent';
  pids: number[];
}

/** Busy and total jiffies of the whole machine (/proc/stat), every process counted. */
function machineTicks(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3]! - f[4]!, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

interface CpuShare {
  /** µs of CPU per completed call, by process. */
  booking: number;
  agent?: number;
  cloud?: number;
  link?: number;
  executors?: number;
  total: number;
  /** Sum over (wall time × nproc). */
  utilisation: number;
  /** The whole machine's busy share over the windows (/proc/stat), ours and everyone else's. */
  machineBusy: number;
}

/** One case: its measured windows (one per round) summed. */
class Acc {
  readonly samples = new Samples();
  errors = 0;
  firstError: string | undefined;
  elapsedMs = 0;
  warmupErrors = 0;
  private selfMs = 0;
  private readonly procMs = new Map<Watched['name'], number>();
  private busy = 0;
  private total = 0;

  /** Runs one measured window, adding its time, errors and CPU. */
  async window(watched: Watched[], f: () => Promise<LoopResult>): Promise<void> {
    const before = watched.map((w) => w.pids.reduce((n, p) => n + cpuTimeMs(p), 0));
    const self = process.cpuUsage();
    const m0 = machineTicks();
    const r = await f();
    const m1 = machineTicks();
    const selfUs = process.cpuUsage(self);
    watched.forEach((w, i) => this.procMs.set(w.name, (this.procMs.get(w.name) ?? 0) + w.pids.reduce((n, p) => n + cpuTimeMs(p), 0) - before[i]!));
    this.selfMs += (selfUs.user + selfUs.system) / 1000;
    this.busy += m1.busy - m0.busy;
    this.total += m1.total - m0.total;
    this.elapsedMs += r.elapsedMs;
    this.errors += r.errors;
    this.firstError ??= r.firstError;
  }

  summary(samples = this.samples): Summary {
    return summarise(samples.values(), this.elapsedMs, this.errors);
  }

  cpu(): CpuShare {
    const n = this.samples.length;
    const per = (ms: number): number => (n ? (ms * 1000) / n : Number.NaN);
    let totalMs = this.selfMs;
    const cpu: CpuShare = { booking: per(this.selfMs), total: 0, utilisation: 0, machineBusy: this.busy / this.total };
    for (const [name, ms] of this.procMs) {
      totalMs += ms;
      cpu[name] = per(ms);
    }
    cpu.total = per(totalMs);
    cpu.utilisation = totalMs / (this.elapsedMs * machine().nproc);
    return cpu;
  }
}

/** `paths` rotated by `round`, so no path always runs first (or right after another). */
const rotate = <T>(xs: T[], round: number): T[] => xs.map((_, i) => xs[(i + round) % xs.length]!);

// ---------------------------------------------------------------------------------------------------
// Cases. Each case is warmed up once, then measured in `rounds` windows of duration/rounds; within a
// round the paths take turns (in rotating order), so slow drifts in the machine's other load fall on
// every path alike rather than on whichever ran during them.

interface CaseResult {
  op: ReadOp | WriteOp;
  path: PathName;
  concurrency: number;
  summary: Summary;
  firstError?: string;
  warmupErrors: number;
  cpu?: CpuShare;
}

interface Setup {
  backends: Record<PathName, PmsAccess>;
  watched: Watched[];
  userId: number;
  day: string;
  expected: Record<ReadOp, string>;
  expectedLength: Record<ReadOp, number>;
}

function readCall(s: Setup, b: PmsAccess, op: ReadOp): () => Promise<void> {
  const want = s.expectedLength[op];
  const check = (n: number): void => {
    if (n !== want) throw new Error(`${op}: ${n} rows, expected ${want}`);
  };
  if (op === 'practitioners') return async () => check((await b.practitioners(KEY)).length);
  if (op === 'appointmentTypes') return async () => check((await b.appointmentTypes(KEY)).length);
  return async () => check((await b.freeSlotsOn(KEY, s.userId, s.day)).length);
}

const windowOf = (o: Options): number => Math.max(1, Math.round(o.durationMs / o.rounds));

async function runReads(s: Setup, op: ReadOp, c: number, paths: PathName[], o: Options): Promise<CaseResult[]> {
  const calls = new Map(paths.map((p) => [p, readCall(s, s.backends[p], op)]));
  const accs = new Map(paths.map((p) => [p, new Acc()]));
  for (const p of paths) {
    if (o.warmupMs > 0) accs.get(p)!.warmupErrors = (await loop(calls.get(p)!, c, o.warmupMs, Number.MAX_SAFE_INTEGER)).errors;
  }
  const cap = Math.ceil(o.maxRequests / o.rounds);
  for (let round = 0; round < o.rounds; round++) {
    for (const p of rotate(paths, round)) {
      const acc = accs.get(p)!;
      await acc.window(s.watched, () => loop(calls.get(p)!, c, windowOf(o), cap, acc.samples));
    }
  }
  return paths.map((p) => {
    const acc = accs.get(p)!;
    return { op, path: p, concurrency: c, summary: acc.summary(), warmupErrors: acc.warmupErrors, cpu: acc.cpu(), ...(acc.firstError ? { firstError: acc.firstError } : {}) };
  });
}

interface WriteContext {
  slots: FreeSlot[];
  practitionerOf: Map<FreeSlot, number>;
  patientId: number;
  type: number;
  next: number;
}

/** add + cancel pairs at concurrency 1 through each path; three rows per path (add, cancel, the pair). */
async function runWrites(s: Setup, w: WriteContext, paths: PathName[], o: Options): Promise<CaseResult[]> {
  const accs = new Map(paths.map((p) => [p, { pair: new Acc(), add: new Samples(), cancel: new Samples() }]));
  let measuring = false;
  const cycle = (path: PathName) => async (): Promise<void> => {
    const b = s.backends[path];
    const slot = w.slots[w.next++ % w.slots.length]!;
    const t0 = performance.now();
    const rec = await b.addAppointment(KEY, {
      date: slot.date, time: slot.time, length: slot.length, practitionerId: w.practitionerOf.get(slot)!, patientId: w.patientId, locationId: slot.locationId, type: w.type,
    });
    const t1 = performance.now();
    if (!(rec > 0)) throw new Error(`addAppointment answered ${rec}: the time ${slot.date} ${slot.time} was taken`);
    await b.cancelAppointment(KEY, rec);
    if (measuring) {
      accs.get(path)!.add.push(t1 - t0);
      accs.get(path)!.cancel.push(performance.now() - t1);
    }
  };
  for (const p of paths) {
    if (o.warmupMs > 0) accs.get(p)!.pair.warmupErrors = (await loop(cycle(p), 1, o.warmupMs, o.maxWrites)).errors;
  }
  measuring = true;
  const cap = Math.ceil(o.maxWrites / o.rounds);
  for (let round = 0; round < o.rounds; round++) {
    for (const p of rotate(paths, round)) {
      const acc = accs.get(p)!.pair;
      await acc.window(s.watched, () => loop(cycle(p), 1, windowOf(o), cap, acc.samples));
    }
  }
  return paths.flatMap((path) => {
    const { pair, add, cancel } = accs.get(path)!;
    const base = { path, concurrency: 1, warmupErrors: pair.warmupErrors, ...(pair.firstError ? { firstError: pair.firstError } : {}) };
    return [
      { ...base, op: 'addAppointment' as const, summary: pair.summary(add) },
      { ...base, op: 'cancelAppointment' as const, summary: pair.summary(cancel) },
      { ...base, op: 'add + cancel' as const, summary: pair.summary(), cpu: pair.cpu() },
    ];
  });
}

// ---------------------------------------------------------------------------------------------------
// Standing it up.

async function startConnector(runDir: string, booking: RunningBooking, database: string, log: (s: string) => void): Promise<Proc> {
  const url = `${booking.url.replace(/^http/, 'ws')}${booking.connectors.path}`;
  const agent = await spawnNode({
    name: 'connector', logDir: runDir, env: { CONDUIT_CONNECTOR_TOKEN: TOKEN },
    args: [CLI, 'connector', '--url', url, '--practice', KEY, '--database', database],
  });
  const until = Date.now() + 60_000;
  while (!booking.connectors.isOnline(KEY)) {
    if (agent.child.exitCode !== null) throw new Error(`the Connector exited (${agent.child.exitCode}); see ${join(runDir, 'connector.log')}`);
    if (Date.now() > until) {
      await stopProc(agent);
      throw new Error(`the Connector did not come online within 60 s; see ${join(runDir, 'connector.log')}`);
    }
    await sleep(50);
  }
  log(`  Connector agent pid ${agent.pid} online at ${url} as practice ${KEY}`);
  return agent;
}

interface ShadowTally {
  comparisons: number;
  differences: number;
  firstDifference?: string;
  /** Time spent in the product's recorder (a SQLite write to the booking store) per comparison, ms. */
  recorder: Samples;
}

function gitState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { encoding: 'utf8' }).trim();
    return dirty ? `commit ${head} with uncommitted changes under packages/ (${dirty.split('\n').length} files)` : `commit ${head}`;
  } catch {
    return 'unknown commit';
  }
}

// ---------------------------------------------------------------------------------------------------
// Report.

/** A ratio as ×N: whole numbers from 100, one decimal from 1, two significant digits below 1. */
const x = (v: number): string => (!Number.isFinite(v) ? 'n/a' : `×${v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2)}`);
const ratio = (v: number, base: number): string => (Number.isFinite(v) && Number.isFinite(base) && base > 0 ? x(v / base) : 'n/a');

function span(values: number[], f: (v: number) => string): string {
  const ok = values.filter(Number.isFinite);
  if (!ok.length) return 'n/a';
  const lo = Math.min(...ok);
  const hi = Math.max(...ok);
  return f(lo) === f(hi) ? f(lo) : `${f(lo)}–${f(hi)}`;
}
const msRange = (v: number): string => fmtMs(v);

interface Extra {
  m: Machine;
  loadEnd: number;
  git: string;
  conduit: { executors: number };
  day: string;
  user: string;
  rows: Record<ReadOp, number>;
  sameResults: string[];
  shadow: ShadowTally;
  writeSlots: number;
}

function findCase(results: CaseResult[], op: CaseResult['op'], path: PathName, c: number): CaseResult | undefined {
  return results.find((r) => r.op === op && r.path === path && r.concurrency === c);
}

function whatThisShows(results: CaseResult[], o: Options, e: Extra): string {
  const p50 = (op: CaseResult['op'], path: PathName, c = 1): number => findCase(results, op, path, c)?.summary.p50Ms ?? Number.NaN;
  const tput = (op: CaseResult['op'], path: PathName, c: number): number => findCase(results, op, path, c)?.summary.throughput ?? Number.NaN;
  const over = (path: PathName, base: PathName): number[] => READS.map((op) => p50(op, path) / p50(op, base));
  const parts: string[] = [];
  parts.push(
    `At concurrency 1 the three reads took ${span(READS.map((op) => p50(op, 'direct')), msRange)} ms at p50 directly on the database, ` +
    `${span(READS.map((op) => p50(op, 'connector')), msRange)} ms through the Connector (${span(over('connector', 'direct'), x)} of direct), ` +
    `${span(READS.map((op) => p50(op, 'conduit')), msRange)} ms through Conduit (${span(over('conduit', 'direct'), x)}) and ` +
    `${span(READS.map((op) => p50(op, 'shadow')), msRange)} ms in the shadow stage (${span(over('shadow', 'direct'), x)}).`,
  );
  const slower = READS.map((op) => p50(op, 'shadow') / Math.max(p50(op, 'connector'), p50(op, 'conduit')));
  parts.push(
    `Conduit's p50 was ${span(over('conduit', 'connector'), x)} the Connector's; the shadow stage's p50 was ${span(over('shadow', 'connector'), x)} the Connector's alone ` +
    `and ${span(slower, x)} the slower of the two backends measured on their own.`,
  );
  const many = o.concurrency.filter((c) => c > 1);
  for (const c of many) {
    const t = (path: PathName): number[] => READS.map((op) => tput(op, path, c) / tput(op, 'direct', 1));
    const cVsK = READS.map((op) => tput(op, 'conduit', c) / tput(op, 'connector', c));
    parts.push(
      `At concurrency ${c}, reads completed at ${span(t('connector'), x)} of the direct single-caller rate through the Connector, ${span(t('conduit'), x)} through Conduit ` +
      `and ${span(t('shadow'), x)} in the shadow stage; Conduit's rate was ${span(cVsK, x)} the Connector's at the same concurrency.`,
    );
  }
  if (o.writes && findCase(results, 'addAppointment', 'direct', 1)) {
    const w = (op: WriteOp, path: PathName): number => p50(op, path) / p50(op, 'direct');
    parts.push(
      `Writes at concurrency 1, p50 against direct: addAppointment ${x(w('addAppointment', 'connector'))} through the Connector, ${x(w('addAppointment', 'conduit'))} through Conduit, ` +
      `${x(w('addAppointment', 'shadow'))} in the shadow stage; cancelAppointment ${x(w('cancelAppointment', 'connector'))}, ${x(w('cancelAppointment', 'conduit'))}, ${x(w('cancelAppointment', 'shadow'))}. ` +
      `In the shadow stage writes go to the Connector only, and measured ${x(p50('add + cancel', 'shadow') / p50('add + cancel', 'connector'))} the Connector's add + cancel p50.`,
    );
  }
  const cpu1 = (path: PathName): number[] => READS.map((op) => findCase(results, op, path, 1)?.cpu?.total ?? Number.NaN);
  const us = (v: number): string => v.toFixed(0);
  parts.push(
    `Per read at concurrency 1, all processes together used ${span(cpu1('direct'), us)} µs of CPU directly, ${span(cpu1('connector'), us)} µs through the Connector, ` +
    `${span(cpu1('conduit'), us)} µs through Conduit and ${span(cpu1('shadow'), us)} µs in the shadow stage (table below).`,
  );
  const errors = results.reduce((n, r) => n + r.summary.errors + r.warmupErrors, 0);
  const others = results.filter((r) => r.cpu).map((r) => Math.max(0, r.cpu!.machineBusy - r.cpu!.utilisation));
  parts.push(
    `${errors === 0 ? 'No call failed' : `${errors} calls failed (see Errors)`}; ` +
    `${e.shadow.differences === 0 ? `the shadow stage recorded no difference in ${e.shadow.comparisons.toLocaleString('en-US')} comparisons` : `the shadow stage recorded ${e.shadow.differences} differences in ${e.shadow.comparisons.toLocaleString('en-US')} comparisons`}. ` +
    `One run on a shared ${e.m.nproc}-vCPU VM (load average ${e.m.loadAvg1} at the start, ${e.loadEnd} at the end); ` +
    `other processes than these kept the machine ${span(others, (v) => `${(v * 100).toFixed(0)} %`)} busy during the measured windows.`,
  );
  return parts.join(' ');
}

function report(results: CaseResult[], o: Options, e: Extra): string {
  const directOf = (op: CaseResult['op']): CaseResult | undefined => findCase(results, op, 'direct', 1);
  const row = (r: CaseResult, throughput = true): (string | number)[] => {
    const s = r.summary;
    const d = directOf(r.op)?.summary;
    const base = r.path === 'direct';
    return [
      r.op, PATH_LABEL[r.path], r.path === 'direct' ? '1 (in-process)' : r.concurrency, s.count.toLocaleString('en-US'), s.errors,
      fmtMs(s.p50Ms), fmtMs(s.p90Ms), fmtMs(s.p99Ms), throughput ? fmtRate(s.throughput) : '',
      base || !d ? '' : ratio(s.p50Ms, d.p50Ms), base || !d ? '' : ratio(s.p90Ms, d.p90Ms), base || !d ? '' : ratio(s.p99Ms, d.p99Ms),
      base || !d || !throughput ? '' : ratio(s.throughput, d.throughput),
    ];
  };
  const head = ['call', 'path', 'concurrency', 'calls', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'calls/s', 'p50 ×direct', 'p90 ×direct', 'p99 ×direct', 'calls/s ×direct'];
  const align: ('l' | 'r')[] = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'];
  const reads = results.filter((r) => (READS as string[]).includes(r.op));
  const writes = results.filter((r) => !(READS as string[]).includes(r.op));

  const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : 'n/a');
  const us = (v: number | undefined): string => (v === undefined ? '' : Number.isFinite(v) ? v.toFixed(0) : 'n/a');
  const cpuRows = results.filter((r) => r.cpu).map((r) => {
    const c = r.cpu!;
    return [r.op, PATH_LABEL[r.path], r.concurrency, us(c.booking), us(c.agent), us(c.cloud), us(c.link), us(c.executors), us(c.total), pct(c.utilisation), pct(c.machineBusy)];
  });
  const errs = results.filter((r) => r.summary.errors > 0 || r.warmupErrors > 0).map((r) =>
    `- ${r.op}, ${PATH_LABEL[r.path]}, concurrency ${r.concurrency}: ${r.summary.errors} errors in the measured window${r.firstError ? ` (first: ${r.firstError})` : ''}` +
    `${r.warmupErrors ? `, ${r.warmupErrors} during warm-up` : ''}`);
  const rec = summarise(e.shadow.recorder.values(), 0);
  const m = e.m;
  return [
    '## backends',
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`; ${m.cpu}), ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}. Run ${m.date} on ${e.git}; 1-minute load average ${m.loadAvg1} at start, ${e.loadEnd} at the end (other work on this shared VM competes for the CPUs).` +
      (o.quick ? ' **Quick run (`--quick`): short windows, so the p99 figures rest on few samples.**' : ''),
    '',
    'Setup, everything on one machine over 127.0.0.1 (so no network latency between the parts is included, and every process shares the same CPUs) and on one copy of the practice database ' +
      `(${DEFAULT_PRACTICE.patients} patients, ${DEFAULT_PRACTICE.weeks} weeks, seed ${DEFAULT_PRACTICE.seed}): ` +
      'the booking server (`startBooking`, product "Bookwell") runs in the benchmark process, which is also the caller; the practice is registered as a Connector practice ' +
      '(`upsertConnectorPractice`, hub token) and paired with Conduit (`setConduitSite`). ' +
      '**direct** = the product\'s `ConnectorBackend` with its hub replaced by what the agent does with a request (`toSimParams`, `BpSimDatabase.execute`, rows materialised) in this process: the same command text and parameters, the same row mapping, no transport, no agent login check. ' +
      '**Connector** = `ConnectorBackend` → the booking server\'s `ConnectorHub` → WebSocket → `conduit connector` (the agent, its own process, one request at a time) → the database. ' +
      `**Conduit** = \`ConduitBackend\` (the SDK, with the product's key → site lookup in its store) → Cloud (\`conduit cloud\`) → Link (\`conduit link\`, ${e.conduit.executors} executor processes, integration ticked read-write) → the database. ` +
      '**shadow** = `ShadowAccess(Connector, Conduit)` with the product\'s recorder (`MigrationStore.recordComparison`, a write to the booking store per comparison): every read goes to both and waits for both; writes go to the Connector only. ' +
      `Calls: \`practitioners\` (${e.rows.practitioners} rows), \`appointmentTypes\` (${e.rows.appointmentTypes} rows), \`freeSlotsOn\` (practitioner ${e.user}, ${e.day}: ${e.rows.freeSlotsOn} free slots). ` +
      `Every case: ${o.warmupMs} ms warm-up (not measured), then ${o.rounds} rounds of ${windowOf(o)} ms or ${Math.ceil(o.maxRequests / o.rounds).toLocaleString('en-US')} calls (writes: ${Math.ceil(o.maxWrites / o.rounds).toLocaleString('en-US')} pairs), whichever first, ` +
      'the paths of a call taking turns within each round in rotating order (so changes in the machine\'s other load fall on every path alike); closed loop (each of N callers makes its next call when its last one settles). ' +
      'Direct is synchronous, so it is measured at concurrency 1 only, and every ratio is to direct at concurrency 1 from the same run. ' +
      (o.writes
        ? `Writes at concurrency 1: \`addAppointment\` then \`cancelAppointment\` of that appointment (timed separately; "add + cancel" is the pair), for one bench patient, rotating over ${e.writeSlots} free slots of every practitioner on days other than the one read, so a slot is free again before it is reused. `
        : 'Writes were not measured (`--reads-only`). ') +
      `Before measuring, every path's result of each read was checked against direct: ${e.sameResults.length === 0 ? 'all the same' : `**differences**: ${e.sameResults.join('; ')}`}; during the run each call's row count is checked. Cloud and Link log level: ${o.logLevel}.`,
    '',
    '### Reads',
    '',
    table(head, reads.map((r) => row(r)), align),
    '',
    ...(writes.length
      ? ['### Writes (concurrency 1)', '', 'calls/s is given for the pair only: each caller makes one add and one cancel per pair.', '', table(head, writes.map((r) => row(r, r.op === 'add + cancel')), align), '']
      : []),
    '### What this shows',
    '',
    whatThisShows(results, o, e),
    '',
    `Shadow comparisons recorded: ${e.shadow.comparisons.toLocaleString('en-US')}, differences: ${e.shadow.differences}${e.shadow.firstDifference ? ` (first: ${e.shadow.firstDifference.slice(0, 300)})` : ''}. ` +
      `The product's recorder took ${fmtMs(rec.p50Ms)} ms at p50, ${fmtMs(rec.p99Ms)} ms at p99 per comparison (inside each shadow read's time).`,
    '',
    '### CPU per call (µs of CPU time per completed call, or per add + cancel pair, by process, from /proc over the measured window)',
    '',
    'booking = the benchmark process (booking server, ConnectorHub, SDK client, ShadowAccess, the callers, and the database itself for direct).',
    '',
    table(['call', 'path', 'concurrency', 'booking', 'Connector agent', 'Cloud', 'Link', 'executors (all)', 'total', 'machine busy with these', 'machine busy, all processes'], cpuRows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
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
  const git = gitState();
  const runDir = mkdtempSync(join(tmpdir(), 'conduit-bench-backends-'));
  log(`backends: run folder ${runDir}${o.quick ? ' (quick)' : ''}`);
  const results: CaseResult[] = [];
  const line = (r: CaseResult): void => {
    const s = r.summary;
    log(`  ${r.op.padEnd(17)} ${r.path.padEnd(9)} c=${String(r.concurrency).padEnd(2)} n=${String(s.count).padStart(6)} err=${s.errors} ` +
      `p50=${fmtMs(s.p50Ms)} p90=${fmtMs(s.p90Ms)} p99=${fmtMs(s.p99Ms)} ms ${fmtRate(s.throughput)}/s`);
  };
  let conduit: Conduit | undefined;
  let booking: RunningBooking | undefined;
  let agent: Proc | undefined;
  let db: BpSimDatabase | undefined;
  try {
    const database = practiceCopy(runDir, DEFAULT_PRACTICE, log);
    const bpSiteId = (() => {
      const ro = BpSimDatabase.open(database, { readonly: true });
      try {
        return readPracticeInfo(ro).siteId;
      } finally {
        ro.close();
      }
    })();

    log('Conduit (Cloud and Link processes):');
    conduit = await startConduit(runDir, database, { logLevel: o.logLevel, access: 'readwrite' }, log);
    const ex = executors(conduit.link);

    log('Booking server and Connector:');
    booking = await startBooking({
      port: 0, host: '127.0.0.1', dataFile: join(runDir, 'booking.db'), conduit: { baseUrl: conduit.url, apiKey: conduit.apiKey }, productName: 'Bookwell',
      onError: (err) => log(`  booking: ${err instanceof Error ? err.message : String(err)}`),
    });
    const practice = booking.store.upsertConnectorPractice({ key: KEY, bpSiteId, name: 'Bench Practice' });
    booking.store.setConduitSite(practice.id, conduit.siteId);
    booking.connectors.setToken(KEY, TOKEN);
    agent = await startConnector(runDir, booking, database, log);

    const store = booking.store;
    const migrationStore = booking.migrationStore;
    const tally: ShadowTally = { comparisons: 0, differences: 0, recorder: new Samples() };
    db = BpSimDatabase.open(database);
    const direct = new ConnectorBackend(directHub(db));
    const connector = new ConnectorBackend(booking.connectors);
    // As the booking server maps a practice's key to its Conduit site.
    const viaConduit = new ConduitBackend(new ConduitClient({ baseUrl: conduit.url, apiKey: conduit.apiKey }), (key) => {
      const p = store.practiceBySite(key);
      return p ? p.conduitSiteId : key;
    });
    const shadow = new ShadowAccess(connector, viaConduit, (siteId, call, same, detail) => {
      tally.comparisons++;
      if (!same) {
        tally.differences++;
        tally.firstDifference ??= `${call}: ${detail}`;
      }
      const t0 = performance.now();
      migrationStore.recordComparison(siteId, call, same, detail);
      tally.recorder.push(performance.now() - t0);
    });
    const backends: Record<PathName, PmsAccess> = { direct, connector, conduit: viaConduit, shadow };

    // What to read: the first practitioner with free slots on a day from tomorrow.
    const users = await direct.practitioners(KEY);
    const types = await direct.appointmentTypes(KEY);
    if (!users.length || !types.length) throw new Error('the practice has no practitioners or no appointment types');
    const tomorrow = addDays(isoDate(new Date()), 1);
    let pick: { userId: number; name: string; day: string; n: number } | undefined;
    for (let d = 0; d < 14 && !pick; d++) {
      const day = addDays(tomorrow, d);
      for (const u of users) {
        const n = (await direct.freeSlotsOn(KEY, u.id, day)).length;
        if (n > 0) {
          pick = { userId: u.id, name: u.name, day, n };
          break;
        }
      }
    }
    if (!pick) throw new Error('no practitioner has free slots in the coming two weeks');

    const expected = {} as Record<ReadOp, string>;
    const expectedLength = {} as Record<ReadOp, number>;
    const probe = (b: PmsAccess, op: ReadOp): Promise<unknown[]> =>
      op === 'practitioners' ? b.practitioners(KEY) : op === 'appointmentTypes' ? b.appointmentTypes(KEY) : b.freeSlotsOn(KEY, pick!.userId, pick!.day);
    for (const op of READS) {
      const r = await probe(direct, op);
      expected[op] = JSON.stringify(r);
      expectedLength[op] = r.length;
    }
    const sameResults: string[] = [];
    for (const path of PATHS.filter((p) => p !== 'direct')) {
      for (const op of READS) {
        const got = JSON.stringify(await probe(backends[path], op));
        if (got !== expected[op]) sameResults.push(`${op} through ${path}: ${got.slice(0, 200)} vs direct ${expected[op].slice(0, 200)}`);
      }
    }
    if (sameResults.length) log(`  WARNING: results differ from direct: ${sameResults.join('; ')}`);
    log(`  reading: practitioner ${pick.userId} (${pick.name}) on ${pick.day}, ${pick.n} free slots; ${users.length} practitioners, ${types.length} appointment types`);

    const watched: Watched[] = [
      { name: 'agent', pids: [agent.pid] },
      { name: 'cloud', pids: [conduit.cloud.pid] },
      { name: 'link', pids: [conduit.link.pid] },
      { name: 'executors', pids: [...ex.interactive, ...ex.background] },
    ];
    const s: Setup = { backends, watched, userId: pick.userId, day: pick.day, expected, expectedLength };

    log('Reads:');
    for (const op of READS) {
      for (const c of o.concurrency) {
        const paths = c === 1 ? PATHS : PATHS.filter((p) => p !== 'direct');
        for (const r of await runReads(s, op, c, paths, o)) {
          results.push(r);
          line(r);
        }
      }
    }

    let writeSlots = 0;
    if (o.writes) {
      log('Writes (add + cancel pairs, concurrency 1):');
      const patientId = await direct.addPatient(KEY, { firstName: 'Bench', surname: 'Writer', dob: '1980-01-01', sexCode: 2, mobile: '0400000000' });
      const slots: FreeSlot[] = [];
      const practitionerOf = new Map<FreeSlot, number>();
      for (let d = 0; d < 28 && slots.length < 1500; d++) {
        const day = addDays(tomorrow, d);
        if (day === pick.day) continue;
        for (const u of users) {
          for (const slot of await direct.freeSlotsOn(KEY, u.id, day)) {
            slots.push(slot);
            practitionerOf.set(slot, u.id);
          }
        }
      }
      if (slots.length < 50) throw new Error(`only ${slots.length} free slots to write into`);
      writeSlots = slots.length;
      // Interleave practitioners and days so consecutive pairs touch different rows.
      slots.sort((a, b) => (a.time - b.time) || a.date.localeCompare(b.date));
      const w: WriteContext = { slots, practitionerOf, patientId, type: types[0]!.code, next: 0 };
      for (const r of await runWrites(s, w, PATHS, o)) {
        results.push(r);
        line(r);
      }
    }

    const extra: Extra = {
      m, loadEnd: Math.round(loadavg()[0]! * 100) / 100, git, conduit: { executors: ex.interactive.length + ex.background.length },
      day: pick.day, user: `${pick.userId}`, rows: { practitioners: expectedLength.practitioners, appointmentTypes: expectedLength.appointmentTypes, freeSlotsOn: expectedLength.freeSlotsOn },
      sameResults, shadow: tally, writeSlots,
    };
    const md = report(results, o, extra);
    const stamp = m.date.replace(/[:.]/g, '-');
    const raw = writeRaw(`backends-${stamp}.json`, { machine: m, git, options: o, pick, results, shadow: { ...tally, recorder: summarise(tally.recorder.values(), 0) } });
    console.log(`\n${md}`);
    if (o.writeResults) {
      writeSection('backends', md);
      log(`Written to ${RESULTS_FILE} (raw figures: ${raw})`);
    } else {
      log(`Raw figures: ${raw} (RESULTS.md left alone)`);
    }
    return md;
  } finally {
    if (agent) await stopProc(agent);
    db?.close();
    await booking?.close().catch(() => undefined);
    if (conduit) {
      await stopProc(conduit.link);
      await stopProc(conduit.cloud);
    }
    if (o.keep) log(`Kept ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  }
}

export const suite: Suite = {
  name: 'backends',
  description: "the booking product's reads and writes through the Connector, Conduit and shadow vs direct on the database",
  run,
};

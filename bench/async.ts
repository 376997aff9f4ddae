// The `async` suite: a ≥ 1 M-row extraction (`SELECT * FROM APPOINTMENTS`) as an async query through a
// Cloud and a Link (separate processes, loopback): submit → poll until successful → download every
// page, against the same rows read and serialised directly from SQLite in this process. It extracts twice:
// alone (throughput; peak RSS of the Cloud, the Link and its executors), then while a 1-row immediate
// query runs from its own probe process (its latency there vs idle; throughput and RSS under that load).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BpSimDatabase } from '@conduit/bp-sim';
import { startConduit, stopConduit, executors, type Conduit } from './lib/conduit.js';
import { assertLoopback } from './lib/http-load.js';
import { LARGE_PRACTICE, largePracticeCopy } from './lib/large-practice.js';
import type { ProbeConfig, ProbeResult } from './lib/latency-probe.js';
import { machine, type Machine } from './lib/machine.js';
import { MemorySampler, mib, type MemoryReport } from './lib/memory.js';
import { cpuTimeMs, spawnNode, stopProc, type Proc } from './lib/processes.js';
import { ProfileWindow, profileReport } from './lib/profiler.js';
import { OUT_DIR, RESULTS_FILE, table, writeRaw, writeSection } from './lib/results.js';
import { fmtMs, fmtRate, summarise, type Summary } from './lib/stats.js';
import type { Suite } from './lib/suite.js';

const EXTRACT = 'SELECT * FROM APPOINTMENTS';
const PROBE = 'SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = 42';
const MIN_ROWS = 1_000_000;
const TARGET_RSS_MIB = 256;
const TARGET_P99_RATIO = 3;

type Download = 'plain' | 'stream';

interface Options {
  pollMs: number;
  idleMs: number;
  probeWarmupMs: number;
  maxMs: number;
  timeoutMs: number;
  download: Download;
  streamPass: boolean;
  logLevel: string;
  profile: boolean;
  keep: boolean;
  writeResults: boolean;
}

const HELP = `npm run bench -- async [options]

  --poll-ms <ms>         status poll interval while the query runs (default 100)
  --idle-ms <ms>         idle latency window of the 1-row immediate probe (default 5000)
  --probe-warmup <ms>    probe warm-up before each window, not measured (default 1000)
  --max-ms <ms>          give up on the extraction (submit to last page) after this long (default 900000)
  --timeout <ms>         a single HTTP request not answered by then fails (default 60000)
  --download <how>       plain (GET …/results/{n}, base64 in JSON; default) or stream (…/results/{n}/stream)
  --no-stream-pass       skip downloading the pages of the first extraction again by the other endpoint
  --log-level <level>    CONDUIT_LOG_LEVEL for Cloud and Link (default info, as operators run them)
  --profile              CPU-profile every process during the extraction; the report goes to bench/out/
                         (figures are distorted by the profiler, so RESULTS.md is left alone)
  --write-results        with --profile, still write bench/RESULTS.md
  --no-write             print only; leave bench/RESULTS.md alone (smoke runs)
  --keep                 keep the run folder (logs, Cloud store and result pages, practice copy)`;

function options(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    options: {
      'poll-ms': { type: 'string', default: '100' },
      'idle-ms': { type: 'string', default: '5000' },
      'probe-warmup': { type: 'string', default: '1000' },
      'max-ms': { type: 'string', default: '900000' },
      timeout: { type: 'string', default: '60000' },
      download: { type: 'string', default: 'plain' },
      'no-stream-pass': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      profile: { type: 'boolean', default: false },
      'write-results': { type: 'boolean', default: false },
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
  if (values.download !== 'plain' && values.download !== 'stream') throw new Error(`--download must be plain or stream, got "${values.download}"`);
  return {
    pollMs: int(values['poll-ms'], '--poll-ms', 10),
    idleMs: int(values['idle-ms'], '--idle-ms', 100),
    probeWarmupMs: int(values['probe-warmup'], '--probe-warmup', 0),
    maxMs: int(values['max-ms'], '--max-ms', 1000),
    timeoutMs: int(values.timeout, '--timeout', 100),
    download: values.download,
    streamPass: !values['no-stream-pass'],
    logLevel: values['log-level'],
    profile: values.profile,
    keep: values.keep,
    writeResults: !values['no-write'] && (!values.profile || values['write-results']),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const wall = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------
// Baseline: every row read from SQLite in this process and serialised as the Link's ResultWriter does.

interface Throughput {
  rows: number;
  bytes: number;
  ms: number;
}

function baseline(file: string): Throughput {
  const db = BpSimDatabase.open(file, { readonly: true });
  try {
    const t0 = performance.now();
    let rows = 0;
    let bytes = 2; // '[' and ']'
    for (const row of db.execute({ text: EXTRACT, type: 'text', params: [] }).rows) {
      for (const k in row) {
        const v = row[k];
        if (typeof v === 'bigint') row[k] = Number(v);
        else if (v instanceof Uint8Array) row[k] = Buffer.from(v).toString('base64');
      }
      bytes += Buffer.byteLength(JSON.stringify(row)) + (rows > 0 ? 1 : 0);
      rows++;
    }
    return { rows, bytes, ms: performance.now() - t0 };
  } finally {
    db.close();
  }
}

function countRows(file: string): number {
  const db = BpSimDatabase.open(file, { readonly: true });
  try {
    return (db.raw.prepare('SELECT COUNT(*) AS n FROM APPOINTMENTS').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP to the Cloud, as an integrator would (node:http with a keep-alive agent, loopback only).

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

class Api {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  constructor(private readonly c: Conduit, private readonly timeoutMs: number) {
    assertLoopback(c.url);
  }

  send(method: 'GET' | 'POST', path: string, json?: unknown): Promise<Res> {
    const u = new URL(`${this.c.url}${path}`);
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    return new Promise((resolve, reject) => {
      const req = request({
        host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, agent: this.agent,
        headers: { 'Ocp-Apim-Subscription-Key': this.c.apiKey, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`${method} ${u.pathname}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

interface QueryJson {
  id: string;
  status: string;
  statusTiming?: Record<string, { startTime?: string; endTime?: string }>;
  metrics?: { sqlExecutionDuration?: number };
  result?: { rows?: number; size?: number; pages?: { pageNumber: number; size: number; rows: { count: number } }[] };
  errorMessage?: string;
}

const RUNNING = new Set(['initialising', 'queued', 'executing', 'uploading']);

interface DownloadResult extends Throughput {
  how: Download;
  pages: number;
  /** Bytes on the wire (HTTP bodies), which for plain pages is the base64 inside JSON. */
  wireBytes: number;
  /** Time this process spent decoding and parsing pages (part of `ms`). */
  parseMs: number;
  /** Slowest single page request, ms. */
  maxPageMs: number;
}

async function download(api: Api, base: string, pages: NonNullable<QueryJson['result']>['pages'] & object, how: Download, deadline: number): Promise<DownloadResult> {
  const r: DownloadResult = { how, rows: 0, bytes: 0, ms: 0, pages: 0, wireBytes: 0, parseMs: 0, maxPageMs: 0 };
  const t0 = performance.now();
  for (const p of pages) {
    if (wall() > deadline) throw new Error(`download: past the --max-ms deadline after ${r.pages} of ${pages.length} pages`);
    const tp = performance.now();
    const res = await api.send('GET', `${base}/results/${p.pageNumber}${how === 'stream' ? '/stream' : ''}`);
    const got = performance.now();
    if (res.status !== 200) throw new Error(`page ${p.pageNumber} (${how}): HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
    const data = how === 'stream' ? res.body : Buffer.from((JSON.parse(res.body.toString('utf8')) as { data: string }).data, 'base64');
    const rows = (JSON.parse(data.toString('utf8')) as unknown[]).length;
    const header = Number(res.headers['rows-count']);
    if (rows !== p.rows.count || rows !== header || data.length !== p.size) {
      throw new Error(`page ${p.pageNumber} (${how}): ${rows} rows / ${data.length} bytes, but the listing says ${p.rows.count} rows / ${p.size} bytes (Rows-Count ${header})`);
    }
    r.parseMs += performance.now() - got;
    r.maxPageMs = Math.max(r.maxPageMs, performance.now() - tp);
    r.rows += rows;
    r.bytes += data.length;
    r.wireBytes += res.body.length;
    r.pages++;
  }
  r.ms = performance.now() - t0;
  return r;
}

// ---------------------------------------------------------------------------------------------------
// The latency probe: its own process, one immediate 1-row query at a time.

async function startProbe(c: Conduit, runDir: string, name: string, o: Options, maxMs: number): Promise<{ proc: Proc; out: string }> {
  const out = join(runDir, `${name}.json`);
  const cfg: ProbeConfig = {
    url: `${c.url}/integrator/sites/${c.siteId}/queries/immediate`, headers: { 'Ocp-Apim-Subscription-Key': c.apiKey },
    body: JSON.stringify({ command: { text: PROBE } }), rows: 1, concurrency: 1, warmupMs: o.probeWarmupMs, maxMs,
    maxRequests: 2_000_000, timeoutMs: 10_000, out,
  };
  const proc = await spawnNode({ name, logDir: runDir, ready: /probe measuring/, readyTimeoutMs: 60_000 + o.probeWarmupMs, args: [join(import.meta.dirname, 'lib', 'latency-probe.ts'), JSON.stringify(cfg)] });
  return { proc, out };
}

async function endProbe(p: { proc: Proc; out: string }, stop: boolean, waitMs: number): Promise<ProbeResult> {
  if (stop) await stopProc(p.proc, waitMs);
  else {
    const exited = p.proc.child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => p.proc.child.once('exit', () => r()));
    await Promise.race([exited, sleep(waitMs)]);
    await stopProc(p.proc, 15_000);
  }
  if (p.proc.child.exitCode !== 0) throw new Error(`latency probe ${p.proc.name} exited ${p.proc.child.exitCode ?? p.proc.child.signalCode}`);
  return JSON.parse(readFileSync(p.out, 'utf8')) as ProbeResult;
}

interface Latency {
  summary: Summary;
  errors: number;
  firstError?: string;
}

function latencyIn(r: ProbeResult, from = -Infinity, to = Infinity): Latency {
  const s = r.samples.filter(([t]) => t >= from && t < to);
  const errors = r.errorTimes.filter((t) => t >= from && t < to).length;
  const elapsed = s.length ? Math.min(to, s[s.length - 1]![0] + s[s.length - 1]![1]) - Math.max(from, s[0]![0]) : 0;
  return { summary: summarise(Float64Array.from(s.map(([, ms]) => ms)), elapsed, errors), errors, ...(errors && r.firstError ? { firstError: r.firstError } : {}) };
}

// ---------------------------------------------------------------------------------------------------

interface Extraction {
  queryId: string;
  submitMs: number;
  /** submit → seen successful (client side, polling). */
  toSuccessfulMs: number;
  /** Server-side status timing of the query. */
  statusTiming: QueryJson['statusTiming'];
  sqlExecutionDuration?: number;
  resultRows: number;
  resultSize: number;
  pageCount: number;
  polls: number;
  download: DownloadResult;
  endToEndMs: number;
  /** Wall-clock marks for slicing the probe: submit, successful, downloaded. */
  marks: { submit: number; successful: number; downloaded: number };
  cpuMs: Record<string, number>;
  /** Time runnable but waiting for a CPU (/proc/<pid>/schedstat), ms. */
  waitMs: Record<string, number>;
}

/** Time a process has been runnable but waiting for a CPU so far, ms (/proc/<pid>/schedstat field 2). */
function runQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

async function extract(api: Api, c: Conduit, o: Options, log: (s: string) => void): Promise<Extraction> {
  const deadline = wall() + o.maxMs;
  const base = `/integrator/sites/${c.siteId}/queries`;
  const ex = executors(c.link);
  const cpuPids: Record<string, number[]> = { cloud: [c.cloud.pid], link: [c.link.pid], 'executors (immediate)': ex.interactive, 'executor (background)': ex.background };
  const cpuOf = (): Record<string, number> => Object.fromEntries(Object.entries(cpuPids).map(([k, pids]) => [k, pids.reduce((n, p) => n + cpuTimeMs(p), 0)]));
  const waitOf = (): Record<string, number> => Object.fromEntries(Object.entries(cpuPids).map(([k, pids]) => [k, pids.reduce((n, p) => n + runQueueWaitMs(p), 0)]));
  const cpu0 = cpuOf();
  const wait0 = waitOf();
  const self0 = process.cpuUsage();
  const selfWait0 = runQueueWaitMs(process.pid);

  const submit = wall();
  const t0 = performance.now();
  const sub = await api.send('POST', `${base}/async`, { command: { text: EXTRACT } });
  const submitMs = performance.now() - t0;
  if (sub.status !== 201) throw new Error(`submit: HTTP ${sub.status}: ${sub.body.toString('utf8').slice(0, 500)}`);
  const id = (JSON.parse(sub.body.toString('utf8')) as QueryJson).id;
  log(`  submitted ${id} (${fmtMs(submitMs)} ms)`);

  let q: QueryJson | undefined;
  let polls = 0;
  let last = '';
  const maxPolls = Math.ceil(o.maxMs / o.pollMs) + 10;
  while (polls < maxPolls) {
    if (wall() > deadline) throw new Error(`the query was still ${last} after --max-ms ${o.maxMs} ms`);
    const res = await api.send('GET', `${base}/${id}`);
    polls++;
    if (res.status !== 200) throw new Error(`poll: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
    q = JSON.parse(res.body.toString('utf8')) as QueryJson;
    if (q.status !== last) {
      log(`    ${((wall() - submit) / 1000).toFixed(1)} s: ${q.status}`);
      last = q.status;
    }
    if (q.status === 'successful') break;
    if (!RUNNING.has(q.status)) throw new Error(`the query ended ${q.status}: ${q.errorMessage ?? ''}`);
    await sleep(o.pollMs);
  }
  if (q?.status !== 'successful') throw new Error(`no result after ${polls} polls`);
  const successful = wall();
  const toSuccessfulMs = performance.now() - t0;
  const pages = q.result?.pages ?? [];
  log(`  successful after ${(toSuccessfulMs / 1000).toFixed(2)} s: ${q.result?.rows} rows, ${pages.length} pages, ${((q.result?.size ?? 0) / 2 ** 20).toFixed(1)} MiB; downloading (${o.download})…`);

  const dl = await download(api, `${base}/${id}`, pages, o.download, deadline);
  const downloaded = wall();
  const endToEndMs = performance.now() - t0;
  const cpu1 = cpuOf();
  const wait1 = waitOf();
  const waitMs = Object.fromEntries(Object.keys(wait0).map((k) => [k, wait1[k]! - wait0[k]!]));
  waitMs['benchmark process (client)'] = runQueueWaitMs(process.pid) - selfWait0;
  const self = process.cpuUsage(self0);
  const cpuMs = Object.fromEntries(Object.keys(cpu0).map((k) => [k, cpu1[k]! - cpu0[k]!]));
  cpuMs['benchmark process (client)'] = (self.user + self.system) / 1000;
  return {
    queryId: id, submitMs, toSuccessfulMs, statusTiming: q.statusTiming, sqlExecutionDuration: q.metrics?.sqlExecutionDuration,
    resultRows: q.result?.rows ?? 0, resultSize: q.result?.size ?? 0, pageCount: pages.length, polls, download: dl, endToEndMs,
    marks: { submit, successful, downloaded }, cpuMs, waitMs,
  };
}

// ---------------------------------------------------------------------------------------------------
// Report.

/** One extraction with everything measured around it. */
interface Pass {
  extraction: Extraction;
  memory: MemoryReport;
}

interface Results {
  tableRows: number;
  baseline: Throughput;
  /** The extraction on its own: throughput and memory. */
  alone: Pass;
  /** The same extraction again while the 1-row immediate probe runs: latency, and throughput under load. */
  loaded: Pass;
  streamPass?: DownloadResult;
  streamMemory?: MemoryReport;
  idle: Latency;
  during: Latency;
  duringRun: Latency;
  duringDownload: Latency;
  linkExecutors: { interactive: number; background: number };
  loadAvgEnd: number;
}

const mibS = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const rate = (t: Throughput): { rowsPerS: number; mibPerS: number } => ({ rowsPerS: (t.rows * 1000) / t.ms, mibPerS: (t.bytes / 2 ** 20) * (1000 / t.ms) });
const verdict = (ok: boolean): string => (ok ? '**met**' : '**NOT met**');

function report(m: Machine, o: Options, r: Results): string {
  const b = rate(r.baseline);
  const t = (label: string, tp: Throughput, note = ''): (string | number)[] => {
    const ra = rate(tp);
    return [label, tp.rows.toLocaleString('en-US'), mibS(tp.bytes), (tp.ms / 1000).toFixed(2), fmtRate(ra.rowsPerS), ra.mibPerS.toFixed(1), `×${(ra.rowsPerS / b.rowsPerS).toFixed(2)}`, note];
  };
  const passRows = (name: string, e: Extraction): (string | number)[][] => {
    const d = e.download;
    return [
      t(`Conduit ${name}, end to end (submit → last page parsed)`, { rows: d.rows, bytes: d.bytes, ms: e.endToEndMs }, `${e.pageCount} pages`),
      t('  (a) submit → successful', { rows: e.resultRows, bytes: e.resultSize, ms: e.toSuccessfulMs }, `${e.polls} polls every ${o.pollMs} ms`),
      t(`  (b) download every page (${d.how})`, d, `${mibS(d.wireBytes)} MiB on the wire; ${(d.parseMs / 1000).toFixed(2)} s of it decoding + parsing here; slowest page ${fmtMs(d.maxPageMs)} ms`),
    ];
  };
  const thr = [
    t('direct on the database (baseline)', r.baseline, 'one process: SQLite cursor + JSON.stringify per row'),
    ...passRows('alone', r.alone.extraction),
  ];
  if (r.streamPass) {
    const s = r.streamPass;
    thr.push(t(`  (b′) the same pages downloaded again, by ${s.how}`, s, `${mibS(s.wireBytes)} MiB on the wire; ${(s.parseMs / 1000).toFixed(2)} s parsing here; slowest page ${fmtMs(s.maxPageMs)} ms`));
  }
  thr.push(...passRows('with the immediate probe running', r.loaded.extraction));
  const throughputTable = table(['path', 'rows', 'MiB (JSON)', 'seconds', 'rows/s', 'MiB/s', 'of baseline rows/s', 'notes'], thr, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']);

  const timing = (e: Extraction): string => {
    const st = e.statusTiming ?? {};
    const span = (k: string): string => {
      const s = st[k];
      if (!s?.startTime) return 'n/a';
      const a = Date.parse(s.startTime);
      return s.endTime ? `${((Date.parse(s.endTime) - a) / 1000).toFixed(2)} s` : 'open';
    };
    return `${['initialising', 'queued', 'executing', 'uploading'].map((k) => `${k} ${span(k)}`).join(', ')}; SQL execution ${e.sqlExecutionDuration ?? 'n/a'} ms (executor-reported, includes waiting for page acknowledgements); submit answered in ${fmtMs(e.submitMs)} ms`;
  };

  const groups: [string, string, string][] = [
    ['Cloud', 'cloud', ''],
    ['Link main process', 'link', ''],
    ['Link executors, immediate', 'executors', 'serve the probe'],
    ['Link executor, background (niced)', 'background', 'runs the extraction'],
    ['Link tree (main + all executors)', 'linkTree', 'summed at each sample'],
  ];
  const memCells = (p: Pass, key: string): string[] => {
    const g = p.memory.groups[key]!;
    const e = p.extraction;
    const phase = g.peakAt < e.marks.successful ? 'running' : g.peakAt <= e.marks.downloaded ? 'downloading' : 'after';
    return [mibS(g.startSumRssKb * 1024), mibS(g.peakSumRssKb * 1024), `${((g.peakAt - e.marks.submit) / 1000).toFixed(1)} s, ${phase}`];
  };
  // With executor threads (the default) there are no executor processes: their memory and CPU are the
  // Link main process's, and the per-executor rows would only read 0.
  const threads = [r.alone, r.loaded].every((p) => p.memory.groups.executors!.pids.length === 0 && p.memory.groups.background!.pids.length === 0);
  const shownGroups = threads ? groups.filter(([, key]) => key !== 'executors' && key !== 'background') : groups;
  const memRows = shownGroups.map(([label, key, note]) => {
    const a = r.alone.memory.groups[key]!;
    const l = r.loaded.memory.groups[key]!;
    return [label, a.pids.length, ...memCells(r.alone, key), ...memCells(r.loaded, key).slice(1),
      mibS(Math.max(a.peakSumPssKb, l.peakSumPssKb) * 1024), mibS(Math.max(a.peakOneRssKb, l.peakOneRssKb) * 1024), mibS(Math.max(a.hwmKb, l.hwmKb) * 1024), note];
  });
  if (r.streamMemory) {
    const g = r.streamMemory.groups.cloud!;
    memRows.push([`Cloud, during (b′) by ${r.streamPass!.how}`, 1, mibS(g.startSumRssKb * 1024), mibS(g.peakSumRssKb * 1024), '', '', '', '', '', '', '']);
  }
  const memTable = table(['process(es)', 'processes', 'RSS at submit MiB', 'peak RSS MiB, alone (sum)', 'peak at', 'peak RSS MiB, with probe (sum)', 'peak at', 'peak PSS MiB (sum, either pass)', 'peak RSS MiB (largest one process)', 'VmHWM MiB (largest, lifetime)', 'notes'],
    memRows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']);

  const lat = (label: string, l: Latency): (string | number)[] => {
    const s = l.summary;
    return [label, s.count.toLocaleString('en-US'), l.errors, fmtMs(s.p50Ms), fmtMs(s.p90Ms), fmtMs(s.p99Ms), fmtMs(s.maxMs), `×${(s.p50Ms / r.idle.summary.p50Ms).toFixed(2)}`, `×${(s.p99Ms / r.idle.summary.p99Ms).toFixed(2)}`];
  };
  const latTable = table(['window', 'requests', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p50 vs idle', 'p99 vs idle'], [
    lat(`idle (${o.idleMs} ms, before the extractions)`, r.idle),
    lat('during the extraction (submit → last page)', r.during),
    lat('  while it runs (submit → successful)', r.duringRun),
    lat('  while the pages download', r.duringDownload),
  ], ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);

  const peak = (key: string, one = false): number => Math.max(...[r.alone, r.loaded].map((p) => mib(one ? p.memory.groups[key]!.peakOneRssKb : p.memory.groups[key]!.peakSumRssKb)));
  const cloudPeak = peak('cloud');
  const linkPeak = peak('link');
  const bgPeak = peak('background', true);
  const exPeak = peak('executors', true);
  const treePeak = peak('linkTree');
  const treePss = Math.max(mib(r.alone.memory.groups.linkTree!.peakSumPssKb), mib(r.loaded.memory.groups.linkTree!.peakSumPssKb));
  const p99Ratio = r.during.summary.p99Ms / r.idle.summary.p99Ms;
  const rowsOk = [r.alone, r.loaded].every((p) => p.extraction.download.rows === r.tableRows) && r.tableRows >= MIN_ROWS;
  const targets = [
    ['rows extracted = rows in the table (both passes)', `${r.tableRows.toLocaleString('en-US')} (≥ ${MIN_ROWS.toLocaleString('en-US')})`, `${r.alone.extraction.download.rows.toLocaleString('en-US')} / ${r.loaded.extraction.download.rows.toLocaleString('en-US')}`, verdict(rowsOk)],
    ['Cloud peak RSS', `< ${TARGET_RSS_MIB} MiB`, `${cloudPeak.toFixed(1)} MiB`, verdict(cloudPeak < TARGET_RSS_MIB)],
    ['Link main process peak RSS', `< ${TARGET_RSS_MIB} MiB`, `${linkPeak.toFixed(1)} MiB`, verdict(linkPeak < TARGET_RSS_MIB)],
    ...(threads ? [] : [['Link executors, each (background / largest immediate)', `< ${TARGET_RSS_MIB} MiB`, `${bgPeak.toFixed(1)} / ${exPeak.toFixed(1)} MiB`, verdict(bgPeak < TARGET_RSS_MIB && exPeak < TARGET_RSS_MIB)]]),
    ['Link tree (main + every executor), summed', `< ${TARGET_RSS_MIB} MiB (strictest reading)`, `RSS ${treePeak.toFixed(1)} MiB; PSS ${treePss.toFixed(1)} MiB`, verdict(treePeak < TARGET_RSS_MIB)],
    ['1-row immediate p99 during the extraction', `≤ ${TARGET_P99_RATIO} × idle p99 (${fmtMs(r.idle.summary.p99Ms)} ms → ≤ ${fmtMs(TARGET_P99_RATIO * r.idle.summary.p99Ms)} ms)`, `${fmtMs(r.during.summary.p99Ms)} ms (×${p99Ratio.toFixed(2)})`, verdict(p99Ratio <= TARGET_P99_RATIO)],
  ];

  const cpuTable = (e: Extraction): string => {
    const total = Object.values(e.cpuMs).reduce((n, v) => n + v, 0);
    const rows = Object.entries(e.cpuMs).filter(([k]) => !threads || !k.startsWith('executor')).map(([k, ms]) => [k, (ms / 1000).toFixed(2), ((ms * 1000) / e.download.rows).toFixed(2), `${((ms / total) * 100).toFixed(0)} %`, ((e.waitMs[k] ?? 0) / 1000).toFixed(2)]);
    rows.push(['total', (total / 1000).toFixed(2), ((total * 1000) / e.download.rows).toFixed(2), `machine ${((total / (e.endToEndMs * m.nproc)) * 100).toFixed(0)} % busy with these`, '']);
    return table(['process', 'CPU s', 'µs per row', 'share', 'runnable, waiting for a CPU, s'], rows, ['l', 'r', 'r', 'r', 'r']);
  };

  const errs = [r.during, r.idle].filter((l) => l.errors).map((l) => `- probe errors: ${l.errors}${l.firstError ? ` (first: ${l.firstError})` : ''}`);
  return [
    '## async',
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`; ${m.cpu}), ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}. Run ${m.date}; 1-minute load average ${m.loadAvg1} at start, ${r.loadAvgEnd} at the end (other work on this shared VM competes for the 2 vCPUs and skews every figure).`,
    '',
    `Setup: Cloud (\`conduit cloud\`) and Link (\`conduit link\`: ${threads ? 'its executors are worker threads of the Link process (immediate ones up to --concurrency, one niced background thread), so they count in its memory and CPU' : `${r.linkExecutors.interactive} immediate executors, ${r.linkExecutors.background} niced background executor`}) as their own processes, started through the CLI, everything on 127.0.0.1. ` +
      `Practice database: ${LARGE_PRACTICE.patients} patients, ${LARGE_PRACTICE.weeks} weeks, ${LARGE_PRACTICE.practitioners} practitioners, seed ${LARGE_PRACTICE.seed}: ${r.tableRows.toLocaleString('en-US')} APPOINTMENTS rows. ` +
      `\`${EXTRACT}\` is submitted as an async query (default maxTimeInQueue), polled every ${o.pollMs} ms until \`successful\`, then every page is downloaded in order by the benchmark process ` +
      `(${o.download === 'plain' ? '`GET …/results/{n}`: base64 in JSON, decoded' : '`GET …/results/{n}/stream`: the raw JSON array'}) and parsed to count its rows (checked against the page listing and \`Rows-Count\`). ` +
      'It runs twice: **alone** (throughput, memory), then **with the probe** (latency; throughput under that load). ' +
      `Baseline = \`BpSimDatabase.open(file).execute({ text, type: "text", params: [] })\` in one process, iterating \`rows\` and JSON-serialising each row as the Link's ResultWriter does (bytes = the JSON array). ` +
      `Memory: VmRSS and VmHWM (/proc/<pid>/status) every ${r.alone.memory.intervalMs} ms, PSS (/proc/<pid>/smaps_rollup) every ${r.alone.memory.intervalMs * 10} ms, from submit to last page (${r.alone.memory.samples} + ${r.loaded.memory.samples} samples). ` +
      `Latency probe: a separate process sending \`${PROBE}\` as an immediate query at concurrency 1 (closed loop), ${o.probeWarmupMs} ms warm-up; first with the system idle for ${o.idleMs} ms, then from before submit until the last page is downloaded. Cloud and Link log level: ${o.logLevel}.` +
      (o.profile ? ' **This run was CPU-profiled: every figure is distorted by the profiler.**' : ''),
    '',
    '### Throughput',
    '',
    throughputTable,
    '',
    `Server-side status timing, alone: ${timing(r.alone.extraction)}. With the probe: ${timing(r.loaded.extraction)}.`,
    '',
    '### Peak memory during the extractions',
    '',
    memTable,
    '',
    '### 1-row immediate query latency, idle vs during the extraction',
    '',
    latTable,
    '',
    '### Targets',
    '',
    table(['target', 'goal', 'measured', 'verdict'], targets),
    '',
    '### CPU during the extraction alone (submit → last page; /proc/<pid>/stat, process.cpuUsage, /proc/<pid>/schedstat)',
    '',
    cpuTable(r.alone.extraction),
    '',
    '### CPU during the extraction with the probe running (the probe process itself not counted)',
    '',
    cpuTable(r.loaded.extraction),
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
  const runDir = mkdtempSync(join(tmpdir(), 'conduit-bench-async-'));
  log(`async: run folder ${runDir}`);
  const profileParts: string[] = [];
  try {
    const database = largePracticeCopy(runDir, LARGE_PRACTICE, log);
    const tableRows = countRows(database);
    if (tableRows < MIN_ROWS) throw new Error(`the practice has only ${tableRows} APPOINTMENTS rows (< ${MIN_ROWS})`);

    log(`Direct on the database (baseline), ${tableRows.toLocaleString('en-US')} rows:`);
    const base = baseline(database);
    if (base.rows !== tableRows) throw new Error(`baseline read ${base.rows} rows of ${tableRows}`);
    const br = rate(base);
    log(`  ${(base.ms / 1000).toFixed(2)} s, ${fmtRate(br.rowsPerS)} rows/s, ${br.mibPerS.toFixed(1)} MiB/s (${mibS(base.bytes)} MiB of JSON)`);

    log('Conduit (Cloud and Link processes):');
    const c = await startConduit(runDir, database, { logLevel: o.logLevel, profile: o.profile }, log);
    const api = new Api(c, o.timeoutMs);
    try {
      const ex0 = executors(c.link);
      // One scan of /proc for the executors per refresh, shared by the groups that need it.
      let exNow = ex0;
      let exAt = performance.now();
      const ex = (): { interactive: number[]; background: number[] } => {
        if (performance.now() - exAt > 1000) {
          exNow = executors(c.link);
          exAt = performance.now();
        }
        return exNow;
      };
      const groups = {
        cloud: () => [c.cloud.pid],
        link: () => [c.link.pid],
        executors: () => ex().interactive,
        background: () => ex().background,
        linkTree: () => [c.link.pid, ...ex().interactive, ...ex().background],
      };

      log(`Idle latency (${o.idleMs} ms):`);
      const idleProbe = await startProbe(c, runDir, 'probe-idle', o, o.idleMs);
      const idleRes = await endProbe(idleProbe, false, o.idleMs + 30_000);
      const idle = latencyIn(idleRes);
      log(`  n=${idle.summary.count} err=${idle.errors} p50=${fmtMs(idle.summary.p50Ms)}ms p99=${fmtMs(idle.summary.p99Ms)}ms max=${fmtMs(idle.summary.maxMs)}ms`);
      if (idle.summary.count === 0) throw new Error(`the idle probe got no answers: ${idleRes.firstError}`);
      await sleep(300);

      /** One extraction, with memory sampled (and profiled with --profile) from submit to the last page. */
      const pass = async (label: string, during?: () => Promise<void>): Promise<Pass> => {
        const sampler = new MemorySampler(groups, 100, Math.ceil(o.maxMs / 100) + 100, 10);
        const profile = o.profile ? new ProfileWindow(join(runDir, 'profiles'), label, [c.cloud.pid, c.link.pid, ...ex0.interactive, ...ex0.background]) : undefined;
        await profile?.start();
        sampler.start();
        let extraction: Extraction;
        let memory: MemoryReport;
        try {
          extraction = await extract(api, c, o, log);
        } finally {
          memory = sampler.stop();
          await during?.();
          await profile?.stop();
        }
        const d = extraction.download;
        log(`  downloaded ${d.pages} pages in ${(d.ms / 1000).toFixed(2)} s: ${d.rows.toLocaleString('en-US')} rows, ${mibS(d.bytes)} MiB; end to end ${(extraction.endToEndMs / 1000).toFixed(2)} s`);
        log(`  peak RSS MiB: Cloud ${mib(memory.groups.cloud!.peakSumRssKb).toFixed(1)}, Link ${mib(memory.groups.link!.peakSumRssKb).toFixed(1)}, background executor ${mib(memory.groups.background!.peakOneRssKb).toFixed(1)}, Link tree ${mib(memory.groups.linkTree!.peakSumRssKb).toFixed(1)}`);
        if (d.rows !== tableRows) throw new Error(`Conduit returned ${d.rows} rows; the table has ${tableRows}`);
        if (profile) profileParts.push(`## ${label} (${d.rows} rows)\n\n${profileReport(join(runDir, 'profiles', label), d.rows)}`);
        return { extraction, memory };
      };

      log('Extraction alone:');
      const alone = await pass('alone');

      let streamPass: DownloadResult | undefined;
      let streamMemory: MemoryReport | undefined;
      if (o.streamPass) {
        const other: Download = o.download === 'plain' ? 'stream' : 'plain';
        const path = `/integrator/sites/${c.siteId}/queries/${alone.extraction.queryId}`;
        const listing = JSON.parse((await api.send('GET', path)).body.toString('utf8')) as QueryJson;
        const s2 = new MemorySampler({ cloud: () => [c.cloud.pid] }, 100, Math.ceil(o.maxMs / 100) + 100);
        s2.start();
        try {
          streamPass = await download(api, path, listing.result?.pages ?? [], other, wall() + o.maxMs);
        } finally {
          streamMemory = s2.stop();
        }
        log(`  the same pages again by ${other}: ${(streamPass.ms / 1000).toFixed(2)} s, ${streamPass.rows.toLocaleString('en-US')} rows; Cloud peak RSS ${mib(streamMemory.groups.cloud!.peakSumRssKb).toFixed(1)} MiB`);
      }
      await sleep(500);

      log('Extraction with the immediate probe running:');
      const probe = await startProbe(c, runDir, 'probe-extraction', o, o.maxMs);
      let probeRes: ProbeResult | undefined;
      const loaded = await pass('with-probe', async () => {
        probeRes = await endProbe(probe, true, 15_000);
      });
      const { submit, successful, downloaded } = loaded.extraction.marks;
      const during = latencyIn(probeRes!, submit, downloaded);
      const duringRun = latencyIn(probeRes!, submit, successful);
      const duringDownload = latencyIn(probeRes!, successful, downloaded);
      log(`  probe: n=${during.summary.count} err=${during.errors} p50=${fmtMs(during.summary.p50Ms)}ms p99=${fmtMs(during.summary.p99Ms)}ms (running p99 ${fmtMs(duringRun.summary.p99Ms)}, downloading p99 ${fmtMs(duringDownload.summary.p99Ms)}); idle p99 ${fmtMs(idle.summary.p99Ms)}ms`);

      const results: Results = {
        tableRows, baseline: base, alone, loaded, idle, during, duringRun, duringDownload,
        linkExecutors: { interactive: ex0.interactive.length, background: ex0.background.length },
        loadAvgEnd: Math.round(loadavg()[0]! * 100) / 100,
        ...(streamPass ? { streamPass, streamMemory } : {}),
      };
      const md = report(m, o, results);
      const stamp = m.date.replace(/[:.]/g, '-');
      const raw = writeRaw(`async-${stamp}.json`, { machine: m, options: o, results, probeSamples: { idle: idleRes.samples, extraction: probeRes!.samples } });
      console.log(`\n${md}`);
      if (o.writeResults) {
        writeSection('async', md);
        log(`Written to ${RESULTS_FILE} (raw figures: ${raw})`);
      } else {
        log(`Raw figures: ${raw} (RESULTS.md left alone)`);
      }
      if (o.profile) {
        const file = join(OUT_DIR, `profile-async-${stamp}.md`);
        const profMd = `# CPU profiles, async suite, ${m.date}\n\nSelf time by area and by function in each process from submit to the last page; "per query" figures are per extracted row.\n\n${profileParts.join('\n')}`;
        mkdirSync(OUT_DIR, { recursive: true });
        writeFileSync(file, profMd);
        log(`Profiles: ${file}${o.keep ? '' : ' (pass --keep to keep the raw .cpuprofile files)'}`);
      }
      return md;
    } finally {
      api.close();
      await stopConduit(c);
    }
  } finally {
    if (o.keep) log(`Kept ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  }
}

export const suite: Suite = {
  name: 'async',
  description: 'a 1 M-row async extraction through Cloud and Link vs reading it directly, with peak RSS and immediate-query latency meanwhile',
  run,
};

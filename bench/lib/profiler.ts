// CPU profiles of the measured window in every process: the child processes are preloaded with
// prof-hook.mjs and toggled by SIGUSR2; the benchmark process itself (the load generator) is profiled
// through node:inspector. Profiles are summarised as self time by function and by area (package).
import { Session } from 'node:inspector/promises';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './processes.js';
import { table } from './results.js';

export const HOOK = pathToFileURL(join(import.meta.dirname, 'prof-hook.mjs')).href;

/** Environment for a child process that should answer SIGUSR2 with a profile. */
export function profiledEnv(dir: string, role: string): Record<string, string> {
  const prev = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
  return { NODE_OPTIONS: `${prev}--import=${HOOK}`, CONDUIT_BENCH_PROF_DIR: dir, CONDUIT_BENCH_ROLE: role };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ProfileWindow {
  private session?: Session;
  constructor(private readonly dir: string, private readonly label: string, private readonly pids: number[]) {}

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'label'), this.label);
    for (const pid of this.pids) process.kill(pid, 'SIGUSR2');
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 250 });
    await this.session.post('Profiler.start');
    await sleep(300); // let the children's profilers start before the window opens
  }

  async stop(): Promise<string> {
    const out = join(this.dir, this.label);
    mkdirSync(out, { recursive: true });
    for (const pid of this.pids) process.kill(pid, 'SIGUSR2');
    const { profile } = await this.session!.post('Profiler.stop');
    this.session!.disconnect();
    writeFileSync(join(out, `client-${process.pid}.cpuprofile`), JSON.stringify(profile));
    const until = Date.now() + 10_000;
    while (Date.now() < until && readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).length < this.pids.length + 1) await sleep(100);
    return out;
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native / V8 builtins)';
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /packages\/([^/]+)\/(?:src|dist)\/(.*)$/.exec(url);
  if (m) return `@conduit/${m[1]}`;
  if (url.includes('/bench/')) return 'bench';
  return url;
}

function site(url: string, line: number, col = 0): string {
  if (!url) return '';
  let p = url.startsWith('file://') ? new URL(url).pathname : url;
  if (p.startsWith(REPO)) p = relative(REPO, p);
  p = p.replace(/^.*node_modules\//, '');
  return `${p}:${line + 1}:${col + 1}`;
}

export interface ProfileSummary {
  role: string;
  pid: number;
  totalMs: number;
  idleMs: number;
  byArea: { area: string; ms: number }[];
  byFunction: { fn: string; where: string; area: string; ms: number }[];
  /** Time with the function anywhere on the stack (JS frames of Conduit and its libraries only). */
  inclusive: { fn: string; where: string; area: string; ms: number }[];
}

const isOwnOrLibrary = (a: string): boolean => a.startsWith('@conduit/') || (!a.startsWith('node:') && !a.startsWith('(') && a !== 'bench');

export function summariseProfile(file: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, { fn: string; where: string; area: string; ms: number }>();
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; attribute the gap after a sample to that sample.
  for (let i = 0; i < samples.length; i++) {
    const dt = (deltas[i + 1] ?? 0) / 1000;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; area: string; ms: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const key = `${functionName}@${url}:${lineNumber}:${n.callFrame.columnNumber}`;
    const f = fns.get(key) ?? { fn: functionName || '(anonymous)', where: site(url, lineNumber, n.callFrame.columnNumber), area: a, ms: 0 };
    f.ms += ms;
    fns.set(key, f);
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const cf = byId.get(x)!.callFrame;
      const k = `${cf.functionName}@${cf.url}:${cf.lineNumber}:${cf.columnNumber}`;
      const ar = area(cf.url, cf.functionName);
      if (seen.has(k) || !cf.url || !isOwnOrLibrary(ar)) continue;
      seen.add(k);
      const g = incl.get(k) ?? { fn: cf.functionName || '(anonymous)', where: site(cf.url, cf.lineNumber, cf.columnNumber), area: ar, ms: 0 };
      g.ms += ms;
      incl.set(k, g);
    }
  }
  const name = file.split('/').pop()!.replace('.cpuprofile', '');
  const [role, pid] = name.split('-');
  return {
    role: role!,
    pid: Number(pid),
    totalMs: total,
    idleMs: idle,
    byArea: [...areas].map(([a, ms]) => ({ area: a, ms })).sort((x, y) => y.ms - x.ms),
    byFunction: [...fns.values()].sort((x, y) => y.ms - x.ms),
    inclusive: [...incl.values()].sort((x, y) => y.ms - x.ms),
  };
}

/** Markdown summary of every profile of one window; executors are merged into one role. */
export function profileReport(dir: string, queries: number, top = 12): string {
  if (!existsSync(dir)) return '_no profiles_';
  const all = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => summariseProfile(join(dir, f)));
  const roles = new Map<string, ProfileSummary[]>();
  for (const s of all) roles.set(s.role, [...(roles.get(s.role) ?? []), s]);
  const order = ['client', 'cloud', 'link', 'executor'];
  const parts: string[] = [];
  for (const role of [...roles.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b))) {
    const list = roles.get(role)!;
    const total = list.reduce((n, s) => n + s.totalMs, 0);
    const idle = list.reduce((n, s) => n + s.idleMs, 0);
    const areas = new Map<string, number>();
    const fns = new Map<string, { fn: string; where: string; area: string; ms: number }>();
    const incl = new Map<string, { fn: string; where: string; area: string; ms: number }>();
    for (const s of list) {
      for (const f of s.inclusive) {
        const k = `${f.fn}@${f.where}`;
        const g = incl.get(k) ?? { ...f, ms: 0 };
        g.ms += f.ms;
        incl.set(k, g);
      }
      for (const a of s.byArea) areas.set(a.area, (areas.get(a.area) ?? 0) + a.ms);
      for (const f of s.byFunction) {
        const k = `${f.fn}@${f.where}`;
        const g = fns.get(k) ?? { ...f, ms: 0 };
        g.ms += f.ms;
        fns.set(k, g);
      }
    }
    const perQ = (ms: number): string => (queries > 0 ? ((ms * 1000) / queries).toFixed(1) : 'n/a');
    parts.push(`#### ${role} (${list.length} process${list.length > 1 ? 'es' : ''}): ${total.toFixed(0)} ms busy, ${idle.toFixed(0)} ms idle; ${perQ(total)} µs CPU per query`);
    parts.push('');
    parts.push('Self time by area (native = V8 builtins and C++ bindings: syscalls, SQLite, crypto; a wall-clock sampler also counts time descheduled inside a syscall):');
    parts.push('');
    parts.push(table(['area', 'self ms', '%', 'µs/query'], [...areas].sort((x, y) => y[1] - x[1]).slice(0, 8)
      .map(([a, ms]) => [a, ms.toFixed(0), ((ms / total) * 100).toFixed(1), perQ(ms)]), ['l', 'r', 'r', 'r']));
    parts.push('');
    parts.push('Self time by function:');
    parts.push('');
    parts.push(table(['function', 'where', 'area', 'self ms', '%'], [...fns.values()].sort((x, y) => y.ms - x.ms).slice(0, top)
      .map((f) => [f.fn, f.where, f.area, f.ms.toFixed(0), ((f.ms / total) * 100).toFixed(1)]), ['l', 'l', 'l', 'r', 'r']));
    parts.push('');
    parts.push('Inclusive (Conduit and library frames):');
    parts.push('');
    parts.push(table(['function', 'where', 'area', 'incl ms', '%', 'µs/query'], [...incl.values()].sort((x, y) => y.ms - x.ms).slice(0, top + 6)
      .map((f) => [f.fn, f.where, f.area, f.ms.toFixed(0), ((f.ms / total) * 100).toFixed(1), perQ(f.ms)]), ['l', 'l', 'l', 'r', 'r', 'r']));
    parts.push('');
  }
  return parts.join('\n');
}

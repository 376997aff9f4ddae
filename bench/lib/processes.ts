// Child processes of a benchmark run: spawned with node (no npx layer, so the pid we hold is the real
// server), logged to files, awaited until they print a ready line, and stopped by their own pid. The
// Conduit parts run as `npm start` runs them: the compiled CLI (packages/cli/dist, built by
// `npm run build`) on plain node; only the benchmark's own helper scripts (.ts) go through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');
/** CONDUIT_BENCH_CLI runs another build's CLI (an A/B comparison against a saved copy, in the same minutes). */
export const CLI = process.env.CONDUIT_BENCH_CLI ?? join(REPO, 'packages', 'cli', 'dist', 'main.js');
const TSX = import.meta.resolve('tsx');
/** How the Conduit processes are run, for the reports. */
export const RUNTIME = 'compiled JavaScript, packages/cli/dist/main.js on plain node, as `npm start` runs it';

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything printed on stdout so far. */
  stdout(): string;
}

export interface SpawnOptions {
  name: string;
  /** Script and its arguments (a .ts script runs through tsx, a .js one on plain node). */
  args: string[];
  env?: Record<string, string>;
  logDir: string;
  /** Resolves once stdout matches. */
  ready?: RegExp;
  readyTimeoutMs?: number;
  /** Node options, after the tsx loader (so they may --import TypeScript). */
  nodeArgs?: string[];
}

export async function spawnNode(o: SpawnOptions): Promise<Proc> {
  if (o.args[0] === CLI && !existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const loader = o.args[0]?.endsWith('.ts') ? ['--import', TSX] : [];
  const child = spawn(process.execPath, [...loader, ...(o.nodeArgs ?? []), ...o.args], {
    cwd: REPO,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${o.name}`);
  let out = '';
  const log = createWriteStream(join(o.logDir, `${o.name}.log`));
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    log.write(c);
  });
  child.stderr!.on('data', (c: Buffer) => log.write(c));
  const proc: Proc = { name: o.name, child, pid: child.pid, stdout: () => out };
  if (!o.ready) return proc;
  const ready = o.ready;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${o.name} not ready after ${o.readyTimeoutMs ?? 60_000} ms; see ${join(o.logDir, `${o.name}.log`)}`)), o.readyTimeoutMs ?? 60_000);
    const check = (): void => {
      if (ready.test(out)) done();
    };
    const onExit = (code: number | null): void => fail(new Error(`${o.name} exited (${code}) before it was ready; see ${join(o.logDir, `${o.name}.log`)}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
    };
    function done(): void {
      cleanup();
      resolve();
    }
    function fail(e: Error): void {
      cleanup();
      reject(e);
    }
    child.stdout!.on('data', check);
    child.on('exit', onExit);
    check();
  });
  return proc;
}

/** Runs a node script to completion and returns its stdout. */
export async function runNode(args: string[], logDir: string, name: string, env: Record<string, string> = {}): Promise<string> {
  const p = await spawnNode({ name, args, logDir, env });
  const code = await new Promise<number | null>((resolve) => p.child.on('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`${name} failed (exit ${code}); see ${join(logDir, `${name}.log`)}`);
  return p.stdout();
}

/** SIGTERM (graceful shutdown), then SIGKILL of that same pid if it does not exit in time. */
export async function stopProc(p: Proc, graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Direct children of a pid, read from /proc (Linux). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after ')' start at index 0 = state; utime is field 14 overall -> index 11, stime -> 12.
    const ticks = Number(f[11]) + Number(f[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/**
 * CPU ms of a process and of its children it has reaped (cutime/cstime): summed over a process and its
 * live children, a reading stays whole when a child exits between two readings (its time moves to the
 * parent's count instead of vanishing with its /proc entry).
 */
export function cpuTimeWithReapedMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14-17 overall -> indexes 11-14 after ')'.
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Read and write system calls (/proc/<pid>/io) and voluntary context switches (/proc/<pid>/status) so far. */
export function ioCounts(pid: number): { syscalls: number; wakeups: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const num = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { syscalls: num(io, 'syscr') + num(io, 'syscw'), wakeups: num(st, 'voluntary_ctxt_switches') };
  } catch {
    return { syscalls: 0, wakeups: 0 };
  }
}

// wrk (https://github.com/wg/wrk, the Debian package's 4.1.0) as the bench's load generator: a C
// event loop that costs ~20-80 µs of CPU per 1-row answer here (its script included) where the node
// client costs ~130-390, so on one machine the system under test keeps most of the CPU it would have
// if integrators' requests came from elsewhere. Each window is one wrk process running bench/lib/wrk-load.lua on files written here
// (the raw requests, a config); the script bounds the window by time and count, checks every answer,
// and writes a JSON summary that wrk-summary.ts reads. wrk ends only after its -d whole seconds, so
// once every thread reports it has stopped, it is interrupted (SIGINT: it then reports at once).
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { LoadGenerator, LoadSession, LoadTarget, LoadWindow, RunOptions, WindowResult } from './load-generator.js';
import { cpuTimeMs } from './processes.js';
import { encodeRequests, rawRequest, writeConfig, type WrkConfig } from './wrk-files.js';
import { histogramSamplesMs, parseWrkSummary, wrkWindow } from './wrk-summary.js';

export const WRK_SCRIPT = join(import.meta.dirname, 'wrk-load.lua');

/** wrk on PATH, else /usr/bin/wrk; undefined when neither is there. */
export function findWrk(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  for (const d of dirs) {
    const p = join(d, 'wrk');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** "wrk debian/4.1.0-3+b2 [epoll]" (wrk -v prints its version, then its usage, and exits 1). */
export async function wrkVersion(bin: string): Promise<string> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(bin, ['-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (c: Buffer) => (text += c.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(text));
  });
  return /^(wrk \S+(?: \[\w+\])?)/m.exec(out)?.[1] ?? 'wrk (version unknown)';
}

export interface WrkOptions {
  bin: string;
  /** Where each window's files and wrk's output go. */
  dir: string;
  /** A request not answered by then counts as an error (wrk --timeout, whole seconds). */
  timeoutMs: number;
  /** wrk threads for a concurrency (each thread runs an event loop over concurrency/threads connections). */
  threads: (concurrency: number) => number;
  version: string;
}

let windows = 0;

class WrkSession implements LoadSession {
  private readonly threads: number;
  /** fixed and rotate bodies are written once, for every window of the session. */
  private shared?: string;

  constructor(private readonly o: WrkOptions, private readonly target: LoadTarget, private readonly concurrency: number) {
    const t = Math.max(1, Math.min(o.threads(concurrency), concurrency));
    // wrk gives each thread connections/threads connections: keep every connection.
    this.threads = concurrency % t === 0 ? t : 1;
  }

  private requestsFile(id: number, maxRequests: number): { file: string; count: number } {
    const b = this.target.bodies;
    const bodies = b.kind === 'fixed' ? [b.body] : b.kind === 'rotate' ? [...b.bodies] : b.take(maxRequests);
    if (b.kind !== 'once' && this.shared) return { file: this.shared, count: bodies.length };
    if (b.kind === 'once' && bodies.length < this.threads) throw new Error(`wrk: ${bodies.length} request bodies left for ${this.threads} thread(s)`);
    const file = join(this.o.dir, `wrk-${id}-requests`);
    writeFileSync(file, encodeRequests(bodies.map((body) => rawRequest(this.target.url, this.target.method, this.target.headers, body))));
    if (b.kind !== 'once') this.shared = file;
    return { file, count: bodies.length };
  }

  async run(w: LoadWindow, ro: RunOptions = {}): Promise<WindowResult> {
    const id = ++windows;
    const base = join(this.o.dir, `wrk-${id}`);
    const requests = this.requestsFile(id, w.maxRequests);
    const cfg: WrkConfig = {
      threads: this.threads, connectionsPerThread: this.concurrency / this.threads, maxRequests: w.maxRequests,
      durationMs: w.durationMs, mode: this.target.bodies.kind === 'once' ? 'once' : 'rotate', check: this.target.check,
      requests: requests.file, out: `${base}-summary.json`, ...(ro.validate ? { firstResponse: `${base}-first` } : {}),
    };
    writeConfig(`${base}-config`, cfg);
    const timeoutS = Math.max(1, Math.ceil(this.o.timeoutMs / 1000));
    // The script ends the window; -d only backs it up (whole seconds).
    const backstopS = Math.ceil(w.durationMs / 1000) + timeoutS + 5;
    const args = ['-t', String(this.threads), '-c', String(this.concurrency), '-d', `${backstopS}s`, '--timeout', `${timeoutS}s`, '--latency', '-s', WRK_SCRIPT, this.target.url];
    const child = spawn(this.o.bin, args, { env: { ...process.env, CONDUIT_WRK_CONFIG: `${base}-config` }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(`${base}.log`);
    log.write(`${this.o.bin} ${args.join(' ')}\n`);
    let stderr = '';
    let stopped = 0;
    let ended = false;
    let forced = false;
    let cpuAtStart: number | undefined;
    let cpuAtEnd: number | undefined;
    let interrupter: NodeJS.Timeout | undefined;
    const end = (): void => {
      if (ended) return;
      ended = true;
      ro.onEnd?.();
      cpuAtEnd = cpuTimeMs(child.pid!);
      // SIGINT wakes wrk's main thread, which then reports; repeated in case it came before wrk set its handler.
      child.kill('SIGINT');
      interrupter = setInterval(() => child.kill('SIGINT'), 250);
    };
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      log.write(c);
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const m = /^wrk-load: (started|stopped) \d+$/.exec(line);
        if (m?.[1] === 'started') cpuAtStart ??= cpuTimeMs(child.pid!);
        else if (m && ++stopped === this.threads) end();
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      log.write(c);
    });
    // Answers that never come stop the window from outside: its unanswered requests count as errors.
    const backstop = setTimeout(() => {
      forced = true;
      end();
    }, w.durationMs + this.o.timeoutMs + 5000);
    const killer = setTimeout(() => child.kill('SIGKILL'), (backstopS + 15) * 1000);
    let code: number | null;
    try {
      code = await exited;
    } finally {
      clearTimeout(backstop);
      clearTimeout(killer);
      clearInterval(interrupter);
      log.end();
    }
    if (code !== 0 || !existsSync(cfg.out)) {
      throw new Error(`wrk failed (exit ${code}${stderr ? `: ${stderr.trim().slice(0, 500)}` : ''}); see ${base}.log`);
    }
    const win = wrkWindow(parseWrkSummary(readFileSync(cfg.out, 'utf8')));
    if (ro.validate && this.target.validate) {
      if (!existsSync(`${base}-first`)) throw new Error(`wrk: no answer to validate (${win.summary.firstError ?? 'no error recorded'})`);
      const first = readFileSync(`${base}-first`);
      const nl = first.indexOf(10);
      this.target.validate(Number(first.subarray(0, nl).toString()), first.subarray(nl + 1));
    }
    // Stopped from outside: the script did not read its CPU clock at the end; /proc's (10 ms ticks) instead.
    const clientCpuMs = win.clientCpuMs ?? (cpuAtEnd ?? Number.NaN) - (cpuAtStart ?? Number.NaN);
    const firstError = forced && !win.summary.firstError ? 'the window was stopped from outside (answers overdue)' : win.summary.firstError;
    return { summary: { ...win.summary, ...(firstError ? { firstError } : {}) }, clientCpuMs, latenciesMs: histogramSamplesMs(win.measured), errorKinds: win.errorKinds, corrected: win.corrected };
  }

  close(): void {
    // each window's wrk process has exited; nothing is held between windows
  }
}

export function wrkGenerator(o: WrkOptions): LoadGenerator {
  return {
    name: 'wrk',
    description: `${o.version} (${o.bin}) in its own process, a new one (with new connections) for each window, ` +
      `${o.threads(32) === 1 ? 'one thread (one event loop for all connections)' : `${o.threads(32)} threads above concurrency 1`}, ` +
      'closed loop: each connection sends the next request when the last answer is read in full; ' +
      'latencies from wrk\'s 1 µs histogram with its coordinated-omission correction undone (the latencies as measured; ' +
      'they include answers that failed their status or check, which are also counted as errors; wrk\'s corrected figures are kept in the raw JSON)',
    open: (target, concurrency) => new WrkSession(o, target, concurrency),
  };
}

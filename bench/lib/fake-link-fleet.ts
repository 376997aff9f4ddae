// The parent side of the simulated Links: a few child processes (bench/lib/fake-link-child.ts), each
// holding a share of the Links, started, polled and stopped over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ChildCommand, ChildEvent, ChildStats } from './fake-link-child.js';

const CHILD = join(import.meta.dirname, 'fake-link-child.ts');
const TSX = import.meta.resolve('tsx');

export interface FleetStats {
  up: number;
  perNode: number[];
  welcomes: number;
  drops: number;
  failures: number;
  failedWhy: Record<string, number>;
  lastWelcomeAt: number;
  sites?: string[];
}

export class FakeLinkFleet {
  private readonly children: ChildProcess[] = [];

  /** Pids of the fleet's processes, e.g. to leave them out of other measurements. */
  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter(Boolean);
  }

  private ask(c: ChildProcess, cmd: ChildCommand, want: ChildEvent['ev'], timeoutMs: number): Promise<ChildStats & { ms?: number }> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => done(new Error(`fake-link child ${c.pid} did not answer ${cmd.cmd} within ${timeoutMs} ms`)), timeoutMs);
      const onMsg = (e: ChildEvent): void => {
        if (e.ev === want) done(undefined, { ...e.stats, ...(e.ev === 'started' ? { ms: e.ms } : {}) });
      };
      const onExit = (code: number | null): void => done(new Error(`fake-link child ${c.pid} exited (${code})`));
      function done(err?: Error, v?: ChildStats & { ms?: number }): void {
        clearTimeout(t);
        c.off('message', onMsg);
        c.off('exit', onExit);
        if (err) reject(err);
        else resolve(v!);
      }
      c.on('message', onMsg);
      c.once('exit', onExit);
      c.send(cmd);
    });
  }

  /**
   * Opens `total` Links over `processes` children; Link g starts on node g mod urls.length.
   * Resolves when every child has had each of its Links welcomed or failed once.
   */
  async start(urls: string[], total: number, processes: number, parallel: number, tag: string, timeoutMs: number): Promise<{ ms: number; stats: FleetStats }> {
    const t0 = performance.now();
    const per = Math.ceil(total / processes);
    const started: Promise<ChildStats>[] = [];
    for (let i = 0; i < processes && i * per < total; i++) {
      const c = fork(CHILD, [], { execArgv: ['--import', TSX], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.children.push(c);
      started.push(this.ask(c, { cmd: 'start', urls, first: i * per, count: Math.min(per, total - i * per), parallel, tag }, 'started', timeoutMs));
    }
    const all = await Promise.all(started);
    return { ms: performance.now() - t0, stats: merge(all, urls.length) };
  }

  async stats(withSites = false): Promise<FleetStats> {
    const all = await Promise.all(this.children.filter((c) => c.exitCode === null).map((c) => this.ask(c, { cmd: 'stats', withSites }, 'stats', 30_000)));
    return merge(all, all[0]?.perNode.length ?? 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const t = setTimeout(() => c.kill('SIGKILL'), 5_000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      try {
        c.send({ cmd: 'stop' } satisfies ChildCommand);
      } catch {
        c.kill('SIGKILL');
      }
    })));
  }
}

function merge(all: ChildStats[], nodes: number): FleetStats {
  const s: FleetStats = { up: 0, perNode: Array.from({ length: nodes }, () => 0), welcomes: 0, drops: 0, failures: 0, failedWhy: {}, lastWelcomeAt: 0 };
  for (const c of all) {
    s.up += c.up;
    c.perNode.forEach((n, i) => (s.perNode[i] = (s.perNode[i] ?? 0) + n));
    s.welcomes += c.welcomes;
    s.drops += c.drops;
    s.failures += c.failures;
    for (const [k, v] of Object.entries(c.failedWhy)) s.failedWhy[k] = (s.failedWhy[k] ?? 0) + v;
    s.lastWelcomeAt = Math.max(s.lastWelcomeAt, c.lastWelcomeAt);
    if (c.sites) (s.sites ??= []).push(...c.sites);
  }
  return s;
}

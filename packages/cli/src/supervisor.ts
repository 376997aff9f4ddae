// Runs parts of the system as `conduit …` child processes, as they are deployed, and looks after
// them: a part that crashes once everything is up is reported and restarted with backoff (1 s,
// doubling to 30 s; back to 1 s after a minute up); one that exits on its own with code 0 (or a code
// its spec calls final) is reported and left stopped; stop() ends them all, newest first.
import { spawn, type ChildProcess } from 'node:child_process';
import { conduitCommand } from './self.js';

export interface PartSpec {
  /** How the part is named in reports, e.g. "the Cloud". */
  name: string;
  /** Arguments of `conduit`, e.g. ['cloud', '--port', '8080']. */
  args: string[];
  env?: Record<string, string>;
  /** Pass its stderr through (default); otherwise it is kept and shown when the part fails. */
  showStderr?: boolean;
  /** Exit codes besides 0 after which the part stays stopped (a restart would fail the same way). */
  finalCodes?: number[];
  /** Called when the part exits for good on its own (code 0 or a final code). */
  onFinalExit?: (code: number, part: Part) => void;
}

const KEEP = 64 * 1024;
const keepTail = (s: string): string => (s.length > KEEP ? s.slice(-KEEP) : s);
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
const STABLE_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export class Part {
  proc!: ChildProcess;
  /** Output of the current run (its tail). */
  out = '';
  err = '';
  restarts = 0;
  private startedAt = 0;
  private failures = 0;
  private timer?: NodeJS.Timeout;

  constructor(readonly spec: PartSpec, private readonly supervisor: Supervisor) {
    this.run();
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves with the first match of `re` in the part's stdout (or stderr); rejects if it exits first. */
  async waitFor(re: RegExp, timeoutMs = 90_000, stream: 'out' | 'err' = 'out'): Promise<RegExpMatchArray> {
    const proc = this.proc;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const m = this[stream].match(re);
      if (m) return m;
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${this.spec.name} exited (${describeExit(proc.exitCode, proc.signalCode)})${this.errTail()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${this.spec.name} did not start within ${timeoutMs / 1000} s${this.errTail()}`);
  }

  private errTail(): string {
    const tail = this.err.trim().split('\n').slice(-5).join('\n');
    return tail ? `:\n${tail}` : '';
  }

  private run(): void {
    const { file, args } = conduitCommand(this.spec.args);
    const show = this.spec.showStderr ?? true;
    this.out = '';
    this.err = '';
    this.startedAt = Date.now();
    // The IPC channel only tells the part when the supervisor is gone (supervised.ts).
    this.proc = spawn(file, args, { env: { ...process.env, ...this.supervisor.env, ...this.spec.env }, stdio: ['ignore', 'pipe', show ? 'inherit' : 'pipe', 'ipc'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.out = keepTail(this.out + d.toString())));
    this.proc.stderr?.on('data', (d: Buffer) => (this.err = keepTail(this.err + d.toString())));
    this.proc.once('exit', (code, signal) => this.exited(code, signal));
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.supervisor.stopping || !this.supervisor.watching) return;
    if (code !== null && (code === 0 || this.spec.finalCodes?.includes(code))) {
      console.error(`conduit demo: ${this.spec.name} stopped (${describeExit(code, signal)}); not restarting it.`);
      this.spec.onFinalExit?.(code, this);
      return;
    }
    if (Date.now() - this.startedAt >= STABLE_MS) this.failures = 0;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** this.failures);
    this.failures++;
    console.error(`conduit demo: ${this.spec.name} exited unexpectedly (${describeExit(code, signal)}); restarting it in ${delay / 1000} s.${this.spec.showStderr === false ? this.errTail() : ''}`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.supervisor.stopping) return;
      this.restarts++;
      this.run();
      console.error(`conduit demo: ${this.spec.name} restarted (pid ${this.proc.pid}).`);
    }, delay);
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace time. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(kill);
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

export class Supervisor {
  private readonly parts: Part[] = [];
  stopping = false;
  /** Set once everything is up: crashes before that fail the start instead of being restarted. */
  watching = false;

  /** @param env added to every part's environment (e.g. CONDUIT_LOG_LEVEL). */
  constructor(readonly env: Record<string, string> = {}) {}

  start(spec: PartSpec): Part {
    const part = new Part(spec, this);
    this.parts.push(part);
    return part;
  }

  /** Process ids of the running parts (reports and tests). */
  get pids(): number[] {
    return this.parts.filter((p) => p.running).map((p) => p.proc.pid!);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const p of [...this.parts].reverse()) await p.stop();
  }
}

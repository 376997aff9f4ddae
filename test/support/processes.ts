// Runs the `conduit` command as real child processes for tests that need separate processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'packages', 'cli', 'src', 'main.ts');
const ENV = { ...process.env, CONDUIT_LOG_LEVEL: 'warn' };

/** As conduitSync, without blocking this process: for a Cloud running in the test process itself. */
export function conduitAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `as`: run as that account (the tests run as root: what another account may not read). */
export function conduitSync(args: string[], env: Record<string, string> = {}, as?: { uid: number; gid: number }): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...ENV, ...env }, encoding: 'utf8', timeout: 120_000, ...(as ?? {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class Proc {
  readonly child: ChildProcess;
  out = '';
  err = '';
  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
  }

  /** Waits until stdout matches, and returns the match. */
  async waitFor(re: RegExp, timeoutMs = 20_000, from = 0): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}): ${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${re}; stdout: ${this.out}; stderr: ${this.err}`);
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const done = this.exited();
    this.child.kill(signal);
    return done;
  }
}

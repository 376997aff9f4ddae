// What the throw-away servers of the tests (postgres.ts, redis.ts) share: a free loopback port, a temp folder,
// a start that retries on a port lost to another process, and a stop that deletes the folder. A test process
// that dies without stopping its servers kills them and deletes their folders on exit.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port that was free a moment ago (the server may still lose a race for it; startOnFreePort() retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
const folders = new Set<string>();
let exitHookSet = false;

function setExitHook(): void {
  if (exitHookSet) return;
  exitHookSet = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });
}

/** A new temp folder, deleted by removeFolder() or when the process exits. */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.add(dir);
  setExitHook();
  return dir;
}

export function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  folders.delete(dir);
}

export interface ServerStart {
  /** The server's folder (from tempFolder), deleted when the start fails and on stop. */
  dir: string;
  /** This port instead of a free one (a server restarted where its clients expect it); not retried elsewhere. */
  port?: number;
  /** Starts the server on `port`, stdout and stderr piped. */
  spawn(port: number): ChildProcess;
  /** Resolves once the server answers; throws (with the log) when it does not. */
  ready(port: number, child: ChildProcess, log: () => string): Promise<void>;
  /** The log line of a server that lost its port: the start is tried again on another (3 tries in all). */
  portTaken: RegExp;
  /** How to stop it: the signal, and how long before SIGKILL. */
  stopSignal: NodeJS.Signals;
  killAfterMs: number;
}

export interface StartedServer {
  port: number;
  child: ChildProcess;
  /** Signals the server, waits for it to exit, then deletes its folder. */
  stop(): Promise<void>;
}

export async function startOnFreePort(s: ServerStart): Promise<StartedServer> {
  for (let attempt = 1; ; attempt++) {
    const port = s.port ?? (await freePort());
    let log = '';
    const child = s.spawn(port);
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    running.add(child);
    try {
      await s.ready(port, child, () => log);
    } catch (e) {
      child.kill('SIGKILL');
      running.delete(child);
      // Lost the port to another process between freePort() and listen(): try another one.
      if (attempt < 3 && s.port === undefined && s.portTaken.test(log)) continue;
      removeFolder(s.dir);
      throw e;
    }
    return {
      port, child,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill(s.stopSignal);
          const timer = setTimeout(() => child.kill('SIGKILL'), s.killAfterMs);
          await exited;
          clearTimeout(timer);
        }
        running.delete(child);
        removeFolder(s.dir);
      },
    };
  }
}

// A throw-away Redis server for tests: Debian's redis-server on a free loopback port, working folder in
// a temp dir, no persistence; deleted when stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { startOnFreePort, tempFolder } from './throwaway.js';

export const REDIS_BIN = process.env.CONDUIT_REDIS_BIN ?? '/usr/bin/redis-server';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** The server process, e.g. to kill it in a fault test. */
  child: ChildProcess;
  stop(): Promise<void>;
}

/** One PING over a raw socket: true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

async function waitPing(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 15_000;
  while (Date.now() < until && child.exitCode === null) {
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer PING: ${log()}`);
}

/** `port`: start on that port (e.g. a Redis restarted, empty, where the nodes expect it). */
export async function startRedis(opts: { port?: number } = {}): Promise<RedisServer> {
  if (!existsSync(REDIS_BIN)) throw new Error(`no ${REDIS_BIN}: install Debian's redis-server package (.ci/run does), or set CONDUIT_REDIS_BIN`);
  const dir = tempFolder('conduit-redis-');
  const { port, child, stop } = await startOnFreePort({
    dir,
    port: opts.port,
    spawn: (port) => spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    ready: waitPing,
    portTaken: /Address already in use/,
    stopSignal: 'SIGTERM',
    killAfterMs: 5_000,
  });
  return { url: `redis://127.0.0.1:${port}`, port, dir, child, stop };
}

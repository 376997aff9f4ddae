// The executor's work, whatever carries its messages (a worker thread's port or a child process's IPC
// channel): one command at a time on the configured driver. Paged (async) results pause after each page
// until the Link says the page is stored. The Link stops an overrunning statement from outside: it
// interrupts the connection (by the tokens reported here) and sends 'abort', or kills the process.
import { SqliteDriver } from '../drivers/sqlite.js';
import { DriverError, type Driver } from '../drivers/driver.js';
import { ResultWriter } from '../result-writer.js';
import type { DriverConfig, FromExecutor, ToExecutor } from './ipc.js';

export interface ExecutorPort {
  /** `transfer`: buffers handed over without a copy (threads); a process channel copies them anyway. */
  send(m: FromExecutor, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (m: ToExecutor) => void): void;
}

/** A chunk's memory can be handed over when the chunk is the whole of it (not a slice of a shared pool). */
const ownBuffer = (b: Buffer): ArrayBuffer[] | undefined =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? [b.buffer] : undefined;

export function serveExecutor(port: ExecutorPort): { close: () => void } {
  let driver: Driver | undefined;
  let waiting: { qid: string; resume: () => void; abort: (e: Error) => void } | undefined;
  let running: string | undefined;

  // The SQL Server driver (tedious) is loaded only when configured: it costs ~0.2 s of CPU at start
  // and ~20 MiB. Every simulator connection opened is reported with its interrupt token at once, before
  // any statement runs on it, so the Link can stop that statement even while this thread is inside it.
  async function makeDriver(config: DriverConfig): Promise<Driver> {
    if (config.kind !== 'mssql') {
      return new SqliteDriver({ catalogues: config.catalogues, onOpen: (token) => port.send({ t: 'opened', token: String(token) }) });
    }
    const { MssqlDriver } = await import('../drivers/mssql.js');
    return new MssqlDriver(config);
  }

  async function run(d: Driver, m: Extract<ToExecutor, { t: 'run' }>): Promise<void> {
    // Unpaged results hold back their newest chunk so the last one travels with 'done': a small result
    // is then one message to the Link, not two. Paged results send every chunk at once (a page's
    // chunks must all be out before its 'page' message).
    let tail: { page: number; data: Buffer } | undefined;
    const chunk = (data: Buffer, page: number): void => port.send({ t: 'chunk', qid: m.qid, page, data }, ownBuffer(data));
    const emit = m.pageBytes === undefined
      ? (data: Buffer, page: number): void => {
        if (tail) chunk(tail.data, tail.page);
        tail = { page, data };
      }
      : chunk;
    const out = new ResultWriter(m.maxResultBytes, emit, {
      pageBytes: m.pageBytes,
      pageEnd: m.pageBytes === undefined ? undefined : (meta) => new Promise<void>((resume, abort) => {
        waiting = { qid: m.qid, resume, abort };
        port.send({ t: 'page', qid: m.qid, meta });
      }),
    });
    running = m.qid;
    try {
      const result = await d.run({ command: m.command, catalogue: m.catalogue, readOnly: m.readOnly, timeoutMs: m.timeoutMs }, out);
      port.send({ t: 'done', qid: m.qid, result: { ...result, size: out.size, pages: out.pages }, ...(tail ? { tail } : {}) }, tail && ownBuffer(tail.data));
    } catch (e) {
      const details = e instanceof DriverError
        ? e.details
        : { errorType: 'haloLink' as const, errorCode: 500, errorMessage: `Unexpected driver error: ${(e as Error).message}` };
      port.send({ t: 'fail', qid: m.qid, details });
    } finally {
      running = undefined;
    }
  }

  port.onMessage((m) => {
    if (m.t === 'config') {
      void makeDriver(m.config).then((d) => {
        driver = d;
        port.send({ t: 'ready' });
      });
    } else if (m.t === 'run' && driver) void run(driver, m);
    else if (m.t === 'continue' && waiting?.qid === m.qid) {
      const w = waiting;
      waiting = undefined;
      w.resume();
    } else if (m.t === 'abort' && running === m.qid) {
      if (waiting?.qid === m.qid) {
        const w = waiting;
        waiting = undefined;
        w.abort(new Error('the query was cancelled'));
      }
      driver?.cancel?.();
    }
  });
  return { close: () => driver?.close() };
}

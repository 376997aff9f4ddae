// Entry point of an executor process. One command at a time; the Link kills this process to stop a
// statement that overruns its time limit, which really stops it at the database (SQLite runs in-process).
// Paged (async) results pause after each page until the Link says the page is stored.
import { SqliteDriver } from '../drivers/sqlite.js';
import { DriverError, type Driver } from '../drivers/driver.js';
import { ResultWriter } from '../result-writer.js';
import type { DriverConfig, FromExecutor, ToExecutor } from './ipc.js';

const send = (m: FromExecutor): void => {
  process.send!(m);
};

let driver: Driver | undefined;
let waiting: { qid: string; resume: () => void } | undefined;

// The SQL Server driver (tedious) is loaded only when configured: it costs each executor ~0.2 s of
// CPU at start and ~20 MiB.
async function makeDriver(config: DriverConfig): Promise<Driver> {
  if (config.kind !== 'mssql') return new SqliteDriver({ catalogues: config.catalogues });
  const { MssqlDriver } = await import('../drivers/mssql.js');
  return new MssqlDriver(config);
}

async function run(driver: Driver, m: Extract<ToExecutor, { t: 'run' }>): Promise<void> {
  // Unpaged results hold back their newest chunk so the last one travels with 'done': a small result
  // is then one message to the Link, not two. Paged results send every chunk at once (a page's
  // chunks must all be out before its 'page' message).
  let tail: { page: number; data: Buffer } | undefined;
  const emit = m.pageBytes === undefined
    ? (data: Buffer, page: number): void => {
      if (tail) send({ t: 'chunk', qid: m.qid, page: tail.page, data: tail.data });
      tail = { page, data };
    }
    : (data: Buffer, page: number): void => send({ t: 'chunk', qid: m.qid, page, data });
  const out = new ResultWriter(m.maxResultBytes, emit, {
    pageBytes: m.pageBytes,
    pageEnd: m.pageBytes === undefined ? undefined : (meta) => new Promise<void>((resume) => {
      waiting = { qid: m.qid, resume };
      send({ t: 'page', qid: m.qid, meta });
    }),
  });
  try {
    const result = await driver.run({ command: m.command, catalogue: m.catalogue, readOnly: m.readOnly, timeoutMs: m.timeoutMs }, out);
    send({ t: 'done', qid: m.qid, result: { ...result, size: out.size, pages: out.pages }, ...(tail ? { tail } : {}) });
  } catch (e) {
    const details = e instanceof DriverError
      ? e.details
      : { errorType: 'haloLink' as const, errorCode: 500, errorMessage: `Unexpected driver error: ${(e as Error).message}` };
    send({ t: 'fail', qid: m.qid, details });
  }
}

process.on('message', (m: ToExecutor) => {
  if (m.t === 'config') {
    void makeDriver(m.config).then((d) => {
      driver = d;
      send({ t: 'ready' });
    });
  } else if (m.t === 'run' && driver) void run(driver, m);
  else if (m.t === 'continue' && waiting?.qid === m.qid) {
    const w = waiting;
    waiting = undefined;
    w.resume();
  }
});
process.on('disconnect', () => {
  driver?.close();
  process.exit(0);
});

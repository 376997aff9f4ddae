// Entry point of an executor process. One command at a time; the Link kills this process to stop a
// statement that overruns its time limit, which really stops it at the database (SQLite runs in-process).
import { SqliteDriver } from '../drivers/sqlite.js';
import { DriverError, type Driver } from '../drivers/driver.js';
import { ResultWriter } from '../result-writer.js';
import type { DriverConfig, FromExecutor, ToExecutor } from './ipc.js';

const send = (m: FromExecutor): void => {
  process.send!(m);
};

const config = JSON.parse(process.env.CONDUIT_EXECUTOR_CONFIG ?? '{}') as DriverConfig;
const driver: Driver = new SqliteDriver({ catalogues: config.catalogues });

process.on('message', (m: ToExecutor) => {
  if (m.t !== 'run') return;
  const out = new ResultWriter(m.maxResultBytes, (data) => send({ t: 'chunk', qid: m.qid, data }));
  try {
    const result = driver.run({ command: m.command, catalogue: m.catalogue, readOnly: m.readOnly }, out);
    send({ t: 'done', qid: m.qid, result: { ...result, size: out.size } });
  } catch (e) {
    const details = e instanceof DriverError
      ? e.details
      : { errorType: 'haloLink' as const, errorCode: 500, errorMessage: `Unexpected driver error: ${(e as Error).message}` };
    send({ t: 'fail', qid: m.qid, details });
  }
});
process.on('disconnect', () => {
  driver.close();
  process.exit(0);
});
send({ t: 'ready' });

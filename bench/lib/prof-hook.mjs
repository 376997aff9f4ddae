// Preloaded into the Cloud, the Link and its executor processes (NODE_OPTIONS=--import …) when the
// benchmark runs with --profile. SIGUSR2 starts the V8 CPU profiler; the next SIGUSR2 stops it and writes
// <CONDUIT_BENCH_PROF_DIR>/<label>/<role>-<pid>.cpuprofile, where <label> is read from the file
// <CONDUIT_BENCH_PROF_DIR>/label at start. So only the measured window of each case is profiled.
import { Session } from 'node:inspector';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const dir = process.env.CONDUIT_BENCH_PROF_DIR;
if (dir) {
  const script = process.argv[1] ?? '';
  const role = /executor[\\/]child\.[jt]s$/.test(script) ? 'executor' : (process.env.CONDUIT_BENCH_ROLE ?? 'node');
  let session;
  let label = 'profile';
  process.on('SIGUSR2', () => {
    if (!session) {
      try {
        label = readFileSync(join(dir, 'label'), 'utf8').trim() || 'profile';
      } catch {
        label = 'profile';
      }
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () => {
        session.post('Profiler.setSamplingInterval', { interval: 250 }, () => {
          session.post('Profiler.start');
        });
      });
      return;
    }
    const s = session;
    session = undefined;
    s.post('Profiler.stop', (err, res) => {
      if (!err && res) {
        mkdirSync(join(dir, label), { recursive: true });
        writeFileSync(join(dir, label, `${role}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
      }
      s.disconnect();
    });
  });
}

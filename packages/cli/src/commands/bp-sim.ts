// `conduit bp-sim create`: builds a simulated Bp Premier practice database with a progress bar.
// `conduit bp-sim login` / `version`: tick or untick an integration's login, set the Bp version.
import { Command } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { BpSimDatabase, createPracticeDatabase, integrationLoginEnabled, readPracticeInfo, setIntegrationLogin, setPmsVersion, type GenerateOptions } from '@conduit/bp-sim';
import { parseIntOption, POSITIVE } from '../env.js';

/** Before writing to it: the file is a simulated practice database (any other SQLite file is left alone). */
function practiceFile(file: string): void {
  if (!existsSync(file)) throw new Error(`practice database not found: ${file}`);
  let db: BpSimDatabase | undefined;
  try {
    db = BpSimDatabase.open(file, { readonly: true });
    readPracticeInfo(db);
  } catch (e) {
    throw new Error(`${file} is not a Bp Premier practice database (simulated): ${(e as Error).message}`, { cause: e });
  } finally {
    db?.close();
  }
}

/** Draws a bar on a terminal, and a line per 10 % elsewhere (CI logs, pipes). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update: (done: number, total: number, phase: string) => void; stop: () => void } {
  if (stream.isTTY) {
    const bar = new SingleBar({ format: '{phase} [{bar}] {percentage}% | {value}/{total}', stream, hideCursor: true }, Presets.shades_classic);
    let phase = '';
    return {
      update(done, total, p) {
        if (p !== phase) {
          if (phase) bar.stop();
          phase = p;
          bar.start(total, done, { phase: p.padEnd(14) });
        } else bar.update(done);
      },
      stop: () => bar.stop(),
    };
  }
  let last = '';
  return {
    update(done, total, p) {
      const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
      const key = `${p}:${pct}`;
      if (key !== last) {
        last = key;
        stream.write(`${p}: ${pct}% (${done}/${total})\n`);
      }
    },
    stop: () => undefined,
  };
}

export function bpSimCommand(): Command {
  const cmd = new Command('bp-sim').description('simulated Bp Premier practice databases');
  cmd
    .command('create')
    .description('create a practice database with deterministic synthetic data')
    .argument('<file>', 'SQLite file to create')
    .option('--patients <n>', 'number of patients', (v) => parseIntOption(v, '--patients'), 5000)
    .option('--weeks <n>', 'weeks of appointments', (v) => parseIntOption(v, '--weeks'), 26)
    .option('--practitioners <n>', 'number of practitioners', (v) => parseIntOption(v, '--practitioners', POSITIVE))
    .option('--seed <n>', 'random seed', (v) => parseIntOption(v, '--seed'), 1)
    .option('--start-date <yyyy-mm-dd>', 'date the appointment window is centred on (default: today)')
    .option('--force', 'replace the file if it exists')
    .action((file: string, o: { patients: number; weeks: number; practitioners?: number; seed: number; startDate?: string; force?: boolean }) => {
      if (existsSync(file)) {
        if (!o.force) throw new Error(`${file} exists; pass --force to replace it`);
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      }
      const opts: GenerateOptions = {
        patients: o.patients, weeks: o.weeks, seed: o.seed,
        startDate: o.startDate ?? new Date().toISOString().slice(0, 10),
        ...(o.practitioners ? { practitioners: o.practitioners } : {}),
      };
      const progress = progressReporter();
      const started = Date.now();
      const made = createPracticeDatabase(file, opts, progress.update);
      progress.stop();
      console.log(`Created ${file}: ${made.patients} patients, ${made.practitioners} practitioners, ${made.appointments} appointments in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      console.log(`Practice "${made.practiceName}", Bp Site ID ${made.siteId}.`);
    });
  cmd
    .command('login')
    .description("tick (--enable) or untick (--disable) a third-party integration's database login, as Bp's \"Setup third-party integrations\" does; unticked, SQL Server refuses it (error 18456). Without either, shows it")
    .argument('<file>', 'the practice database file')
    .requiredOption('--name <name>', 'the login, e.g. "Bookwell Connector"')
    .option('--enable', 'tick: let the login in')
    .option('--disable', 'untick: refuse the login')
    .action((file: string, o: { name: string; enable?: boolean; disable?: boolean }) => {
      practiceFile(file);
      if (o.enable && o.disable) throw new Error('pass --enable or --disable, not both');
      if (o.enable || o.disable) setIntegrationLogin(file, o.name, !!o.enable);
      console.log(`Login "${o.name}": ${integrationLoginEnabled(file, o.name) ? 'enabled' : 'disabled (Login failed, error 18456)'}.`);
    });
  cmd
    .command('version')
    .description("set the practice's Bp Premier version (PRACTICE.PMSVERSION), e.g. \"Bp Premier Jade SP2\"")
    .argument('<file>', 'the practice database file')
    .argument('<version>', 'the version text')
    .action((file: string, version: string) => {
      practiceFile(file);
      setPmsVersion(file, version);
      console.log(`Practice PMS version: ${version}.`);
    });
  return cmd;
}

// A large simulated practice for extraction benchmarks (≥ 1 M APPOINTMENTS rows): generated once per
// day into bench/out (the generator is dated), then copied into the run's own folder so the Link and
// the in-process baseline read identical data. Same scheme as practice.ts, with practitioners too.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { BpSimDatabase, createPracticeDatabase } from '@conduit/bp-sim';
import { OUT_DIR } from './results.js';

export interface LargePracticeSpec {
  patients: number;
  weeks: number;
  practitioners: number;
  seed: number;
}

export const LARGE_PRACTICE: LargePracticeSpec = { patients: 5000, weeks: 260, practitioners: 40, seed: 1 };

export function largePracticeCopy(runDir: string, spec: LargePracticeSpec = LARGE_PRACTICE, log: (s: string) => void = console.log): string {
  const today = new Date().toISOString().slice(0, 10);
  const template = join(OUT_DIR, `practice-${today}-p${spec.patients}-w${spec.weeks}-u${spec.practitioners}-s${spec.seed}.db`);
  if (!existsSync(template)) {
    mkdirSync(OUT_DIR, { recursive: true });
    log(`Generating the practice database (${spec.patients} patients, ${spec.weeks} weeks, ${spec.practitioners} practitioners, seed ${spec.seed})…`);
    const t0 = performance.now();
    const tmp = `${template}.tmp`;
    const r = createPracticeDatabase(tmp, { ...spec, startDate: today });
    // Fold the WAL into the main file so a plain file copy is the whole database.
    const db = BpSimDatabase.open(tmp);
    db.raw.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    renameSync(tmp, template);
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${r.appointments.toLocaleString('en-US')} appointments, ${template}`);
  }
  const file = join(runDir, 'practice.db');
  copyFileSync(template, file);
  return file;
}

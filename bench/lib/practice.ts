// The simulated practice database for a run: generated once per day (the generator is dated) into
// bench/out, then copied into the run's own folder so the Link and the baseline read identical data.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { BpSimDatabase, createPracticeDatabase } from '@conduit/bp-sim';
import { OUT_DIR } from './results.js';

export interface PracticeSpec {
  patients: number;
  weeks: number;
  seed: number;
}

export const DEFAULT_PRACTICE: PracticeSpec = { patients: 5000, weeks: 26, seed: 1 };

export function practiceCopy(runDir: string, spec: PracticeSpec = DEFAULT_PRACTICE, log: (s: string) => void = console.log): string {
  const today = new Date().toISOString().slice(0, 10);
  const template = join(OUT_DIR, `practice-${today}-p${spec.patients}-w${spec.weeks}-s${spec.seed}.db`);
  if (!existsSync(template)) {
    mkdirSync(OUT_DIR, { recursive: true });
    log(`Generating the practice database (${spec.patients} patients, ${spec.weeks} weeks, seed ${spec.seed})…`);
    const t0 = performance.now();
    const tmp = `${template}.tmp`;
    createPracticeDatabase(tmp, { ...spec, startDate: today });
    // Fold the WAL into the main file so a plain file copy is the whole database.
    const db = BpSimDatabase.open(tmp);
    db.raw.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    renameSync(tmp, template);
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${template}`);
  }
  const file = join(runDir, 'practice.db');
  copyFileSync(template, file);
  return file;
}

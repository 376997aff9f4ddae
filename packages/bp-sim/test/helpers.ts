// Test support: small generated practices in temp dirs, and a terse way to run a batch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { BpSimDatabase, createPracticeDatabase, type GenerateOptions, type SimOutcome, type SimParam } from '../src/index.js';

export const START = '2026-01-05'; // a Monday; the window is centred here

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bp-sim-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function smallPractice(opts: GenerateOptions = {}): { file: string; db: BpSimDatabase } {
  const file = join(tempDir(), 'practice.db');
  createPracticeDatabase(file, { patients: 200, weeks: 4, seed: 3, startDate: START, ...opts });
  const db = BpSimDatabase.open(file);
  after(() => db.close());
  return { file, db };
}

export interface Ran { columns: string[] | null; rows: Record<string, unknown>[]; rowsAffected: number; returnValue: number | null; output: Record<string, unknown> }

const toParams = (params: Record<string, unknown>): SimParam[] =>
  Object.entries(params).map(([name, value]) => ({ name, direction: 'input' as const, value }));

export function run(db: BpSimDatabase, text: string, params: Record<string, unknown> | SimParam[] = {}): Ran {
  const o: SimOutcome = db.execute({ text, type: 'text', params: Array.isArray(params) ? params : toParams(params) });
  return { ...o, rows: [...o.rows] };
}

export function proc(db: BpSimDatabase, name: string, params: Record<string, unknown> | SimParam[] = {}): Ran {
  const o = db.execute({ text: name, type: 'storedProcedure', params: Array.isArray(params) ? params : toParams(params) });
  return { ...o, rows: [...o.rows] };
}

/** Asserts fn throws a SqlServerError with this number (and message pattern). */
export function sqlError(fn: () => unknown, number: number, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    const err = e as { name?: string; number?: number; message?: string };
    if (err.name !== 'SqlServerError') throw new Error(`expected SqlServerError ${number}, got ${String(e)}`, { cause: e });
    if (err.number !== number) throw new Error(`expected error ${number}, got ${err.number}: ${err.message}`, { cause: e });
    if (message && !message.test(err.message ?? '')) throw new Error(`message ${JSON.stringify(err.message)} does not match ${message}`, { cause: e });
    return;
  }
  throw new Error(`expected SqlServerError ${number}, nothing was thrown`);
}

/** A free slot of some practitioner on a weekday after START (for booking tests). */
export function findFreeSlot(db: BpSimDatabase): { userId: number; date: string; time: number; length: number } {
  const users = proc(db, 'BP_GetAppointmentBookUsers').rows.map((r) => Number(r.UserID));
  for (let d = 1; d < 14; d++) {
    const date = new Date(Date.UTC(2026, 0, 5 + d)).toISOString().slice(0, 10);
    for (const userId of users) {
      try {
        const free = proc(db, 'BP_GetFreeAppointments', { userid: userId, aptdate: date }).rows;
        if (free[0]) return { userId, date, time: Number(free[0].AppointmentTime), length: Number(free[0].AppointmentLength) };
      } catch { /* away that day */ }
    }
  }
  throw new Error('no free slot found');
}

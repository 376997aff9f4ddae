import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BpSimDatabase, createPracticeDatabase, DEFAULT_START_DATE, isValidIhi, isValidMedicareNumber, medicareCheckDigit, luhnCheckDigit,
  readPracticeInfo, TABLES } from '../src/index.js';
import { START, tempDir } from './helpers.js';

function dataHash(file: string): string {
  const db = new Database(file, { readonly: true });
  const h = createHash('sha256');
  for (const table of Object.keys(TABLES)) {
    for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw().iterate()) h.update(JSON.stringify(row));
  }
  db.close();
  return h.digest('hex');
}

test('same seed gives identical data, another seed differs', () => {
  const dir = tempDir();
  const opts = { patients: 300, weeks: 4, seed: 11, startDate: START };
  createPracticeDatabase(join(dir, 'a.db'), opts);
  createPracticeDatabase(join(dir, 'b.db'), opts);
  createPracticeDatabase(join(dir, 'c.db'), { ...opts, seed: 12 });
  assert.equal(dataHash(join(dir, 'a.db')), dataHash(join(dir, 'b.db')));
  assert.notEqual(dataHash(join(dir, 'a.db')), dataHash(join(dir, 'c.db')));
});

test('progress callback covers every phase and the counts add up', () => {
  const file = join(tempDir(), 'p.db');
  const calls: Array<[number, number, string]> = [];
  const made = createPracticeDatabase(file, { patients: 500, weeks: 6, practitioners: 5, seed: 2, startDate: START }, (d, t, p) => calls.push([d, t, p]));
  const phases = [...new Set(calls.map((c) => c[2]))];
  assert.deepEqual(phases, ['schema', 'setup', 'patients', 'appointments', 'reminders', 'indexes']);
  for (const phase of phases) {
    const mine = calls.filter((c) => c[2] === phase);
    for (let i = 1; i < mine.length; i++) assert.ok((mine[i]?.[0] ?? 0) >= (mine[i - 1]?.[0] ?? 0), `${phase} progress is monotonic`);
    const last = mine[mine.length - 1] as [number, number, string];
    assert.equal(last[0], last[1], `${phase} ends at its total`);
  }
  assert.equal(calls.filter((c) => c[2] === 'patients').at(-1)?.[1], 500);
  assert.equal(calls.filter((c) => c[2] === 'appointments').at(-1)?.[1], 6 * 7 * 5); // practitioner-days
  const db = BpSimDatabase.open(file, { readonly: true });
  const counts = db.raw.prepare('SELECT (SELECT COUNT(*) FROM PATIENTS) AS p, (SELECT COUNT(*) FROM APPOINTMENTS) AS a, (SELECT COUNT(*) FROM USERS WHERE APPOINTMENTS = 1) AS u').get();
  assert.deepEqual(counts, { p: 500, a: made.appointments, u: 5 });
  assert.deepEqual(readPracticeInfo(db), { siteId: made.siteId, practiceName: made.practiceName, pmsVersion: readPracticeInfo(db).pmsVersion });
  db.close();
});

test('default practice: 5,000 patients, 12 practitioners, 26 weeks centred on the start date', () => {
  const file = join(tempDir(), 'default.db');
  const made = createPracticeDatabase(file, { siteId: '54321', practiceName: 'Test Practice' });
  assert.equal(made.patients, 5000);
  assert.equal(made.practitioners, 12);
  assert.ok(made.appointments > 25_000, `appointments ${made.appointments}`);
  const db = BpSimDatabase.open(file, { readonly: true });
  const range = db.raw.prepare('SELECT MIN(APPOINTMENTDATE) AS lo, MAX(APPOINTMENTDATE) AS hi FROM APPOINTMENTS').get() as { lo: string; hi: string };
  assert.ok(range.lo < DEFAULT_START_DATE && range.hi > DEFAULT_START_DATE);
  // future appointments are never completed; past ones are
  assert.equal(db.raw.prepare('SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE > ? AND APPOINTMENTCODE = 5').pluck().get(DEFAULT_START_DATE), 0);
  assert.equal(db.raw.prepare('SELECT COUNT(*) FROM APPOINTMENTS WHERE APPOINTMENTDATE < ? AND APPOINTMENTCODE = 1').pluck().get(DEFAULT_START_DATE), 0);
  const statuses = db.raw.prepare('SELECT DISTINCT APPOINTMENTCODE AS c FROM APPOINTMENTS ORDER BY 1').pluck().all();
  assert.ok(statuses.includes(1) && statuses.includes(5));
  for (const t of ['REMINDERS', 'INTERNETAPPOINTMENTS', 'DAYSAWAY', 'EXTRASESSIONS', 'PROVIDERLOCATION', 'CANCELLEDAPPOINTMENTS']) {
    assert.ok((db.raw.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number) > 0, `${t} has rows`);
  }
  assert.deepEqual(readPracticeInfo(db).siteId, '54321');
  // no overlapping active appointments for a practitioner
  const overlaps = db.raw.prepare(`SELECT COUNT(*) FROM APPOINTMENTS a JOIN APPOINTMENTS b ON a.USERID = b.USERID AND a.APPOINTMENTDATE = b.APPOINTMENTDATE
    AND a.RECORDID < b.RECORDID AND a.RECORDSTATUS = 1 AND b.RECORDSTATUS = 1
    AND a.APPOINTMENTTIME < b.APPOINTMENTTIME + b.APPOINTMENTLENGTH AND b.APPOINTMENTTIME < a.APPOINTMENTTIME + a.APPOINTMENTLENGTH`).pluck().get();
  assert.equal(overlaps, 0);
  // every generated Medicare number and IHI carries a valid check digit
  const ids = db.raw.prepare('SELECT MEDICARENO, IHI FROM PATIENTS').all() as Array<{ MEDICARENO: string | null; IHI: string | null }>;
  assert.ok(ids.filter((r) => r.MEDICARENO).length > 4000);
  for (const r of ids) {
    if (r.MEDICARENO) assert.ok(isValidMedicareNumber(r.MEDICARENO), r.MEDICARENO);
    if (r.IHI) assert.ok(isValidIhi(r.IHI), r.IHI);
  }
  db.close();
});

test('check-digit algorithms match known examples', () => {
  // weights 1,3,7,9,1,3,7,9 over 2123 4567: 2+3+14+27+4+15+42+63 = 170 → 0
  assert.equal(medicareCheckDigit('21234567'), 0);
  assert.ok(isValidMedicareNumber('2123456701'));
  assert.ok(!isValidMedicareNumber('2123456711'));
  assert.equal(luhnCheckDigit('7992739871'), 3); // the classic Luhn example 79927398713
  assert.ok(isValidIhi('8003608166690503'));
  assert.ok(!isValidIhi('8003608166690504'));
});

// SQL_Latin1_General_CP1_CI_AS ignores case for every letter of its code page (Windows-1252), not only
// ASCII: 'CÔTÉ' = 'Côté', while accents still count ('Cote' <> 'Côté'). LIKE, UPPER and LOWER too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proc, run, smallPractice } from './helpers.js';

const { db } = smallPractice();
const one = (sql: string, params: Record<string, unknown> = {}): Record<string, unknown> | undefined => run(db, sql, params).rows[0];
const ids = (sql: string, params: Record<string, unknown> = {}): number[] => run(db, sql, params).rows.map((r) => Number(Object.values(r)[0]));

run(db, "UPDATE PATIENTS SET SURNAME = 'Côté', FIRSTNAME = 'Élodie' WHERE INTERNALID = 1");
run(db, "UPDATE PATIENTS SET SURNAME = 'CÔTÉ', FIRSTNAME = 'Zoë' WHERE INTERNALID = 2");
run(db, "UPDATE PATIENTS SET SURNAME = 'Cote', FIRSTNAME = 'Zoe' WHERE INTERNALID = 3");

test('accented letters compare without regard to case, but not without regard to accents', () => {
  assert.deepEqual(one(`SELECT CASE WHEN 'É' = 'é' THEN 1 ELSE 0 END AS a, CASE WHEN 'é' = 'e' THEN 1 ELSE 0 END AS b,
    CASE WHEN 'ŠŒŽŸ' = 'šœžÿ' THEN 1 ELSE 0 END AS c, CASE WHEN '×' = '÷' THEN 1 ELSE 0 END AS d,
    CASE WHEN 'ÀÖØÞ' = 'àöøþ' THEN 1 ELSE 0 END AS e, CASE WHEN 'Ä' IN ('ä') THEN 1 ELSE 0 END AS f`),
  { a: 1, b: 0, c: 1, d: 0, e: 1, f: 1 });
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME = 'côté' ORDER BY INTERNALID"), [1, 2]);
  assert.deepEqual(ids('SELECT InternalID FROM BPS_Patients WHERE Surname = @s AND Firstname = @f', { s: 'CÔTÉ', f: 'ÉLODIE' }), [1]);
  assert.deepEqual(ids("SELECT InternalID FROM BPS_Patients WHERE Firstname = 'ZOË'"), [2]);
  assert.deepEqual(ids("SELECT InternalID FROM BPS_Patients WHERE Surname = 'cote'"), [3]);
  assert.deepEqual(run(db, 'SELECT COUNT(*) AS n FROM PATIENTS WHERE INTERNALID <= 3 GROUP BY SURNAME ORDER BY n').rows.map((r) => r.n), [1, 2]);
});

test('LIKE ignores case for accented letters, whether or not an index serves it', () => {
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME LIKE 'CÔ%' ORDER BY INTERNALID"), [1, 2]);
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE SURNAME + '' LIKE 'cô%' AND INTERNALID <= 3 ORDER BY INTERNALID"), [1, 2]);
  assert.deepEqual(ids('SELECT InternalID FROM BPS_Patients WHERE Firstname LIKE @f ORDER BY InternalID', { f: 'éLO%' }), [1]);
  assert.deepEqual(ids("SELECT InternalID FROM BPS_Patients WHERE Surname LIKE '%té' AND InternalID <= 3 ORDER BY InternalID"), [1, 2]);
  assert.deepEqual(ids("SELECT InternalID FROM BPS_Patients WHERE Surname NOT LIKE 'cô%' AND InternalID <= 3"), [3]);
  assert.equal(one("SELECT CASE WHEN 'Ÿ' LIKE 'ÿ' THEN 1 ELSE 0 END AS x")?.x, 1);
});

test('BP_GetPatientByPartSurnameDOB finds an accented surname from any case of its start', () => {
  const dob = run(db, 'SELECT DOB FROM PATIENTS WHERE INTERNALID = 1').rows[0]?.DOB;
  assert.ok(proc(db, 'BP_GetPatientByPartSurnameDOB', { surname: 'CÔ', dob }).rows.some((r) => r.InternalID === 1));
  assert.ok(!proc(db, 'BP_GetPatientByPartSurnameDOB', { surname: 'CO', dob }).rows.some((r) => r.InternalID === 1));
});

test('UPPER and LOWER map the accented letters of the code page', () => {
  assert.deepEqual(one("SELECT UPPER('côté ÿ œ š ž ß µ') AS u, LOWER('ÉLODIE ŸŒŠŽ') AS l"), { u: 'CÔTÉ Ÿ Œ Š Ž ß µ', l: 'élodie ÿœšž' });
  assert.deepEqual(ids("SELECT INTERNALID FROM PATIENTS WHERE UPPER(SURNAME) = 'CÔTÉ' ORDER BY INTERNALID"), [1, 2]);
});

test('a file whose NOCASE indexes SQLite built in its own order is reindexed when opened for writing', async () => {
  const { default: Database } = await import('better-sqlite3');
  const { BpSimDatabase } = await import('../src/index.js');
  const { file, db: other } = smallPractice({ patients: 50 });
  other.close();
  const plain = new Database(file); // SQLite's own NOCASE, as a build without the extension or an older simulator
  plain.pragma('user_version = 0');
  plain.prepare('UPDATE PATIENTS SET SURNAME = ? WHERE INTERNALID = ?').run('Ézra', 1);
  plain.prepare('UPDATE PATIENTS SET SURNAME = ? WHERE INTERNALID = ?').run('éabc', 2);
  plain.close();
  const reopened = BpSimDatabase.open(file);
  try {
    assert.deepEqual(run(reopened, "SELECT INTERNALID FROM PATIENTS WHERE SURNAME = 'ézra'").rows.map((r) => r.INTERNALID), [1]);
    assert.equal(reopened.raw.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    reopened.close();
  }
});

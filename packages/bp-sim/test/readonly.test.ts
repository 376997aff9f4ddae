import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BpSimDatabase } from '../src/index.js';
import { proc, run, smallPractice, sqlError, tempDir } from './helpers.js';

test('a read-only open answers queries and refuses every write with 3906', () => {
  const { file } = smallPractice();
  const ro = BpSimDatabase.open(file, { readonly: true });
  try {
    assert.equal(run(ro, 'SELECT COUNT(*) AS n FROM PATIENTS').rows[0]?.n, 200);
    assert.equal(proc(ro, 'BP_GetAllUsers').rows.length, 15);
    sqlError(() => run(ro, "UPDATE PATIENTS SET CITY = 'X' WHERE INTERNALID = 1"), 3906, /read-only/);
    sqlError(() => run(ro, 'DELETE FROM APPOINTMENTS'), 3906);
    sqlError(() => proc(ro, 'BP_AddPatient', { firstname: 'A', surname: 'B', dob: '2000-01-01' }), 3906);
    sqlError(() => run(ro, "EXEC BP_CancelAppointment 1"), 3906);
  } finally {
    ro.close();
  }
});

test('opening a missing file fails with 4060', () => {
  sqlError(() => BpSimDatabase.open(join(tempDir(), 'missing.db')), 4060);
});

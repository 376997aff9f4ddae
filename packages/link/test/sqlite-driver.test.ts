// The simulator's driver answers as the SQL Server driver does: rows keyed by column name (an unnamed
// column is ''), and a scalar call returns the first column of the first row.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPracticeDatabase } from '@conduit/bp-sim';
import type { Command } from '@conduit/protocol';
import { SqliteDriver } from '../src/drivers/sqlite.js';
import { ResultWriter } from '../src/result-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'conduit-sqlite-driver-'));
const file = join(dir, 'practice.db');
createPracticeDatabase(file, { patients: 20, weeks: 1, seed: 5 });
const driver = new SqliteDriver({ catalogues: { Patients: file } });
after(() => { driver.close(); rmSync(dir, { recursive: true, force: true }); });

function answer(text: string, executionMode: Command['executionMode']): unknown {
  const parts: Buffer[] = [];
  const out = new ResultWriter(1e6, (chunk) => void parts.push(chunk));
  driver.runNow({ command: { text, type: 'text', executionMode, parameters: [] }, readOnly: true }, out);
  return JSON.parse(Buffer.concat(parts).toString());
}

test('a scalar call returns the first column, also when names repeat or look like numbers', () => {
  assert.equal(answer('SELECT 1, 2', 'scalar'), 1);
  assert.equal(answer('SELECT COUNT(*), MAX(InternalID) FROM BPS_Patients', 'scalar'), 20);
  assert.equal(answer('SELECT 1 AS a, 2 AS [1]', 'scalar'), 1);
  assert.equal(answer('SELECT NULL, 2', 'scalar'), null);
});

test('a reader keys rows by column name; several unnamed columns leave the last value under the empty name', () => {
  assert.deepEqual(answer('SELECT COUNT(*) FROM BPS_Patients', 'reader'), [{ '': 20 }]);
  assert.deepEqual(answer("SELECT 1, 'x' AS b, 3", 'reader'), [{ '': 3, b: 'x' }]);
});

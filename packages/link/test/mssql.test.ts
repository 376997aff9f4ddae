// The SQL Server driver. Type handling is tested here always; the driver itself runs against a real
// SQL Server only when one is configured (no SQL Server engine can run on the build machines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPES } from 'tedious';
import { SQL_DB_TYPES } from '@conduit/protocol';
import { tediousType, tediousValue, jsonValue, TEDIOUS_TYPES } from '../src/drivers/mssql-types.js';
import { MssqlDriver, mssqlError } from '../src/drivers/mssql.js';
import { ResultWriter } from '../src/result-writer.js';

test('every SqlDbType the API accepts maps to a tedious type, except the ones the API refuses', () => {
  const unsupported = SQL_DB_TYPES.filter((t) => !TEDIOUS_TYPES[t]);
  assert.deepEqual(unsupported.sort(), ['Structured', 'Timestamp', 'Udt', 'Variant']);
  assert.equal(tediousType('Int'), TYPES.Int);
  assert.equal(tediousType('String'), TYPES.NVarChar);
  assert.throws(() => tediousType('Udt'), /not supported/);
});

test('values travel in the types tedious expects and come back as the API JSON', () => {
  assert.deepEqual(tediousValue('Date', '2026-03-01'), new Date('2026-03-01T00:00:00Z'));
  assert.deepEqual(tediousValue('DateTime', '2026-03-01 08:15:00'), new Date('2026-03-01T08:15:00Z'));
  assert.equal(tediousValue('Int', 5), 5);
  assert.equal(jsonValue(new Date('2026-03-01T08:15:00Z')), '2026-03-01T08:15:00.000');
  assert.equal(jsonValue(Buffer.from([1, 2])), 'AQI=');
});

test('tedious errors become errorDetails with the SQL Server number; a timeout is -2', () => {
  assert.deepEqual(mssqlError({ number: 208, message: "Invalid object name 'X'." }).details, { errorType: 'mssql', errorCode: 208, errorMessage: "Invalid object name 'X'." });
  assert.equal(mssqlError({ code: 'ETIMEOUT', message: 'Timeout' }).details.errorCode, -2);
});

const server = process.env.CONDUIT_TEST_MSSQL_SERVER;
const why = 'no SQL Server is configured (set CONDUIT_TEST_MSSQL_SERVER, _USER, _PASSWORD, _READONLY_USER, _READONLY_PASSWORD, _DATABASE): the driver runs against a real server only when one is configured';
test('against a real SQL Server: reader, scalar, nonQuery, parameters, read-only login, timeout cancelled at the server', { skip: server ? false : why }, async () => {
  const env = (k: string): string => process.env[`CONDUIT_TEST_MSSQL_${k}`] ?? '';
  const driver = new MssqlDriver({
    server: server!, catalogues: { Patients: env('DATABASE') || 'master' }, trustServerCertificate: true,
    login: { user: env('USER'), password: env('PASSWORD') }, readOnlyLogin: { user: env('READONLY_USER'), password: env('READONLY_PASSWORD') },
  });
  try {
    const chunks: Buffer[] = [];
    const out = new ResultWriter(1 << 20, (c) => chunks.push(c));
    const r = await driver.run({ readOnly: true, command: { text: 'SELECT @a + 1 AS n, CAST(\'2026-01-02\' AS date) AS d', type: 'text', executionMode: 'reader', parameters: [{ name: '@a', direction: 'input', type: 'Int', value: '41' }] } }, out);
    assert.equal(r.rows, 1);
    assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), [{ n: 42, d: '2026-01-02T00:00:00.000' }]);
    await assert.rejects(driver.run({ readOnly: true, timeoutMs: 500, command: { text: "WAITFOR DELAY '00:00:05'", type: 'text', executionMode: 'nonQuery', parameters: [] } }, new ResultWriter(1000, () => undefined)),
      (e: { details?: { errorCode: number } }) => e.details?.errorCode === -2);
  } finally {
    driver.close();
  }
});

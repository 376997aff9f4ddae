// The SQL Server driver. Type handling is tested here always; the driver itself runs against a real
// SQL Server only when one is configured (no SQL Server engine can run on the build machines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPES } from 'tedious';
import { ParameterValueError, SQL_DB_TYPES, type Parameter, type SqlDbType } from '@conduit/protocol';
import { tediousParameter, tediousType, tediousValue, jsonValue, TEDIOUS_TYPES } from '../src/drivers/mssql-types.js';
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

const param = (type: SqlDbType, value: string | null, name = '@p'): Parameter => ({ name, direction: 'input', type, value });

test('parameter typing: a VarChar stays varchar on the wire, so SQL Server converts it ("" to 1900-01-01 for a date parameter)', () => {
  const t = tediousParameter(param('VarChar', '', '@medicareexpiry'));
  assert.equal(t.name, 'medicareexpiry');
  assert.equal(t.type, TYPES.VarChar);
  assert.equal(t.value, '');
  assert.equal(t.output, false);
  assert.equal(tediousParameter(param('VarChar', ' 12 ')).value, ' 12 ');
  assert.deepEqual(tediousParameter({ ...param('VarChar', 'x'), size: 20 }).options, { length: 20 });
  // -1 is SqlParameter's MAX: a length over nvarchar's 4000, which tedious declares as nvarchar(max).
  const max = tediousParameter({ ...param('NVarChar', 'x'), size: -1 }).options!.length;
  assert.ok(max > 4000 && max > 8000, `size -1 travels as ${max}`);
});

test('parameter typing: NULL travels as NULL for every type the driver supports', () => {
  for (const type of SQL_DB_TYPES.filter((t) => TEDIOUS_TYPES[t])) {
    const t = tediousParameter(param(type, null));
    assert.equal(t.value, null, type);
    assert.equal(t.type, TEDIOUS_TYPES[type], type);
  }
});

test('parameter typing: numeric strings become Int values (blanks allowed); dates become Date objects', () => {
  assert.equal(tediousParameter(param('Int', '12')).value, 12);
  assert.equal(tediousParameter(param('Int', ' 12 ')).value, 12);
  assert.equal(tediousParameter(param('Int', '-3')).value, -3);
  assert.deepEqual(tediousParameter(param('Date', '1990-07-04')).value, new Date('1990-07-04T00:00:00Z'));
  assert.deepEqual(tediousParameter(param('DateTime', '2026-03-01T08:15:00')).value, new Date('2026-03-01T08:15:00Z'));
  assert.equal(tediousParameter({ ...param('Int', '5'), direction: 'output' }).value, null);
  // what SqlClient itself refuses is refused before the server, reported as 8114
  for (const [type, value] of [['Int', '1.5'], ['Int', ''], ['Date', ''], ['Int', 'abc']] as const) {
    assert.throws(() => tediousParameter(param(type, value)), ParameterValueError, `${type} ${JSON.stringify(value)}`);
    try { tediousParameter(param(type, value)); } catch (e) { assert.equal(mssqlError(e).details.errorCode, 8114); }
  }
});

test('tedious errors become errorDetails with the SQL Server number; a timeout is -2', () => {
  assert.deepEqual(mssqlError({ number: 208, message: "Invalid object name 'X'." }).details, { errorType: 'mssql', errorCode: 208, errorMessage: "Invalid object name 'X'." });
  assert.equal(mssqlError({ code: 'ETIMEOUT', message: 'Timeout' }).details.errorCode, -2);
});

const server = process.env.CONDUIT_TEST_MSSQL_SERVER;
const why = 'no SQL Server is configured (set CONDUIT_TEST_MSSQL_SERVER, _USER, _PASSWORD, _READONLY_USER, _READONLY_PASSWORD, _DATABASE): the driver runs against a real server only when one is configured';
test('against a real SQL Server: reader, parameters, string-typed conversions, read-only login, timeout cancelled at the server', { skip: server ? false : why }, async () => {
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
    // SQL Server's own conversions of string-typed parameters, as bp-sim simulates them (docs/sql-server-conversions.md)
    const conv: Buffer[] = [];
    await driver.run({ readOnly: true, command: { text: 'SELECT CAST(@e AS date) AS e, CAST(@n AS int) AS n, CAST(@z AS int) AS z, @d AS d', type: 'text', executionMode: 'reader', parameters: [
      { name: '@e', direction: 'input', type: 'VarChar', value: '' }, { name: '@n', direction: 'input', type: 'VarChar', value: ' 12 ' },
      { name: '@z', direction: 'input', type: 'VarChar', value: '' }, { name: '@d', direction: 'input', type: 'Date', value: null }] } }, new ResultWriter(1 << 20, (c) => conv.push(c)));
    assert.deepEqual(JSON.parse(Buffer.concat(conv).toString()), [{ e: '1900-01-01T00:00:00.000', n: 12, z: 0, d: null }]);
    await assert.rejects(driver.run({ readOnly: true, command: { text: 'SELECT CAST(@x AS int) AS x', type: 'text', executionMode: 'reader', parameters: [
      { name: '@x', direction: 'input', type: 'VarChar', value: '1.5' }] } }, new ResultWriter(1000, () => undefined)),
    (e: { details?: { errorCode: number } }) => e.details?.errorCode === 245);
    await assert.rejects(driver.run({ readOnly: true, timeoutMs: 500, command: { text: "WAITFOR DELAY '00:00:05'", type: 'text', executionMode: 'nonQuery', parameters: [] } }, new ResultWriter(1000, () => undefined)),
      (e: { details?: { errorCode: number } }) => e.details?.errorCode === -2);
  } finally {
    driver.close();
  }
});

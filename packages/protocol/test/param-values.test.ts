import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeParameterValue, encodeParameterValue, ParameterValueError } from '../src/index.js';

test('integers are range-checked per SqlDbType', () => {
  assert.equal(decodeParameterValue('@a', 'Int', '42'), 42);
  assert.equal(decodeParameterValue('@a', 'TinyInt', '255'), 255);
  assert.throws(() => decodeParameterValue('@a', 'TinyInt', '256'), ParameterValueError);
  assert.throws(() => decodeParameterValue('@a', 'Int', '2147483648'), /Int32/);
  assert.equal(decodeParameterValue('@a', 'BigInt', '9223372036854775807'), 9223372036854775807n);
  assert.throws(() => decodeParameterValue('@a', 'Int', '12abc'), /Failed to convert parameter value from a String to a Int32/);
});

test('dates and times are validated as calendar values', () => {
  assert.equal(decodeParameterValue('@d', 'Date', '2026-02-28'), '2026-02-28');
  assert.equal(decodeParameterValue('@d', 'Date', '2026-02-28T10:00:00'), '2026-02-28');
  assert.throws(() => decodeParameterValue('@d', 'Date', '2026-02-30'), ParameterValueError);
  assert.throws(() => decodeParameterValue('@d', 'Date', '28/02/2026'), ParameterValueError);
  assert.equal(decodeParameterValue('@d', 'DateTime', '2026-02-28T10:15'), '2026-02-28 10:15:00');
  assert.equal(decodeParameterValue('@t', 'Time', '08:15'), '08:15:00');
  assert.throws(() => decodeParameterValue('@t', 'Time', '24:00'), ParameterValueError);
});

test('other types: bit, decimal, guid, binary, text, null and unsupported', () => {
  assert.equal(decodeParameterValue('@b', 'Bit', 'true'), 1);
  assert.throws(() => decodeParameterValue('@b', 'Bit', 'yes'), ParameterValueError);
  assert.equal(decodeParameterValue('@m', 'Money', '12.50'), 12.5);
  assert.throws(() => decodeParameterValue('@m', 'Decimal', '1,5'), ParameterValueError);
  assert.equal(decodeParameterValue('@g', 'UniqueIdentifier', 'A1B2C3D4-0000-4000-8000-000000000001'), 'a1b2c3d4-0000-4000-8000-000000000001');
  assert.deepEqual(decodeParameterValue('@v', 'VarBinary', 'AQID'), Buffer.from([1, 2, 3]));
  assert.equal(decodeParameterValue('@s', 'NVarChar', "O'Brien"), "O'Brien");
  assert.equal(decodeParameterValue('@s', 'Int', null), null);
  assert.throws(() => decodeParameterValue('@s', 'Structured', 'x'), /not supported/);
});

test('values read back are encoded as strings', () => {
  assert.equal(encodeParameterValue(5), '5');
  assert.equal(encodeParameterValue(null), null);
  assert.equal(encodeParameterValue(Buffer.from([1, 2, 3])), 'AQID');
});

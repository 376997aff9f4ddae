// What a shadow difference records: where the answers differ and a fingerprint of each, never a value;
// a failed read by its kind and error number only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConduitApiError } from '@conduit/sdk';
import { describeDifference, describeFailure, fingerprint } from '../src/migration/shadow-diff.js';
import { ConnectorError } from '../src/pms/connector-hub.js';

const patients = [{ InternalID: 17, Surname: 'Nguyen', DOB: '1980-02-03' }, { InternalID: 18, Surname: 'Okafor', DOB: '1991-07-30' }];

test('lists of rows: sizes, the first differing row and its fields, fingerprints; no values', () => {
  const changed = [patients[0], { ...patients[1]!, DOB: '1991-07-31' }];
  const d = describeDifference(patients, changed);
  assert.equal(d, `Connector 2 rows, Conduit 2 rows; first difference at row 2 (fields: DOB); fingerprints ${fingerprint(patients)} / ${fingerprint(changed)}`);
  for (const v of ['Nguyen', 'Okafor', '1991', '17', '18']) assert.ok(!d.replace(/fingerprints .*/, '').includes(v), `no ${v}`);
  assert.match(describeDifference(patients, patients.slice(0, 1)), /^Connector 2 rows, Conduit 1 row; the first 1 row agree;/);
  assert.match(describeDifference([], patients), /^Connector 0 rows, Conduit 2 rows; one side is empty;/);
  assert.match(describeDifference(patients, [patients[0], { InternalID: 18 }]), /fields: Surname, DOB/);
});

test('other shapes: objects, scalars, mixed', () => {
  assert.match(describeDifference({ a: 1, b: 2 }, { a: 1, b: 3 }), /^fields differ: b;/);
  assert.match(describeDifference(41, 42), /^the number values differ;/);
  assert.match(describeDifference([], null), /^Connector answered a list, Conduit a null;/);
  assert.equal(fingerprint(patients), fingerprint(JSON.parse(JSON.stringify(patients))), 'a fingerprint depends on the answer only');
  assert.match(fingerprint(patients), /^[0-9a-f]{12}$/);
});

test('failures: kind and number only, never the message (it can quote a value)', () => {
  const sql = new ConduitApiError({ kind: 'queryFailed', status: 400, message: "Conversion failed when converting the varchar value 'Nguyen' to data type int.", errorDetails: { errorType: 'mssql', errorCode: 245, errorMessage: "… 'Nguyen' …" } });
  assert.equal(describeFailure(sql), 'queryFailed (HTTP 400), error 245');
  assert.equal(describeFailure(new ConnectorError('denied', "Login failed for user 'Bookwell Connector'.", 18456)), 'denied, error 18456');
  assert.equal(describeFailure(new TypeError('x')), 'TypeError');
  assert.equal(describeFailure('boom'), 'unknown error');
});

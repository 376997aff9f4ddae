// Which errors mean "the store is not answering" (503, retry) and which are faults (500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeUnavailable } from '../src/store/unavailable.js';

const coded = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

test('a store that is down, restarting, full or out of connections is unavailable', () => {
  assert.equal(storeUnavailable(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')), true);
  assert.equal(storeUnavailable(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'connect failed')), true);
  assert.equal(storeUnavailable(coded('57P01', 'terminating connection due to administrator command')), true);
  assert.equal(storeUnavailable(coded('08006', 'connection failure')), true);
  assert.equal(storeUnavailable(coded('53300', 'sorry, too many clients already')), true);
  assert.equal(storeUnavailable(coded('53100', 'could not extend file: No space left on device')), true);
  assert.equal(storeUnavailable(new Error('Connection terminated unexpectedly')), true);
  assert.equal(storeUnavailable(new Error('timeout exceeded when trying to connect')), true);
  assert.equal(storeUnavailable(coded('SQLITE_BUSY', 'database is locked')), true);
  assert.equal(storeUnavailable(coded('SQLITE_IOERR_WRITE', 'disk I/O error')), true);
  assert.equal(storeUnavailable(new Error('could not store', { cause: coded('ECONNRESET') })), true);
});

test('faults of the Cloud or of the statement are not', () => {
  assert.equal(storeUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')")), false);
  assert.equal(storeUnavailable(coded('23505', 'duplicate key value violates unique constraint')), false);
  assert.equal(storeUnavailable(coded('42P01', 'relation "queries" does not exist')), false);
  assert.equal(storeUnavailable(coded('SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed')), false);
  assert.equal(storeUnavailable('ECONNREFUSED'), false);
  assert.equal(storeUnavailable(undefined), false);
});

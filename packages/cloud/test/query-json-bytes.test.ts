import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { complete, queryJson, queryJsonBytes } from '../src/queries/lifecycle.js';
import { spliceBase64 } from '../src/http/base64-json.js';
import type { QueryRecord } from '../src/store/types.js';

function done(): QueryRecord {
  const t0 = new Date(2_000_000).toISOString();
  const q: QueryRecord = {
    id: 'q-ü', integratorId: 'i', siteId: 's', mode: 'immediate', status: 'initialising', maxTimeInQueue: 30000, commandSize: 8,
    requestSize: 40, commandHash: 'h', executionMode: 'reader', createdAt: t0, updatedAt: t0, completedAt: null,
    statusTiming: { initialising: { startTime: t0 } }, sqlExecutionDuration: 3, resultSize: null, rows: 1, rowsAffected: null,
    errorDetails: null, parameters: null, resultsExpireAt: null,
  };
  complete(q, 'successful', 2_000_050);
  return q;
}

// Sizes around the base64 padding cases and the 48 KiB slice edge, and one of several slices.
const SIZES = [0, 1, 2, 3, 4, 49_151, 49_152, 49_153, 98_304, 250_001];

test('the serialised body is byte for byte the JSON of the query object', () => {
  for (const n of SIZES) {
    const q = done();
    const data = randomBytes(n);
    q.resultSize = n;
    // An output parameter whose value holds the placeholder's text must come through untouched.
    const inline = { data, parameters: [{ name: 'note', direction: 'output' as const, type: 'NVarChar' as const, value: '"\u0000conduit:result-data\u0000" é' }] };
    const bytes = queryJsonBytes(q, inline);
    assert.equal(bytes.toString('utf8'), JSON.stringify(queryJson(q, inline)), `size ${n}`);
    const parsed = JSON.parse(bytes.toString('utf8')) as { result: { data: string; parameters: { value: string }[] } };
    assert.deepEqual(Buffer.from(parsed.result.data, 'base64'), data, `size ${n}`);
    assert.equal(parsed.result.parameters[0]?.value, '"\u0000conduit:result-data\u0000" é');
  }
});

test('a query without data, or not successful, serialises as plain JSON', () => {
  const q = done();
  const none = { parameters: [] };
  assert.equal(queryJsonBytes(q, none).toString('utf8'), JSON.stringify(queryJson(q, none)));
  q.status = 'executionFailed';
  const some = { data: Buffer.from('[1]'), parameters: [] };
  assert.equal(queryJsonBytes(q, some).toString('utf8'), JSON.stringify(queryJson(q, some)));
});

test('splicing refuses JSON without the mark', () => {
  assert.throws(() => spliceBase64('{"a":1}', '"x"', Buffer.from('y')), /mark is not in the JSON/);
});

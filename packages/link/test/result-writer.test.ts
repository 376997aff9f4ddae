import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultWriter } from '../src/result-writer.js';
import { DriverError } from '../src/drivers/driver.js';

test('rows are written as one JSON array cut into chunks', () => {
  const chunks: Buffer[] = [];
  const w = new ResultWriter(1 << 20, (c) => chunks.push(c), 100);
  w.begin();
  for (let i = 0; i < 50; i++) w.row({ id: i, name: `n${i}`, blob: Buffer.from([i]) });
  w.end();
  assert.ok(chunks.length > 5, 'chunked as it goes');
  const all = Buffer.concat(chunks);
  assert.equal(all.length, w.size);
  const rows = JSON.parse(all.toString()) as { id: number; blob: string }[];
  assert.equal(rows.length, 50);
  assert.equal(rows[3]!.blob, Buffer.from([3]).toString('base64'));
});

test('the size limit stops the result early with http 413', () => {
  const w = new ResultWriter(1000, () => undefined, 100);
  w.begin();
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) w.row({ pad: 'x'.repeat(50) });
  }, (e: unknown) => e instanceof DriverError && e.details.errorType === 'http' && e.details.errorCode === 413);
  assert.ok(w.rows < 30);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultWriter } from '../src/result-writer.js';
import { DriverError } from '../src/drivers/driver.js';

test('rows are written as one JSON array cut into chunks', async () => {
  const chunks: Buffer[] = [];
  const w = new ResultWriter(1 << 20, (c) => chunks.push(c), { chunkBytes: 100 });
  w.begin();
  for (let i = 0; i < 50; i++) w.row({ id: i, name: `n${i}`, blob: Buffer.from([i]) });
  await w.end();
  assert.ok(chunks.length > 5, 'chunked as it goes');
  const all = Buffer.concat(chunks);
  assert.equal(all.length, w.size);
  const rows = JSON.parse(all.toString()) as { id: number; blob: string }[];
  assert.equal(rows.length, 50);
  assert.equal(rows[3]!.blob, Buffer.from([3]).toString('base64'));
});

test('the size limit stops the result early with http 413', () => {
  const w = new ResultWriter(1000, () => undefined, { chunkBytes: 100 });
  w.begin();
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) w.row({ pad: 'x'.repeat(50) });
  }, (e: unknown) => e instanceof DriverError && e.details.errorType === 'http' && e.details.errorCode === 413);
  assert.ok(w.rows < 30);
});

test('paged mode cuts pages of about pageBytes, each its own array, and waits for each page', async () => {
  const pages = new Map<number, Buffer[]>();
  const metas: { page: number; rows: number; rangeStart: number; rangeEnd: number; size: number }[] = [];
  let waited = 0;
  const w = new ResultWriter(Number.MAX_SAFE_INTEGER, (c, p) => pages.set(p, [...(pages.get(p) ?? []), c]), {
    chunkBytes: 64, pageBytes: 300,
    pageEnd: async (m) => {
      metas.push(m);
      await new Promise((r) => setTimeout(r, 1));
      waited++;
    },
  });
  w.begin();
  for (let i = 0; i < 40; i++) if (w.row({ i, pad: 'x'.repeat(20) })) await w.nextPage();
  await w.end();
  assert.equal(waited, metas.length);
  assert.ok(metas.length > 3);
  let next = 0;
  for (const m of metas) {
    const rows = JSON.parse(Buffer.concat(pages.get(m.page)!).toString()) as { i: number }[];
    assert.equal(rows.length, m.rows);
    assert.equal(Buffer.concat(pages.get(m.page)!).length, m.size);
    assert.equal(rows[0]!.i, next);
    assert.deepEqual([m.rangeStart, m.rangeEnd], [next, next + m.rows - 1]);
    next += m.rows;
  }
  assert.equal(next, 40, 'no row lost or repeated across pages');
});

test('an empty paged result is one empty page', async () => {
  const metas: number[] = [];
  const w = new ResultWriter(1000, () => undefined, { pageBytes: 100, pageEnd: async (m) => void metas.push(m.rows) });
  w.begin();
  await w.end();
  assert.deepEqual(metas, [0]);
  assert.equal(w.pages, 1);
});

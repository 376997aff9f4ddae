// Result decoding: base64 JSON rows, and the incremental parser for streamed pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeData, decodeRows, parseJsonArrayStream } from '../src/index.js';

async function* chunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
async function all(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('decodeRows / decodeData', () => {
  const rows = [{ A: 1, B: 'x' }, { A: 2, B: null }];
  const data = Buffer.from(JSON.stringify(rows)).toString('base64');
  assert.deepEqual(decodeRows(data), rows);
  assert.deepEqual(decodeRows(data, (r) => (r as { A: number }).A * 10), [10, 20]);
  assert.deepEqual(decodeRows(undefined), []);
  assert.deepEqual(decodeRows(Buffer.from('42').toString('base64')), [42]);
  assert.equal(decodeData(Buffer.from('"é"').toString('base64')), 'é');
});

test('parseJsonArrayStream yields each element, whatever the chunk boundaries', async () => {
  const rows = [
    { A: 1, S: 'comma, bracket ] brace } quote " backslash \\ end' },
    { A: [1, [2, { x: '[' }]], B: null, C: true },
    'é ü 中文 🙂',
    -1.5e3,
    [],
    {},
  ];
  const text = ` \n${JSON.stringify(rows, null, 1)}\n `;
  for (const size of [1, 2, 3, 5, 7, 64, 100_000]) assert.deepEqual(await all(parseJsonArrayStream(chunks(text, size))), rows, `chunk size ${size}`);
  assert.deepEqual(await all(parseJsonArrayStream(chunks('[]', 1))), []);
  await assert.rejects(all(parseJsonArrayStream(chunks('{"a":1}', 3))), SyntaxError);
  await assert.rejects(all(parseJsonArrayStream(chunks('[{"a":1},{"b"', 3))), SyntaxError);
  await assert.rejects(all(parseJsonArrayStream(chunks('[1] x', 3))), SyntaxError);
});

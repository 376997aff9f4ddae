// The result page store contract (results/page-store.ts), run on the file store and the PostgreSQL one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { PageStore } from '../src/results/page-store.js';

export interface PagesHarness {
  open(): Promise<{ pages: PageStore; close(): Promise<void> }>;
}

async function bytes(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(parts);
}

/** Writes `data` as uneven chunks, as a Link's frames arrive. */
function writeChunks(pages: PageStore, queryId: string, page: number, data: Buffer) {
  const w = pages.open(queryId, page);
  for (let off = 0, n = 1; off < data.length; n++) {
    const len = Math.min(data.length - off, 1 + ((n * 7_919) % 90_000));
    w.write(data.subarray(off, off + len));
    off += len;
  }
  assert.equal(w.size, data.length);
  return w;
}

export function pagesSuite(name: string, h: PagesHarness): void {
  describe(`Result page store contract: ${name}`, () => {
    test('a page exists only once finished, and reads back byte for byte, raw and as base64 JSON', async () => {
      const { pages, close } = await h.open();
      const q = randomUUID();
      const data = randomBytes(700_000); // several 256 KiB rows in PostgreSQL
      const w = writeChunks(pages, q, 1, data);
      assert.equal(await pages.exists(q, 1), false);
      await w.finish();
      assert.equal(await pages.exists(q, 1), true);
      assert.equal(await pages.exists(q, 2), false);
      assert.ok((await bytes(pages.stream(q, 1))).equals(data));
      const body = JSON.parse((await bytes(pages.base64Body(q, 1, [{ name: '@p', value: '1' }]))).toString()) as { data: string; parameters: unknown };
      assert.ok(Buffer.from(body.data, 'base64').equals(data));
      assert.deepEqual(body.parameters, [{ name: '@p', value: '1' }]);
      const empty = pages.open(q, 2);
      await empty.finish();
      assert.equal((await bytes(pages.stream(q, 2))).length, 0);
      assert.equal(JSON.parse((await bytes(pages.base64Body(q, 2, null))).toString()).data, '');
      await close();
    });

    test('an aborted upload leaves no page; a new upload replaces the old page; remove deletes every page', async () => {
      const { pages, close } = await h.open();
      const q = randomUUID();
      const first = Buffer.from('[["first"]]');
      const w1 = pages.open(q, 1);
      w1.write(first);
      await w1.finish();
      const w2 = writeChunks(pages, q, 1, randomBytes(300_000));
      w2.abort();
      await new Promise((r) => setTimeout(r, 100));
      assert.ok((await bytes(pages.stream(q, 1))).equals(first), 'the aborted upload did not touch the finished page');
      const second = randomBytes(270_000);
      await writeChunks(pages, q, 1, second).finish();
      assert.ok((await bytes(pages.stream(q, 1))).equals(second));
      const w3 = pages.open(q, 3);
      w3.write(Buffer.from('x'));
      w3.abort();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await pages.exists(q, 3), false);
      await pages.remove(q);
      assert.equal(await pages.exists(q, 1), false);
      await pages.remove(q); // removing nothing is fine
      await close();
    });

    test('whole results are written atomically and read back; bad ids are refused', async () => {
      const { pages, close } = await h.open();
      const name = randomUUID();
      assert.equal(await pages.readWhole(name), undefined);
      await pages.writeWhole(name, Buffer.from('[1]'));
      await pages.writeWhole(name, Buffer.from('[2]'));
      assert.equal((await pages.readWhole(name))?.toString(), '[2]');
      assert.equal(await pages.readWhole('../etc/passwd'), undefined);
      await assert.rejects(async () => pages.writeWhole('../x', Buffer.from('1')), /bad id/);
      assert.throws(() => pages.open('../x', 1), /bad query id/);
      await close();
    });
  });
}

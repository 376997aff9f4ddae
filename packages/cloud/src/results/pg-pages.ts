// Result pages in PostgreSQL, so any Cloud node serves any page. A page arrives as chunks: they are stored as
// rows of at most CHUNK_BYTES under a fresh upload id while the page uploads (never the whole page in memory),
// and the page comes into existence in one transaction at finish(), replacing an older upload of it. Readers
// fetch one chunk row at a time (one read ahead), so serving a page holds a chunk or two in memory, not the page.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { PgPool } from '../store/pg-pool.js';
import { PgStore } from '../store/postgres.js';
import type { SqliteStore } from '../store/sqlite.js';
import { ResultFiles } from './files.js';
import { base64Json, SAFE_ID, type PageSink, type PageStore } from './page-store.js';

export const CHUNK_BYTES = 256 * 1024;

function checkId(queryId: string): void {
  if (!SAFE_ID.test(queryId)) throw new Error('bad query id');
}

class PgPageWriter implements PageSink {
  private readonly uploadId = randomUUID();
  private bytes = 0;
  private seq = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private failed?: Error;

  constructor(private readonly db: PgPool, private readonly queryId: string, private readonly page: number) {}

  write(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    this.bytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= CHUNK_BYTES) this.flush(false);
  }

  get size(): number {
    return this.bytes;
  }

  /** Queues full rows of CHUNK_BYTES from the pending bytes (and the short last one when `final`); rows are written in order. */
  private flush(final: boolean): void {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let off = 0;
    while (all.length - off >= CHUNK_BYTES || (final && off < all.length)) {
      const row = all.subarray(off, off + CHUNK_BYTES);
      off += row.length;
      const seq = this.seq++;
      this.chain = this.chain.then(() => this.db.run('INSERT INTO result_chunks (upload_id, seq, query_id, data) VALUES (?, ?, ?, ?)',
        [this.uploadId, seq, this.queryId, row]));
      this.chain.catch((e: Error) => (this.failed = e));
    }
    const rest = all.subarray(off);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
  }

  async finish(): Promise<void> {
    this.flush(true);
    await this.chain;
    if (this.failed) throw this.failed;
    await this.db.tx(async (t) => {
      const [old] = await t.query('SELECT upload_id FROM result_pages_done WHERE query_id = ? AND page_number = ? FOR UPDATE', [this.queryId, this.page]);
      await t.run(`INSERT INTO result_pages_done (query_id, page_number, upload_id, size) VALUES (?, ?, ?, ?)
        ON CONFLICT (query_id, page_number) DO UPDATE SET upload_id = excluded.upload_id, size = excluded.size`, [this.queryId, this.page, this.uploadId, this.bytes]);
      if (old) await t.run('DELETE FROM result_chunks WHERE upload_id = ?', [old.upload_id]);
    });
  }

  abort(): void {
    this.pending = [];
    this.pendingBytes = 0;
    void this.chain.catch(() => undefined)
      .then(() => this.db.run('DELETE FROM result_chunks WHERE upload_id = ?', [this.uploadId]))
      .catch(() => undefined); // left-over rows go with remove(queryId)
  }
}

export class PgPageStore implements PageStore {
  constructor(readonly db: PgPool) {}

  open(queryId: string, page: number): PageSink {
    checkId(queryId);
    return new PgPageWriter(this.db, queryId, page);
  }

  async exists(queryId: string, page: number): Promise<boolean> {
    if (!SAFE_ID.test(queryId)) return false;
    return (await this.db.query('SELECT 1 FROM result_pages_done WHERE query_id = ? AND page_number = ?', [queryId, page])).length > 0;
  }

  private async *chunks(queryId: string, page: number): AsyncGenerator<Buffer> {
    checkId(queryId);
    const [done] = await this.db.query('SELECT upload_id FROM result_pages_done WHERE query_id = ? AND page_number = ?', [queryId, page]);
    if (!done) throw new Error(`no page ${page} of query ${queryId}`);
    const fetch = (seq: number): Promise<Buffer | undefined> => {
      const p = this.db.query('SELECT data FROM result_chunks WHERE upload_id = ? AND seq = ?', [done.upload_id, seq]).then(([r]) => r?.data as Buffer | undefined);
      p.catch(() => undefined); // a reader that stops early leaves its read-ahead unawaited
      return p;
    };
    // One row read ahead: the next round trip overlaps with sending this row, still one or two rows in memory.
    let next = fetch(0);
    for (let seq = 0; ; seq++) {
      const data = await next;
      if (!data) {
        // The end, unless the page was replaced or removed while it was being read.
        const [still] = await this.db.query('SELECT 1 FROM result_pages_done WHERE query_id = ? AND page_number = ? AND upload_id = ?', [queryId, page, done.upload_id]);
        if (!still) throw new Error(`page ${page} of query ${queryId} was removed while it was read`);
        return;
      }
      next = fetch(seq + 1);
      yield data;
    }
  }

  stream(queryId: string, page: number): Readable {
    return Readable.from(this.chunks(queryId, page));
  }

  base64Body(queryId: string, page: number, parameters: unknown): Readable {
    return base64Json(this.chunks(queryId, page), parameters);
  }

  async remove(queryId: string): Promise<void> {
    checkId(queryId);
    await this.db.tx(async (t) => {
      await t.run('DELETE FROM result_pages_done WHERE query_id = ?', [queryId]);
      await t.run('DELETE FROM result_chunks WHERE query_id = ?', [queryId]);
    });
  }

  async writeWhole(name: string, data: Buffer): Promise<void> {
    if (!SAFE_ID.test(name)) throw new Error('bad id');
    await this.db.run(`INSERT INTO result_whole (name, data, written_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET data = excluded.data, written_at = excluded.written_at`, [name, data, new Date().toISOString()]);
  }

  async readWhole(name: string): Promise<Buffer | undefined> {
    if (!SAFE_ID.test(name)) return undefined;
    const [r] = await this.db.query('SELECT data FROM result_whole WHERE name = ?', [name]);
    return r ? (r.data as Buffer) : undefined;
  }
}

/** Where pages live for a store: in PostgreSQL with the cluster store, else in files under `dir`. */
export function pagesFor(store: SqliteStore | PgStore, dir: string): PageStore {
  return store instanceof PgStore ? new PgPageStore(store.db) : new ResultFiles(dir);
}

// Serialises rows as JSON arrays, cut into fixed-size chunks as it goes, so no result is ever held whole
// in memory. Immediate results are one array with a size limit (http 413 early); async results are
// pages of about `pageBytes`, each its own array, and the writer waits for each page to be stored
// before the next one is read from the database cursor.
import { LIMITS } from '@conduit/protocol';
import { DriverError } from './drivers/driver-error.js';

export interface PageMeta {
  page: number;
  rows: number;
  size: number;
  rangeStart: number;
  rangeEnd: number;
}

export interface WriterOptions {
  chunkBytes?: number;
  /** Paged mode: close a page once it reaches this many bytes. */
  pageBytes?: number;
  /** Paged mode: called with each finished page; the next page waits for it. */
  pageEnd?: (meta: PageMeta) => Promise<void>;
}

export class ResultWriter {
  private parts: string[] = [];
  private partBytes = 0;
  private total = 0;
  private count = 0;
  private page = 0;
  private pageOpen = false;
  private pageRows = 0;
  private pageSize = 0;
  /** The result is one value (value()), not an array of rows. */
  private scalar = false;
  private readonly chunkBytes: number;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (chunk: Buffer, page: number) => void,
    private readonly opts: WriterOptions = {},
  ) {
    this.chunkBytes = opts.chunkBytes ?? LIMITS.chunkBytes;
  }

  get rows(): number {
    return this.count;
  }
  get size(): number {
    return this.total;
  }
  get pages(): number {
    return this.page;
  }

  begin(): void {
    this.openPage();
  }

  private openPage(): void {
    this.page++;
    this.pageOpen = true;
    this.pageRows = 0;
    this.pageSize = 0;
    this.push('[');
  }

  /** Adds a row; true when the page is full and the caller must `await nextPage()`. */
  row(row: Record<string, unknown>): boolean {
    if (!this.pageOpen) this.openPage();
    for (const k in row) {
      const v = row[k];
      if (typeof v === 'bigint') row[k] = Number(v);
      else if (v instanceof Uint8Array) row[k] = Buffer.from(v).toString('base64');
    }
    this.push(this.pageRows === 0 ? JSON.stringify(row) : `,${JSON.stringify(row)}`);
    this.pageRows++;
    this.count++;
    return this.opts.pageBytes !== undefined && this.pageSize >= this.opts.pageBytes;
  }

  async nextPage(): Promise<void> {
    await this.closePage();
  }

  private async closePage(): Promise<void> {
    const meta = this.closePageNow();
    if (meta && this.opts.pageEnd) await this.opts.pageEnd(meta);
  }

  private closePageNow(): PageMeta | undefined {
    if (!this.pageOpen) return undefined;
    if (!this.scalar) this.push(']');
    this.flush();
    this.pageOpen = false;
    return { page: this.page, rows: this.pageRows, size: this.pageSize, rangeStart: this.count - this.pageRows, rangeEnd: this.count - 1 };
  }

  /**
   * A scalar result: the JSON of the value itself, as a page of one row (no array around it). The caller
   * ends it like any result (`end` or `endNow`), so a paged (async) scalar result is stored as its page.
   */
  value(v: unknown): void {
    const x = typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
    this.scalar = true;
    this.page = 1;
    this.pageOpen = true;
    this.pageRows = 1;
    this.pageSize = 0;
    this.count = 1;
    this.push(JSON.stringify(x ?? null));
  }

  async end(): Promise<void> {
    await this.closePage();
  }

  /** Ends an unpaged result without waiting. */
  endNow(): void {
    if (this.opts.pageEnd) throw new Error('endNow: a paged result waits for its last page to be stored');
    this.closePageNow();
  }

  private push(s: string): void {
    const n = Buffer.byteLength(s);
    this.total += n;
    this.pageSize += n;
    if (this.total > this.maxBytes) {
      throw new DriverError({
        errorType: 'http',
        errorCode: 413,
        errorMessage: `Query was executed successfully but the result is larger than the ${Math.round(this.maxBytes / 1048576)} MB limit for this query type. Narrow the query or use an async query.`,
      });
    }
    this.parts.push(s);
    this.partBytes += n;
    if (this.partBytes >= this.chunkBytes) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.emit(Buffer.from(this.parts.join('')), Math.max(this.page, 1));
    this.parts = [];
    this.partBytes = 0;
  }
}

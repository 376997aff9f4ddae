// Serialises rows as one JSON array, cut into fixed-size chunks as it goes, and stops at the size limit,
// so no result is ever held whole in memory and an oversized one fails early with http 413.
import { LIMITS } from '@conduit/protocol';
import { DriverError } from './drivers/driver.js';

export class ResultWriter {
  private parts: string[] = [];
  private partBytes = 0;
  private total = 0;
  private count = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (chunk: Buffer) => void,
    private readonly chunkBytes: number = LIMITS.chunkBytes,
  ) {}

  get rows(): number {
    return this.count;
  }
  get size(): number {
    return this.total;
  }

  begin(): void {
    this.push('[');
  }

  row(row: Record<string, unknown>): void {
    for (const k in row) {
      const v = row[k];
      if (typeof v === 'bigint') row[k] = Number(v);
      else if (v instanceof Uint8Array) row[k] = Buffer.from(v).toString('base64');
    }
    this.push(this.count === 0 ? JSON.stringify(row) : `,${JSON.stringify(row)}`);
    this.count++;
  }

  /** A scalar result: the JSON of the value itself. */
  value(v: unknown): void {
    const x = typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
    this.push(JSON.stringify(x ?? null));
  }

  end(): void {
    this.push(']');
    this.flush();
  }

  finish(): void {
    this.flush();
  }

  private push(s: string): void {
    const n = Buffer.byteLength(s);
    this.total += n;
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
    this.emit(Buffer.from(this.parts.join('')));
    this.parts = [];
    this.partBytes = 0;
  }
}

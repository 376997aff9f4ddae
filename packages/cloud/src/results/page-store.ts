// Where async result pages (and registered queries' latest results) are kept. One interface, two homes: files
// on the node's disk (files.ts, the single-node default) or PostgreSQL (pg-pages.ts), where every node of a
// cluster can serve every page. The file store answers synchronously; callers that await work with either.
import { Readable } from 'node:stream';

type Awaitable<T> = T | Promise<T>;

/** One page being uploaded: chunks are written as they arrive; the page exists only after finish(). */
export interface PageSink {
  write(chunk: Buffer): void;
  readonly size: number;
  finish(): Promise<void>;
  /** Drops the partial page. */
  abort(): void;
}

export interface PageStore {
  /** Starts a page, replacing any partial one left by an interrupted upload. */
  open(queryId: string, page: number): PageSink;
  exists(queryId: string, page: number): Awaitable<boolean>;
  /** The page's bytes (its JSON array), streamed. */
  stream(queryId: string, page: number): Readable;
  /** The page as the API's JSON body `{"data":"<base64>","parameters":[...]}`, encoded as it is read. */
  base64Body(queryId: string, page: number, parameters: unknown): Readable;
  /** Deletes every page of the query. */
  remove(queryId: string): Awaitable<void>;
  /** Writes a small whole result (a registered query's latest result) atomically. */
  writeWhole(name: string, data: Buffer): Awaitable<void>;
  readWhole(name: string): Awaitable<Buffer | undefined>;
}

export const SAFE_ID = /^[0-9a-f-]{36}$/;

/** Base64-encodes a byte stream into the page JSON body, 3 bytes at a time across chunk edges, never whole. */
export function base64Json(source: AsyncIterable<Buffer>, parameters: unknown): Readable {
  async function* body(): AsyncGenerator<string> {
    yield '{"data":"';
    let rest = Buffer.alloc(0);
    for await (const chunk of source) {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      const whole = buf.length - (buf.length % 3);
      yield buf.subarray(0, whole).toString('base64');
      rest = Buffer.from(buf.subarray(whole));
    }
    if (rest.length) yield rest.toString('base64');
    yield `","parameters":${JSON.stringify(parameters ?? [])}}`;
  }
  return Readable.from(body());
}

// Async result pages on local disk: each page is written chunk by chunk as it arrives (never whole in
// memory), made durable with fsync, then renamed into place, so a page file exists only complete.
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, type ReadStream } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { base64Json, SAFE_ID, type PageSink, type PageStore } from './page-store.js';
import { PRIVATE_DIR, PRIVATE_FILE, privateDir } from '../store/private-files.js';

/**
 * Writes one page. Writes and the fsync run off the event loop (chained, so they stay in order), so
 * storing a page never holds up the immediate queries the same Cloud is answering.
 */
export class PageWriter implements PageSink {
  private bytes = 0;
  private chain: Promise<unknown>;
  private failed?: Error;

  constructor(private readonly tmp: string, private readonly final: string) {
    this.chain = open(tmp, 'w', PRIVATE_FILE).then((fh) => (this.fh = fh));
    this.chain.catch((e: Error) => (this.failed = e));
  }

  private fh?: FileHandle;

  write(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    this.bytes += chunk.length;
    this.chain = this.chain.then(() => this.fh!.write(chunk));
    this.chain.catch((e: Error) => (this.failed = e));
  }

  get size(): number {
    return this.bytes;
  }

  async finish(): Promise<void> {
    await this.chain;
    await this.fh!.sync();
    await this.fh!.close();
    await rename(this.tmp, this.final);
  }

  abort(): void {
    void this.chain.then(() => this.fh?.close(), () => undefined).finally(() => rmSync(this.tmp, { force: true }));
  }
}

export class ResultFiles implements PageStore {
  constructor(private readonly root: string) {
    privateDir(root);
  }

  private dir(queryId: string): string {
    if (!SAFE_ID.test(queryId)) throw new Error('bad query id');
    return join(this.root, queryId);
  }

  private file(queryId: string, page: number): string {
    return join(this.dir(queryId), `${page}.json`);
  }

  /** Starts a page, replacing any partial one left by an interrupted upload. */
  open(queryId: string, page: number): PageWriter {
    mkdirSync(this.dir(queryId), { recursive: true, mode: PRIVATE_DIR });
    const final = this.file(queryId, page);
    return new PageWriter(`${final}.part`, final);
  }

  exists(queryId: string, page: number): boolean {
    return existsSync(this.file(queryId, page));
  }

  stream(queryId: string, page: number): ReadStream {
    return createReadStream(this.file(queryId, page));
  }

  /**
   * The page as the API's JSON body `{"data":"<base64>","parameters":[...]}`, base64-encoded while it is
   * read from disk, so a page is never held whole in memory (twice over, as a string) to answer.
   */
  base64Body(queryId: string, page: number, parameters: unknown): Readable {
    return base64Json(createReadStream(this.file(queryId, page), { highWaterMark: 3 * 21_846 }), parameters);
  }

  remove(queryId: string): void {
    rmSync(this.dir(queryId), { recursive: true, force: true });
  }

  /** Writes a small whole result (a registered query's latest result) atomically. */
  writeWhole(name: string, data: Buffer): void {
    if (!SAFE_ID.test(name)) throw new Error('bad id');
    const final = join(this.root, `${name}.json`);
    const fd = openSync(`${final}.part`, 'w', PRIVATE_FILE);
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${final}.part`, final);
  }

  readWhole(name: string): Buffer | undefined {
    if (!SAFE_ID.test(name)) return undefined;
    const f = join(this.root, `${name}.json`);
    return existsSync(f) ? readFileSync(f) : undefined;
  }
}

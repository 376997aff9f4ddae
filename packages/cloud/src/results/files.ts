// Async result pages on local disk: each page is written chunk by chunk as it arrives (never whole in
// memory), made durable with fsync, then renamed into place, so a page file exists only complete.
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';

const SAFE_ID = /^[0-9a-f-]{36}$/;

export class PageWriter {
  private bytes = 0;
  constructor(private readonly fd: number, private readonly tmp: string, private readonly final: string) {}

  write(chunk: Buffer): void {
    writeSync(this.fd, chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  finish(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.final);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}

export class ResultFiles {
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
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
    mkdirSync(this.dir(queryId), { recursive: true });
    const final = this.file(queryId, page);
    const tmp = `${final}.part`;
    return new PageWriter(openSync(tmp, 'w'), tmp, final);
  }

  exists(queryId: string, page: number): boolean {
    return existsSync(this.file(queryId, page));
  }

  read(queryId: string, page: number): Buffer {
    return readFileSync(this.file(queryId, page));
  }

  stream(queryId: string, page: number): ReadStream {
    return createReadStream(this.file(queryId, page));
  }

  remove(queryId: string): void {
    rmSync(this.dir(queryId), { recursive: true, force: true });
  }

  /** Writes a small whole result (a registered query's latest result) atomically. */
  writeWhole(name: string, data: Buffer): void {
    if (!SAFE_ID.test(name)) throw new Error('bad id');
    const final = join(this.root, `${name}.json`);
    const fd = openSync(`${final}.part`, 'w');
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

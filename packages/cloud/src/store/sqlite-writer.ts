// The SQLite store's writer thread, main side. Under load the Cloud's one thread spent a third of its
// time inside SQLite writing query records and audit events (bench/RESULTS.md: with those writes made
// no-ops the param c=32 case ran 4,797-4,989 -> 6,105-6,186 q/s). Final updates and audit events are
// bookkeeping after the answer, so they are written here, on a second connection in a worker thread;
// an insert that gates a send or an answer is written at once on the main connection when the thread has nothing
// outstanding (no hand-over for a lone query), and otherwise queued behind the thread's work, so the
// two connections never both wait to write and the order of writes is the order they were handed over.
import { Worker } from 'node:worker_threads';
import type { NewAuditEvent, QueryRecord } from './types.js';

export interface WriteRequest {
  id: number;
  inserts: QueryRecord[];
  updates: QueryRecord[];
  events: NewAuditEvent[];
}
export type WriteReply = { id: number; error?: undefined } | { id: number; error: string };

// Compiled (dist/), the thread is the compiled module; from the TypeScript sources (tests, under tsx) it
// is the .ts module with tsx registered in it and the packages resolved to their sources.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const entry = new URL(FROM_SOURCE ? './sqlite-writer-thread.ts' : './sqlite-writer-thread.js', import.meta.url);

function startThread(file: string): Worker {
  if (!FROM_SOURCE) return new Worker(entry, { workerData: { file } });
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { file }, execArgv: ['--conditions=conduit-source'] });
}

export class SqliteWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failed?: Error;
  private readonly ready: Promise<void>;
  /** Called once nothing is outstanding (close() waits for it). */
  private drained?: () => void;

  private constructor(file: string) {
    this.worker = startThread(file);
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.once('message', () => resolve()); // 'ready': its connection is open
      this.worker.once('error', reject);
    });
    this.worker.on('message', (m: WriteReply | 'ready') => {
      if (m === 'ready') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error === undefined) w.resolve();
      else w.reject(new Error(m.error));
      if (this.waiting.size === 0) this.idle();
    });
    const fail = (e: Error): void => {
      this.failed = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
      this.idle();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the store's writer thread exited (${code})`)));
  }

  static async start(file: string): Promise<SqliteWriter> {
    const w = new SqliteWriter(file);
    await w.ready;
    // Idle, it never keeps the Cloud running; with writes outstanding it does (ref'd in write()).
    w.worker.unref();
    return w;
  }

  /** Writes handed over and not yet acknowledged. */
  get outstanding(): number {
    return this.waiting.size;
  }

  /** Whether the thread can take writes (it has not failed). */
  get usable(): boolean {
    return this.failed === undefined;
  }

  write(inserts: QueryRecord[], updates: QueryRecord[], events: NewAuditEvent[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.nextId;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, inserts, updates, events } satisfies WriteRequest);
    });
  }

  private idle(): void {
    this.worker.unref();
    this.drained?.();
    this.drained = undefined;
  }

  /** Waits for what is outstanding, then ends the thread. */
  async close(): Promise<void> {
    if (this.waiting.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.worker.terminate();
  }
}

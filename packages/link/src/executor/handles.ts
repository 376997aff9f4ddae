// One executor, whatever runs it: a worker thread of the Link (the default) or a child process. The
// pool sees only this interface. Cancelling a job must really stop its statement at the database: a
// process is killed; a thread has every simulator connection it opened interrupted (sqlite3_interrupt
// through the bp-sim extension, since a thread blocked inside SQLite cannot be stopped from JavaScript)
// and is told to abort, which also makes the SQL Server driver send its attention.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Interrupter } from '@conduit/bp-sim';
import type { DriverConfig, FromExecutor, ToExecutor } from './ipc.js';

export type Transport = 'thread' | 'process';

/** What an executor says about its jobs (its connections' tokens stay with its handle). */
export type JobMessage = Exclude<FromExecutor, { t: 'opened' }>;

export interface ExecutorHandle {
  /** Process id or thread id, for diagnostics and tests. */
  readonly id: number;
  /**
   * After `cancel` the executor reports the job's end and takes the next job (a thread); otherwise
   * `cancel` kills it and 'exit' follows (a process).
   */
  readonly reusable: boolean;
  send(m: ToExecutor): void;
  /** Stops the statement of job `qid` at the database. */
  cancel(qid: string): void;
  /** Ends an executor that is idle, or whatever it runs when the Link is stopping. */
  end(): void;
  on(event: 'message', listener: (m: JobMessage) => void): this;
  on(event: 'exit', listener: (why: string) => void): this;
}

// Compiled (dist/), an executor is the compiled module run by plain node; from the TypeScript sources
// (tests, under tsx), it is the .ts module with tsx registered in it and the packages resolved to their
// sources (the "conduit-source" export condition, docs/decisions.md).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const entry = (name: string): URL => new URL(FROM_SOURCE ? `./${name}.ts` : `./${name}.js`, import.meta.url);

/**
 * A thread's young generation (V8's default lets it grow to 32 MiB): an executor's garbage is a row or a
 * chunk at a time. Four threads after 200 500-row queries: 224 -> 173-178 MiB RSS at 4 MiB, CPU per
 * query within noise (10.7-11.2 vs 10.9-11.7 ms; 2 MiB saved little more).
 */
const YOUNG_GENERATION_MB = 4;

/** Starts a worker thread on one of this folder's modules, compiled or (under tsx) from source. */
export function startThread(name: string, workerData: unknown): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (!FROM_SOURCE) return new Worker(entry(name), { workerData, resourceLimits });
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(entry(name).href)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits, execArgv: ['--conditions=conduit-source'] });
}

let interrupter: Interrupter | undefined;
/** How often a cancelled job's connections are interrupted again until it has ended. */
const REINTERRUPT_MS = 5;

// A thread is never terminated while it may be inside better-sqlite3: a statement that fails while its
// isolate is terminating aborts the whole process (better-sqlite3 12 cannot raise the error then; seen as
// "FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal" from Database::ThrowSqliteError). So a cancelled
// thread's statement is interrupted and the thread itself carries on, reports the job's end, and is
// reused; only idle threads are terminated.
class ThreadExecutor extends EventEmitter implements ExecutorHandle {
  private readonly worker: Worker;
  private readonly tokens: bigint[] = [];
  private exited = false;
  readonly id: number;
  readonly reusable = true;

  constructor(config: DriverConfig, niceness: number) {
    super();
    this.worker = startThread('thread', { niceness });
    this.id = this.worker.threadId;
    this.worker.on('message', (m: FromExecutor) => {
      if (m.t === 'opened') this.tokens.push(BigInt(m.token));
      else this.emit('message', m);
    });
    // An executor that failed outside a statement (a bug, memory) ends as an exit, like a crashed process.
    this.worker.on('error', (e) => this.exit(`error: ${e.message}`));
    this.worker.on('exit', (code) => this.exit(String(code)));
    this.worker.postMessage({ t: 'config', config } satisfies ToExecutor);
  }

  private exit(why: string): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', why);
  }

  send(m: ToExecutor): void {
    this.worker.postMessage(m);
  }

  cancel(qid: string): void {
    // Ends a wait for a page acknowledgement, and has the SQL Server driver send its attention.
    this.worker.postMessage({ t: 'abort', qid } satisfies ToExecutor);
    if (this.tokens.length === 0) return;
    // Interrupted again every few ms until the job has ended: SQLite forgets an interrupt that arrives
    // while no statement is stepping (between two statements of a batch, or before the first starts).
    const interrupt = (): void => {
      interrupter ??= new Interrupter();
      for (const t of this.tokens) interrupter.interrupt(t);
    };
    interrupt();
    const again = setInterval(interrupt, REINTERRUPT_MS);
    again.unref();
    const ended = (m: JobMessage): void => {
      if ((m.t === 'done' || m.t === 'fail') && m.qid === qid) stop();
    };
    const stop = (): void => {
      clearInterval(again);
      this.off('message', ended);
      this.off('exit', stop);
    };
    this.on('message', ended);
    this.on('exit', stop);
  }

  end(): void {
    void this.worker.terminate();
  }

  /** A thread that did not report back after a cancel: it must not keep the Link from exiting. */
  unref(): void {
    this.worker.unref();
  }
}

class ProcessExecutor extends EventEmitter implements ExecutorHandle {
  private readonly proc;
  readonly id: number;
  readonly reusable = false;

  constructor(config: DriverConfig, niceness: number) {
    super();
    this.proc = fork(fileURLToPath(entry('child')), [], {
      execArgv: FROM_SOURCE ? ['--conditions=conduit-source', '--import', import.meta.resolve('tsx')] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.id = this.proc.pid ?? -1;
    if (niceness && this.proc.pid) {
      try {
        setPriority(this.proc.pid, niceness);
      } catch {
        /* not permitted on this system: run at normal priority */
      }
    }
    this.proc.on('message', (m: FromExecutor) => {
      if (m.t !== 'opened') this.emit('message', m);
    });
    this.proc.on('exit', (code, signal) => this.emit('exit', String(code ?? signal)));
    this.proc.send({ t: 'config', config } satisfies ToExecutor);
  }

  send(m: ToExecutor): void {
    this.proc.send(m);
  }

  /** Killing the process is what stops its statement (SQLite rolls back; SQL Server sees the socket close). */
  cancel(): void {
    this.proc.kill('SIGKILL');
  }

  end(): void {
    if (this.proc.connected) this.proc.disconnect(); // it exits when its channel closes
    else this.proc.kill('SIGKILL');
  }
}

export function spawnExecutor(transport: Transport, config: DriverConfig, niceness: number): ExecutorHandle & { unref?: () => void } {
  return transport === 'thread' ? new ThreadExecutor(config, niceness) : new ProcessExecutor(config, niceness);
}

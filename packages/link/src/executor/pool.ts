// A pool of executors (worker threads by default, or processes). Each runs one command at a time; a
// command that overruns its time limit, or is cancelled, is stopped with its executor (handles.ts),
// which is then replaced.
import type { ErrorDetails } from '@conduit/protocol';
import type { PageMeta } from '../result-writer.js';
import type { Job, JobOutcome } from './job.js';
import type { DriverConfig, ToExecutor } from './ipc.js';
import { spawnExecutor, type ExecutorHandle, type JobMessage, type Transport } from './handles.js';
import { InlineRunner, type InlineOptions } from './inline.js';

interface Worker {
  proc: ExecutorHandle;
  ready: Promise<void>;
  /** Killed or exited: never given work again; a replacement takes its place. */
  dead: boolean;
  /** Its thread or process has ended. */
  exited: boolean;
  /** A cancelled job it is still winding down (threads): not free until it reports that job's end. */
  draining?: { qid: string; timer: NodeJS.Timeout; done?: () => void };
  /** Handed to a job that has not started on it yet (set synchronously, so two jobs never share it). */
  reserved: boolean;
  /** Not ready yet: not free either, so a job arriving meanwhile can still take another executor. */
  starting: boolean;
  /** Free beyond the pool's warm minimum: retired when this fires. */
  idleTimer?: NodeJS.Timeout;
  job?: {
    job: Job; resolve: (o: JobOutcome) => void; timer?: NodeJS.Timeout; remainingMs: number; runningSince: number;
    /** Page acknowledgements still awaited, oldest first. */
    pending: Promise<void>[];
    /** The executor is waiting for an acknowledgement before it reads on. */
    blocked: boolean;
  };
}

/** Pages an executor may have unacknowledged while it reads on: overlaps reading with storing. */
const PAGE_WINDOW = 2;
/**
 * A cancelled thread that has not reported its job's end by then is given up on: a fresh executor takes
 * its place, and it is ended once it does report (never while it may be inside the database driver).
 */
const DRAIN_GRACE_MS = 10_000;

export function timeoutDetails(ms: number): ErrorDetails {
  return {
    errorType: 'mssql',
    errorCode: -2,
    errorMessage: `Execution Timeout Expired. The statement ran longer than ${Math.round(ms / 1000)} s and was stopped at the database.`,
  };
}

export interface Elastic {
  /** Executors kept running while idle (the rest start when work waits and stop when idle). */
  warm: number;
  /** How long an executor beyond `warm` may stay idle before it is stopped. */
  idleMs: number;
}

export interface PoolOptions {
  /**
   * OS scheduling priority for the executors (0 normal, up to 19 lowest): background pools run niced so
   * the clinic's interactive work and immediate queries keep the CPU first.
   */
  niceness?: number;
  /**
   * By default all `size` executors run all the time; with fewer warm ones, the others are started when
   * a job would wait and stopped after idling.
   */
  elastic?: Elastic;
  /** Threads (default) or processes; see handles.ts. */
  transport?: Transport;
  /** Try each unpaged simulator job on the Link's own thread first (inline.ts), with these limits if given. */
  inline?: boolean | InlineOptions;
}

export type { Job, JobOutcome };

export class ExecutorPool {
  private readonly workers: Worker[] = [];
  private readonly waiters: ((w: Worker) => void)[] = [];
  private closed = false;
  private readonly elastic: Elastic;
  private readonly niceness: number;
  readonly transport: Transport;
  private readonly inline?: InlineRunner;

  constructor(private readonly config: DriverConfig, readonly size: number, opts: PoolOptions = {}) {
    this.elastic = opts.elastic ?? { warm: size, idleMs: 0 };
    this.niceness = opts.niceness ?? 0;
    this.transport = opts.transport ?? 'thread';
    if (opts.inline && config.kind === 'sqlite') this.inline = new InlineRunner(config.catalogues, opts.inline === true ? {} : opts.inline);
  }

  async start(): Promise<void> {
    for (let i = 0; i < Math.min(this.size, this.elastic.warm); i++) this.workers.push(this.spawn());
    await Promise.all([...this.workers.map((w) => w.ready), this.inline?.start()]);
  }

  get idle(): number {
    return this.workers.filter((w) => this.isFree(w)).length;
  }

  /** Ids (process or thread) of the live executors (for tests and diagnostics). */
  get ids(): number[] {
    return this.workers.filter((w) => !w.dead).map((w) => w.proc.id);
  }

  private spawn(): Worker {
    const proc = spawnExecutor(this.transport, this.config, this.niceness);
    let markReady!: () => void;
    let markFailed!: (e: Error) => void;
    const w: Worker = { proc, dead: false, exited: false, reserved: false, starting: true, ready: new Promise<void>((res, rej) => { markReady = res; markFailed = rej; }) };
    w.ready.catch(() => undefined);
    proc.on('message', (m: JobMessage) => {
      if (m.t === 'ready') {
        w.starting = false;
        return markReady();
      }
      if (w.draining?.qid === m.qid) {
        if (m.t === 'done' || m.t === 'fail') this.drained(w);
        return;
      }
      const cur = w.job;
      if (!cur || cur.job.qid !== m.qid) return; // late message of a job already given up
      if (m.t === 'chunk') cur.job.onChunk(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), m.page);
      else if (m.t === 'page') this.onPage(w, m.meta);
      else if (m.t === 'done') {
        if (m.tail) cur.job.onChunk(Buffer.from(m.tail.data.buffer, m.tail.data.byteOffset, m.tail.data.byteLength), m.tail.page);
        // Completion only after every page is stored, so the Cloud never sees it ahead of a page.
        const cur2 = cur;
        Promise.all(cur2.pending).then(
          () => { if (w.job === cur2) this.finish(w, { ok: true, result: m.result }); },
          () => undefined, // a failed page already ended the job
        );
      }
      else if (m.t === 'fail') this.finish(w, { ok: false, details: m.details });
    });
    proc.on('exit', (why) => {
      w.dead = true;
      w.exited = true;
      markFailed(new Error(`executor exited before it was ready (${why})`));
      const cur = w.job;
      if (cur) this.finish(w, { ok: false, details: { errorType: 'haloLink', errorCode: 500, errorMessage: `The query executor stopped unexpectedly (${why}).` } });
      this.replace(w);
    });
    return w;
  }

  /** A cancelled job has ended in its executor: the executor is free again (or ended, if given up on). */
  private drained(w: Worker): void {
    clearTimeout(w.draining?.timer);
    w.draining?.done?.();
    w.draining = undefined;
    if (w.dead) w.proc.end();
    else this.release(w);
  }

  private replace(w: Worker): void {
    clearTimeout(w.idleTimer);
    const i = this.workers.indexOf(w);
    if (i < 0 || this.closed) return;
    if (this.workers.length > this.elastic.warm && this.waiters.length === 0) {
      this.workers.splice(i, 1); // an extra executor that died is not needed now
      return;
    }
    const fresh = this.spawn();
    this.workers[i] = fresh;
    fresh.ready.then(() => this.release(fresh), () => undefined);
  }

  private finish(w: Worker, outcome: JobOutcome): void {
    const cur = w.job;
    if (!cur) return;
    clearTimeout(cur.timer);
    w.job = undefined;
    cur.resolve(outcome);
    this.release(w);
  }

  /**
   * A page is done. Up to PAGE_WINDOW pages may await their acknowledgement while the executor reads
   * on; beyond that it waits, and its execution clock stops meanwhile (upload time does not count).
   */
  private onPage(w: Worker, meta: PageMeta): void {
    const cur = w.job;
    if (!cur) return;
    const stored = (cur.job.onPage ? cur.job.onPage(meta) : Promise.resolve()).then(
      () => {
        cur.pending.shift();
        if (w.job === cur && cur.blocked) {
          cur.blocked = false;
          this.startClock(w);
          w.proc.send({ t: 'continue', qid: cur.job.qid } satisfies ToExecutor);
        }
      },
      (e: Error) => {
        if (w.job === cur) this.kill(cur.job.qid, { errorType: 'haloLink', errorCode: 502, errorMessage: `A result page could not be delivered: ${e.message}` });
        throw e;
      },
    );
    stored.catch(() => undefined);
    cur.pending.push(stored);
    if (cur.pending.length < PAGE_WINDOW) {
      w.proc.send({ t: 'continue', qid: cur.job.qid } satisfies ToExecutor);
      return;
    }
    clearTimeout(cur.timer);
    cur.remainingMs -= Date.now() - cur.runningSince;
    cur.blocked = true;
  }

  private startClock(w: Worker): void {
    const cur = w.job!;
    cur.runningSince = Date.now();
    // SQL Server cancels the statement itself at the limit; the kill is the backstop a little later.
    const grace = this.config.kind === 'mssql' ? 2000 : 0;
    cur.timer = setTimeout(() => this.kill(cur.job.qid, timeoutDetails(cur.job.timeoutMs)), Math.max(0, cur.remainingMs) + grace);
  }

  private isFree(w: Worker): boolean {
    return !w.job && !w.dead && !w.reserved && !w.starting && !w.draining;
  }

  /** Hands a free, live executor to the longest-waiting job, reserving it before anyone else looks. */
  private release(w: Worker): void {
    if (!this.isFree(w)) return;
    const next = this.waiters.shift();
    if (next) {
      w.reserved = true;
      next(w);
      return;
    }
    if (this.workers.length > this.elastic.warm && !this.closed) {
      clearTimeout(w.idleTimer);
      w.idleTimer = setTimeout(() => this.retire(w), this.elastic.idleMs);
      w.idleTimer.unref();
    }
  }

  /** Stops an idle executor beyond the warm minimum. */
  private retire(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i < 0 || !this.isFree(w) || this.workers.length <= this.elastic.warm) return;
    this.workers.splice(i, 1);
    w.dead = true;
    w.proc.end();
  }

  private acquire(): Promise<Worker> {
    const w = this.workers.find((x) => this.isFree(x));
    if (w) {
      clearTimeout(w.idleTimer);
      w.reserved = true;
      return Promise.resolve(w);
    }
    // Every executor is busy: start another if the pool may grow (it serves this job, or the next one).
    const starting = this.workers.filter((x) => x.starting && !x.dead).length;
    if (this.workers.length < this.size && starting < this.waiters.length + 1) {
      const fresh = this.spawn();
      this.workers.push(fresh);
      fresh.ready.then(() => this.release(fresh), () => undefined);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Jobs bound for the executors in this event-loop turn, and the end of the turn they wait for. */
  private turn?: { jobs: number; ended: Promise<void> };

  /**
   * Whether the Link is quiet for a job that may run on its own thread if so: it was the only job for the
   * executors in its event-loop turn (the queries of one read from the Cloud arrive in one turn), and at
   * the end of that turn no executor is running or reserved and no job waits for one.
   */
  private async quietTurn(): Promise<boolean> {
    if (!this.turn) {
      const turn = { jobs: 0, ended: new Promise<void>((r) => setImmediate(r)) };
      this.turn = turn;
      void turn.ended.then(() => {
        if (this.turn === turn) this.turn = undefined;
      });
    }
    const turn = this.turn;
    turn.jobs++;
    await turn.ended;
    return turn.jobs === 1 && this.waiters.length === 0 && !this.closed && !this.workers.some((w) => w.job || w.reserved);
  }

  /** Runs a job on the next free executor; the time limit counts from when the statement is sent. */
  async run(job: Job): Promise<JobOutcome> {
    if (this.closed) return { ok: false, details: { errorType: 'haloLink', errorCode: 503, errorMessage: 'The Link is stopping.' } };
    if (this.inline) {
      let attempt = this.inline.tryRun(job);
      if (!attempt.outcome && attempt.quietly && (await this.quietTurn())) attempt = this.inline.tryRun(job, true);
      if (attempt.outcome) return attempt.outcome;
      if (attempt.spentMs > 0) job = { ...job, timeoutMs: Math.max(1, job.timeoutMs - Math.round(attempt.spentMs)) };
    }
    const w = await this.acquire();
    return new Promise<JobOutcome>((resolve) => {
      w.reserved = false;
      w.job = { job, resolve, remainingMs: job.timeoutMs, runningSince: 0, pending: [], blocked: false };
      w.ready.then(
        () => {
          if (w.job?.job !== job) return;
          this.startClock(w);
          const msg: ToExecutor = {
            t: 'run', qid: job.qid, command: job.command, catalogue: job.catalogue, maxResultBytes: job.maxResultBytes,
            readOnly: job.readOnly, timeoutMs: job.timeoutMs, ...(job.pageBytes ? { pageBytes: job.pageBytes } : {}),
          };
          w.proc.send(msg);
        },
        () => this.finish(w, { ok: false, details: { errorType: 'haloLink', errorCode: 500, errorMessage: 'The query executor could not start.' } }),
      );
    });
  }

  /** Stops a running job at the database and resolves it with `details` at once. */
  kill(qid: string, details: ErrorDetails): boolean {
    const w = this.workers.find((x) => x.job?.job.qid === qid);
    if (!w) return false;
    // Before finish(), so the executor is not handed on to another job while it winds this one down.
    if (w.proc.reusable) {
      const timer = setTimeout(() => this.giveUp(w), DRAIN_GRACE_MS);
      timer.unref();
      w.draining = { qid, timer };
    } else w.dead = true;
    this.finish(w, { ok: false, details });
    w.proc.cancel(qid);
    return true;
  }

  /** A cancelled thread did not report back in time: replace it, and let it not hold the Link open. */
  private giveUp(w: Worker): void {
    if (!w.draining || w.dead) return;
    w.dead = true;
    (w.proc as { unref?: () => void }).unref?.();
    this.replace(w);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.inline?.close();
    // Running statements are stopped first, so no thread is ended while inside the database driver.
    for (const w of this.workers) if (w.job) this.kill(w.job.job.qid, { errorType: 'haloLink', errorCode: 503, errorMessage: 'The Link is stopping.' });
    await Promise.all(this.workers.map((w) => new Promise<void>((res) => {
      if (!w.draining) return res();
      w.draining.done = res;
      setTimeout(res, 2000).unref();
    })));
    await Promise.all(this.workers.map((w) => new Promise<void>((res) => {
      if (w.exited) return res();
      w.proc.on('exit', () => res());
      w.proc.end();
    })));
  }
}

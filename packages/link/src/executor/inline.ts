// Runs a simulator statement on the Link's main thread when that is safe and cheap, which saves the
// hand-over to an executor and back (two thread wake-ups, ~65 µs on a small VM, more than the statement
// itself for a lookup by key). Safe: it runs on a read-only connection, so it can have no effect, and
// the watchdog interrupts it after BUDGET_MS, when it is run again on an executor with the rest of its
// time. Cheap: a statement text that was interrupted, that took longer than TYPICAL_MS three times
// running, or that needed to write, goes straight to the executors from then on (a slow one for a while,
// see FIRST_SLOW_MS; a writing one for good). Results are held until the statement has finished, so an
// interrupted attempt has sent nothing. A text sent away as slow but still under QUIET_MS may run here
// when the Link is quiet (the pool decides: no other statement waits or runs), since then the thread it
// holds has nothing else to do.
import { STATEMENT_INTERRUPTED } from '@conduit/bp-sim';
import { SqliteDriver } from '../drivers/sqlite.js';
import { DriverError } from '../drivers/driver-error.js';
import { ResultWriter } from '../result-writer.js';
import type { Job, JobOutcome } from './job.js';
import { Watchdog } from './watchdog.js';

/** An attempt is interrupted after this long and handed to an executor. */
export const BUDGET_MS = 20;
/**
 * A text's first run here also translates its T-SQL and prepares its statements, with the JIT cold
 * (15 ms measured for a lookup by key that then takes 0.1 ms): it gets a longer budget and its time
 * does not count against it.
 */
export const FIRST_RUN_BUDGET_MS = 100;
/** A statement text whose run takes longer than this is left to the executors from then on. */
export const TYPICAL_MS = 2;
/**
 * A slow text whose last run here took at most this long may still run here when the Link is quiet: a
 * 500-row read of ~100 KB (2-3 ms) answered 0.6-1 ms sooner here than on an executor thread at
 * concurrency 1 (two thread wake-ups, a colder isolate with a smaller young generation). The budget still
 * applies, so a quiet run that grew slow is interrupted and handed on like any other.
 */
export const QUIET_MS = 10;
/** Statement texts remembered as not for this thread (oldest forgotten first). */
const REMEMBERED = 1024;
/** Runs in a row over TYPICAL_MS after which a text is left to the executors. */
const STRIKES = 3;
/**
 * How long a text found slow stays with the executors: 5 s the first time, four times longer each time
 * it is found slow again, up to 5 min. A quick statement can look slow while the JIT is cold or the
 * machine busy, and that must not send it away for long; a slow one is only tried here again now and
 * then. A text that writes stays with the executors.
 */
const FIRST_SLOW_MS = 5_000;
const MAX_SLOW_MS = 5 * 60_000;

export interface InlineOptions {
  budgetMs?: number;
  typicalMs?: number;
  firstSlowMs?: number;
  quietMs?: number;
}

export type InlineAttempt =
  | { outcome: JobOutcome }
  /**
   * Not run here (or given up): run it on an executor, with `spentMs` of its time limit used. `quietly`:
   * it may run here if the Link is quiet (tryRun again with `quiet`).
   */
  | { outcome?: undefined; spentMs: number; quietly?: boolean };

export class InlineRunner {
  private readonly driver: SqliteDriver;
  private readonly watchdog = new Watchdog();
  /**
   * Statement texts that are too slow here, or write: until when, for how long the last time, and how long
   * their runs here take (Infinity for writes and interrupted runs; quiet runs move it a quarter of the way
   * to their time, so one run slowed by a pause does not end its quiet runs).
   */
  private readonly elsewhere = new Map<string, { until: number; forMs: number; ms: number }>();
  private readonly budgetMs: number;
  private readonly typicalMs: number;
  private readonly firstSlowMs: number;
  private readonly quietMs: number;
  /** Statement texts whose last run(s) here took longer than TYPICAL_MS, and how many in a row. */
  private readonly strikes = new Map<string, number>();
  /** Statement texts that have run here (the most recent REMEMBERED). */
  private readonly seen = new Set<string>();
  private usable = true;

  constructor(catalogues: Record<string, string>, opts: InlineOptions = {}) {
    this.budgetMs = opts.budgetMs ?? BUDGET_MS;
    this.typicalMs = opts.typicalMs ?? TYPICAL_MS;
    this.firstSlowMs = opts.firstSlowMs ?? FIRST_SLOW_MS;
    this.quietMs = opts.quietMs ?? QUIET_MS;
    this.driver = new SqliteDriver({
      catalogues,
      onOpen: (token) => {
        // More connections than the watchdog can watch: stop running here rather than run unwatched.
        if (!this.watchdog.watch(token)) this.usable = false;
      },
    });
  }

  async start(): Promise<void> {
    await this.watchdog.start();
    // Opened now, so no statement's budget pays for opening a connection.
    this.driver.openAll(true);
  }

  private remember(key: string, ms: number, writes = false): void {
    this.strikes.delete(key);
    const before = this.elsewhere.get(key);
    this.elsewhere.delete(key);
    if (this.elsewhere.size >= REMEMBERED) this.elsewhere.delete(this.elsewhere.keys().next().value!);
    const forMs = writes ? Number.POSITIVE_INFINITY : Math.min(MAX_SLOW_MS, before ? before.forMs * 4 : this.firstSlowMs);
    this.elsewhere.set(key, { until: Date.now() + forMs, forMs, ms });
  }

  /** The verdict sending the text to the executors, if it holds (a slow verdict that has run out lets it try here again). */
  private sentAway(key: string): { until: number; forMs: number; ms: number } | undefined {
    const e = this.elsewhere.get(key);
    return e !== undefined && e.until > Date.now() ? e : undefined;
  }

  private timed(key: string, ms: number): void {
    if (ms <= this.typicalMs) {
      this.strikes.delete(key);
      return;
    }
    const n = (this.strikes.get(key) ?? 0) + 1;
    if (n >= STRIKES) return this.remember(key, ms);
    if (this.strikes.size >= REMEMBERED) this.strikes.delete(this.strikes.keys().next().value!);
    this.strikes.set(key, n);
  }

  /**
   * Runs the job here if it is for here, to its end, without yielding to the event loop (so no other
   * statement can start on this thread meanwhile, and the watchdog watches exactly this one). `quiet`: the
   * caller found nothing else waiting or running, so a slow text under QUIET_MS may run here too.
   */
  tryRun(job: Job, quiet = false): InlineAttempt {
    const key = `${job.catalogue ?? ''}\u0000${job.command.type}\u0000${job.command.text}`;
    if (!this.usable || job.pageBytes !== undefined) return { spentMs: 0 };
    const away = this.sentAway(key);
    if (away && !(quiet && away.ms <= this.quietMs)) return { spentMs: 0, ...(away.ms <= this.quietMs ? { quietly: true } : {}) };
    const chunks: { data: Buffer; page: number }[] = [];
    const out = new ResultWriter(job.maxResultBytes, (data, page) => void chunks.push({ data, page }));
    const first = !this.seen.has(key);
    if (first) {
      if (this.seen.size >= REMEMBERED) this.seen.delete(this.seen.values().next().value!);
      this.seen.add(key);
    }
    const budgetMs = first ? Math.max(this.budgetMs, FIRST_RUN_BUDGET_MS) : this.budgetMs;
    const started = performance.now();
    this.watchdog.arm(budgetMs);
    try {
      const result = this.driver.runNow({ command: job.command, catalogue: job.catalogue, readOnly: true, timeoutMs: job.timeoutMs }, out);
      // A quiet run keeps the text's slow verdict; its time decides whether it may run quietly again.
      if (away) away.ms += (performance.now() - started - away.ms) / 4;
      else if (!first) this.timed(key, performance.now() - started);
      for (const c of chunks) job.onChunk(c.data, c.page);
      return { outcome: { ok: true, result: { ...result, size: out.size, pages: out.pages } } };
    } catch (e) {
      const spentMs = performance.now() - started;
      if (!(e instanceof DriverError)) return { spentMs };
      const { errorType, errorCode } = e.details;
      if (errorType === 'mssql' && errorCode === STATEMENT_INTERRUPTED) {
        // Interrupted before its budget: the watchdog fired for the statement before this one. Not slow.
        // A quiet run stopped at its budget (a pause of the machine, or the text has grown slow) moves its
        // smoothed time toward the budget: a few in a row end its quiet runs, one does not. It counts as the
        // budget, not as the time until the stop landed, which a busy machine can stretch many times over.
        if (spentMs >= budgetMs) {
          if (away) away.ms += (budgetMs - away.ms) / 4;
          else this.remember(key, Number.POSITIVE_INFINITY);
        }
        return { spentMs };
      }
      // It tried to write: run it where writes are allowed (a read-only integration gets this refusal).
      if (errorType === 'mssql' && errorCode === 3906 && !job.readOnly) {
        this.remember(key, Number.POSITIVE_INFINITY, true);
        return { spentMs };
      }
      // Any other failure is the statement's own (the same on any connection): it is the answer.
      return { outcome: { ok: false, details: e.details } };
    } finally {
      this.watchdog.disarm();
    }
  }

  close(): void {
    this.watchdog.close();
    this.driver.close();
  }
}

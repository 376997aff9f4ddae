// The main thread's side of the statement watchdog: arm before a statement, disarm after. See
// watchdog-thread.ts for the other side.
import type { Worker } from 'node:worker_threads';
import { startThread } from './handles.js';
import { cellsOf, DEADLINE, MAX_TOKENS, newCells, PARKED, STATE, TICK, TOKEN0, TOKENS, type Cells } from './watchdog-cells.js';

export class Watchdog {
  private readonly sab = newCells();
  private readonly cells: Cells = cellsOf(this.sab);
  private thread?: Worker;

  async start(): Promise<void> {
    this.thread = startThread('watchdog-thread', { cells: this.sab });
    await new Promise<void>((resolve, reject) => {
      this.thread!.once('message', () => resolve()); // 'ready': its loop is about to start
      this.thread!.once('error', reject);
    });
    // It never keeps the Link running on its own.
    this.thread.unref();
  }

  /** A connection whose statements are to be interrupted at the deadline; false when there are too many. */
  watch(token: bigint): boolean {
    const { ints, bigs } = this.cells;
    const n = Atomics.load(ints, TOKENS);
    if (n >= MAX_TOKENS) return false;
    Atomics.store(bigs, TOKEN0 + n, token);
    Atomics.store(ints, TOKENS, n + 1);
    return true;
  }

  arm(budgetMs: number): void {
    const { ints, bigs } = this.cells;
    // Deadline first: the watchdog never sees a running statement with an old deadline.
    // Date.now() is whole milliseconds, so without the +1 an interrupt could come up to 1 ms before the
    // budget has passed, and the caller would take it for an interrupt meant for an earlier statement.
    Atomics.store(bigs, DEADLINE, BigInt(Date.now() + budgetMs + 1));
    Atomics.store(ints, STATE, 1);
    if (Atomics.load(ints, PARKED) === 1) {
      Atomics.store(ints, PARKED, 0);
      Atomics.notify(ints, PARKED);
    }
  }

  disarm(): void {
    Atomics.store(this.cells.ints, STATE, 0);
  }

  close(): void {
    const { ints } = this.cells;
    Atomics.store(ints, STATE, 2);
    Atomics.store(ints, PARKED, 0);
    Atomics.notify(ints, PARKED);
    Atomics.notify(ints, TICK);
  }
}

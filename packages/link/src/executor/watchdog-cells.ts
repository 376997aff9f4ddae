// The memory the Link's main thread shares with its statement watchdog (watchdog.ts, watchdog-thread.ts).
// Written with Atomics only, so arming the watchdog for a statement costs a few stores and no message.

/** Int32 cells. */
export const STATE = 0; // 0 idle, 1 a statement runs, 2 closing
export const PARKED = 1; // 1 while the watchdog sleeps until woken
export const TOKENS = 2; // how many connection tokens follow
export const TICK = 3; // never written: the watchdog sleeps on it for its poll interval
export const INT_CELLS = 8;

/** BigInt64 cells, after the Int32 ones. */
export const DEADLINE = 0; // epoch ms at which the running statement is interrupted
export const TOKEN0 = 1;
export const MAX_TOKENS = 15;

export interface Cells {
  ints: Int32Array;
  bigs: BigInt64Array;
}

export function cellsOf(sab: SharedArrayBuffer): Cells {
  return { ints: new Int32Array(sab, 0, INT_CELLS), bigs: new BigInt64Array(sab, INT_CELLS * 4, TOKEN0 + MAX_TOKENS) };
}

export const newCells = (): SharedArrayBuffer => new SharedArrayBuffer(INT_CELLS * 4 + (TOKEN0 + MAX_TOKENS) * 8);

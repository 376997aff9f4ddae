// The statement watchdog's thread. While the main thread runs statements it wakes every POLL_MS and
// interrupts one that has passed its deadline (sqlite3_interrupt by token: the main thread is inside
// SQLite and cannot stop itself). After PARK_AFTER_MS without statements it sleeps until woken, so an
// idle Link costs nothing.
import { parentPort, workerData } from 'node:worker_threads';
import { Interrupter } from '@conduit/bp-sim';
import { cellsOf, DEADLINE, PARKED, STATE, TICK, TOKEN0, TOKENS } from './watchdog-cells.js';

const POLL_MS = 5;
const PARK_AFTER_MS = 2000;

const { ints, bigs } = cellsOf((workerData as { cells: SharedArrayBuffer }).cells);
const interrupter = new Interrupter();
let lastActive = Date.now();
parentPort!.postMessage('ready');

for (;;) {
  const state = Atomics.load(ints, STATE);
  if (state === 2) break;
  const now = Date.now();
  if (state === 1) {
    lastActive = now;
    // Again at every poll until the statement ends: SQLite forgets an interrupt that arrives while no
    // statement is stepping (between two statements of a batch, or before the first has started).
    if (BigInt(now) >= Atomics.load(bigs, DEADLINE)) {
      const n = Atomics.load(ints, TOKENS);
      for (let i = 0; i < n; i++) interrupter.interrupt(Atomics.load(bigs, TOKEN0 + i));
    }
  } else if (now - lastActive > PARK_AFTER_MS) {
    Atomics.store(ints, PARKED, 1);
    // Checked after parking is announced: a statement armed in between is seen here, or wakes us.
    if (Atomics.load(ints, STATE) === 0) Atomics.wait(ints, PARKED, 1);
    Atomics.store(ints, PARKED, 0);
    lastActive = Date.now();
    continue;
  }
  Atomics.wait(ints, TICK, 0, POLL_MS);
}
interrupter.close();

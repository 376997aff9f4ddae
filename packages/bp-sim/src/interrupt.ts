// Stopping a running statement from another thread: the simulator's counterpart of the TDS attention
// signal a SQL Server client sends to cancel a batch. better-sqlite3 has no interrupt, so a small SQLite
// extension (native/conduit_interrupt.c, compiled by the build into dist/native/) gives each connection
// a process-wide token and lets any other connection call sqlite3_interrupt() on it. Without a C
// compiler the extension is absent: `interruptSupported()` says so and callers fall back (the Link then
// runs statements in executor processes and kills them instead).
import Database from 'better-sqlite3';
import { nativeExtension } from './native-extension.js';

const extension = nativeExtension('conduit_interrupt');
/** The compiled extension. Entry point: sqlite3_conduitinterrupt_init. */
export const INTERRUPT_EXTENSION = extension.path;

/** Whether statements of this process's simulator connections can be interrupted. */
export function interruptSupported(): boolean {
  return extension.built();
}

/** Loads the extension into a connection; its token, or undefined when the extension is not built. */
export function enableInterrupt(raw: Database.Database): bigint | undefined {
  if (!interruptSupported()) return undefined;
  raw.loadExtension(INTERRUPT_EXTENSION);
  const row = raw.prepare('SELECT conduit_interrupt_token() AS t').safeIntegers(true).get() as { t: bigint };
  return row.t;
}

/**
 * Interrupts statements of other connections (any thread) by token. Holds one in-memory connection of
 * its own with the extension loaded; one per thread that needs it. interrupt() is a few microseconds.
 */
export class Interrupter {
  private readonly raw: Database.Database;
  private readonly stmt: Database.Statement<[bigint], { found: number }>;

  /** Throws when the extension is not built (check `interruptSupported()` first). */
  constructor() {
    if (!interruptSupported()) throw new Error(`the statement interrupt extension is not built (${INTERRUPT_EXTENSION})`);
    this.raw = new Database(':memory:');
    this.raw.loadExtension(INTERRUPT_EXTENSION);
    this.stmt = this.raw.prepare('SELECT conduit_interrupt(?) AS found');
  }

  /** Stops what the connection with this token is running; false when no such connection is open. */
  interrupt(token: bigint): boolean {
    return this.stmt.get(token)!.found === 1;
  }

  close(): void {
    this.raw.close();
  }
}

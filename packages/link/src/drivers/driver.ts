// The PMS driver interface. A driver runs one command against the practice database and streams the
// first result set as JSON bytes through a ResultWriter; it runs inside an executor (thread or process).
import type { Command, ResultParameter } from '@conduit/protocol';
import type { ResultWriter } from '../result-writer.js';

export interface DriverRequest {
  command: Command;
  catalogue?: string;
  /** Use a connection the database itself keeps read-only. */
  readOnly: boolean;
  /** Statement time limit; drivers that can cancel at the server do so themselves. */
  timeoutMs?: number;
}

export interface DriverResult {
  rows?: number;
  rowsAffected?: number;
  parameters: ResultParameter[];
  /** ms from handing the command to the database until the last row was read. */
  sqlExecutionDuration: number;
}

export interface Driver {
  run(req: DriverRequest, out: ResultWriter): Promise<DriverResult>;
  /**
   * Stops the statement in progress at the database, if the driver can do it from its own thread (SQL
   * Server: a TDS attention). The simulator's statements are interrupted from outside instead.
   */
  cancel?(): void;
  close(): void;
}

/** A failure that goes back to the integrator as errorDetails (driver-error.ts). */
export { DriverError } from './driver-error.js';

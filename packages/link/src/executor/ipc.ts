// Messages between the Link and its executors (threads or processes).
import type { Command, ErrorDetails } from '@conduit/protocol';
import type { DriverResult } from '../drivers/driver.js';
import type { PageMeta } from '../result-writer.js';

import type { MssqlOptions } from '../drivers/mssql.js';

export type DriverConfig =
  | { kind: 'sqlite'; catalogues: Record<string, string> }
  | ({ kind: 'mssql' } & MssqlOptions);

export type ToExecutor =
  /** First message: the driver configuration (sent over IPC, not the environment, as it may hold logins). */
  | { t: 'config'; config: DriverConfig }
  | { t: 'run'; qid: string; command: Command; catalogue?: string; maxResultBytes: number; readOnly: boolean; pageBytes?: number; timeoutMs: number }
  /** The page the executor reported is stored: read on. */
  | { t: 'continue'; qid: string }
  /** The job is cancelled: stop waiting for page acknowledgements, stop the statement, report its end. */
  | { t: 'abort'; qid: string };

export type JobResult = DriverResult & { size: number; pages: number };

export type FromExecutor =
  | { t: 'ready' }
  /** A simulator connection was opened: its interrupt token (a bigint, as text), so the Link can stop it. */
  | { t: 'opened'; token: string }
  | { t: 'chunk'; qid: string; page: number; data: Uint8Array }
  | { t: 'page'; qid: string; meta: PageMeta }
  /** `tail`: the result's last chunk, carried here rather than in its own message (one IPC hop less per query). */
  | { t: 'done'; qid: string; result: JobResult; tail?: { page: number; data: Uint8Array } }
  | { t: 'fail'; qid: string; details: ErrorDetails };

// Messages between the Link and its executor processes.
import type { Command, ErrorDetails } from '@conduit/protocol';
import type { DriverResult } from '../drivers/driver.js';
import type { PageMeta } from '../result-writer.js';

export interface DriverConfig {
  kind: 'sqlite';
  catalogues: Record<string, string>;
}

export type ToExecutor =
  | { t: 'run'; qid: string; command: Command; catalogue?: string; maxResultBytes: number; readOnly: boolean; pageBytes?: number }
  /** The page the executor reported is stored: read on. */
  | { t: 'continue'; qid: string };

export type JobResult = DriverResult & { size: number; pages: number };

export type FromExecutor =
  | { t: 'ready' }
  | { t: 'chunk'; qid: string; page: number; data: Uint8Array }
  | { t: 'page'; qid: string; meta: PageMeta }
  | { t: 'done'; qid: string; result: JobResult }
  | { t: 'fail'; qid: string; details: ErrorDetails };

// A statement to run, as the Link hands it to its executors, and how it ended.
import type { Command, ErrorDetails } from '@conduit/protocol';
import type { PageMeta } from '../result-writer.js';
import type { JobResult } from './ipc.js';

export interface Job {
  qid: string;
  command: Command;
  catalogue?: string;
  maxResultBytes: number;
  timeoutMs: number;
  /** Run on the read-only database connection: any write fails at the database. */
  readOnly: boolean;
  onChunk: (data: Buffer, page: number) => void;
  /** Paged results: page size, and a callback that resolves once the page is stored. */
  pageBytes?: number;
  onPage?: (meta: PageMeta) => Promise<void>;
}

export type JobOutcome =
  | { ok: true; result: JobResult }
  | { ok: false; details: ErrorDetails };

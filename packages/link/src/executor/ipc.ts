// Messages between the Link and its executor processes.
import type { Command, ErrorDetails } from '@conduit/protocol';
import type { DriverResult } from '../drivers/driver.js';

export interface DriverConfig {
  kind: 'sqlite';
  catalogues: Record<string, string>;
}

export type ToExecutor =
  | { t: 'run'; qid: string; command: Command; catalogue?: string; maxResultBytes: number; readOnly: boolean };

export type FromExecutor =
  | { t: 'ready' }
  | { t: 'chunk'; qid: string; data: Uint8Array }
  | { t: 'done'; qid: string; result: DriverResult & { size: number } }
  | { t: 'fail'; qid: string; details: ErrorDetails };

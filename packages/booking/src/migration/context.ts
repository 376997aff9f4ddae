// What the migration's pages and operator API are given by the booking server (one object, built in
// server.ts). In its own module so the pages can name it without importing the router that imports them.
import type { ServerResponse } from 'node:http';
import type { BookingStore, Practice } from '../booking/store.js';
import type { MigrationControl } from './control.js';
import type { MigrationStore, MinimumVersion } from './stages.js';
import type { WaveRunner, WaveStore } from './waves.js';
import type { ConnectorHub } from '../pms/connector-hub.js';
import type { Raw } from '../web/html.js';

export type PairOutcome = { ok: true; practice: Practice } | { ok: false; error: string; wait?: number };

export interface MigrationPagesContext {
  product: string;
  store: BookingStore;
  migration: MigrationControl;
  migrationStore: MigrationStore;
  waves: WaveStore;
  runner: WaveRunner;
  connectors: ConnectorHub;
  minimum: MinimumVersion;
  /** The operator's credential; without it the operator pages and API answer 503. */
  operatorToken?: string;
  send(res: ServerResponse, status: number, title: string, body: Raw): void;
  redirect(res: ServerResponse, to: string): void;
  /** Pairs with Conduit (Site ID + pairing code), keeping a Connector practice's record. */
  pair(bpSiteId: string, code: string): Promise<PairOutcome>;
  /** What to tell the practice for each `PairOutcome` error code. */
  pairErrors: Record<string, string>;
  onError(e: unknown): void;
}

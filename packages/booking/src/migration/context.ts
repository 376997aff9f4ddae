// What the migration's pages and operator API are given (one object, built in setup.ts). In its own
// module so the pages can name it without importing the router that imports them.
import type { ServerResponse } from 'node:http';
import type { ConnectorHub } from '../pms/connector-hub.js';
import type { Raw } from '../web/html.js';
import type { Page } from '../web/chrome.js';
import type { BookingSide } from './booking-side.js';
import type { MigrationControl } from './control.js';
import type { MigrationStore, MinimumVersion } from './stages.js';
import type { WaveRunner, WaveStore } from './waves.js';

export interface MigrationPagesContext {
  /** The booking product, as far as the migration may see it. */
  booking: BookingSide;
  migration: MigrationControl;
  migrationStore: MigrationStore;
  waves: WaveStore;
  runner: WaveRunner;
  connectors: ConnectorHub;
  minimum: MinimumVersion;
  /** The operator's credential; without it the operator pages and API answer 503. */
  operatorToken?: string;
  send(res: ServerResponse, status: number, title: string, body: Raw): void;
  show(res: ServerResponse, page: Page): void;
  redirect(res: ServerResponse, to: string): void;
  onError(e: unknown): void;
}

// What the booking product's pages are given by server.ts: its store and services, one object.
import type { ConduitClient } from '@conduit/sdk';
import type { PmsAccess } from '../pms/types.js';
import type { ConnectorHub } from '../pms/connector-hub.js';
import type { Pages } from '../web/http.js';
import type { BookingStore } from './store.js';
import type { BookingPlacer } from './bookings.js';
import type { Monitor } from './monitor.js';
import type { PairOutcome } from './pairing.js';

export interface BookingContext {
  product: string;
  store: BookingStore;
  /** Every Best Practice call: Conduit, the Connector, or the migration's choice between them per practice. */
  pms: PmsAccess;
  client: ConduitClient;
  connectors: ConnectorHub;
  placer: BookingPlacer;
  monitor: Monitor;
  pages: Pages;
  /** Days of free times offered. */
  days: number;
  pair(bpSiteId: string, code: string): Promise<PairOutcome>;
  pairErrors: Record<string, string>;
  onError(e: unknown): void;
}

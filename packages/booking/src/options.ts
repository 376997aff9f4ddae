// How the booking server is started (BookingOptions) and what it gives back (RunningBooking).
import type { BookingStore } from './booking/store.js';
import type { Monitor } from './booking/monitor.js';
import type { ConnectorHub } from './pms/connector-hub.js';
import type { RoutedAccess } from './pms/access.js';
import type { MigrationControl } from './migration/control.js';
import type { MigrationStore } from './migration/stages.js';
import type { WaveRunner, WaveStore } from './migration/waves.js';
import type { MigrationOptions } from './migration/setup.js';

export interface BookingOptions {
  port?: number;
  host?: string;
  dataFile: string;
  conduit: { baseUrl: string; apiKey: string };
  productName?: string;
  /** Where integrators/patients reach this server (for display and webhook setup); default the listening URL. */
  publicUrl?: string;
  /** Seconds between runs of the change monitor's registered query (default 60). */
  monitorFrequencyS?: number;
  /** The webhook signing secret the Cloud gave this integrator; without it POST /webhooks/conduit answers 503. */
  webhookSecret?: string | readonly string[];
  /** Days of free times offered (default 14). */
  days?: number;
  /** Unconfirmed bookings (see bookings.ts): how long one may still reach the practice (default 150 s), and how often they are checked (default 3 s). */
  bookings?: { settleMs?: number; checkIntervalMs?: number };
  onError?: (err: unknown) => void;
  /** The product's own endpoint for legacy Connector agents (WebSocket on `path`, default /connector). */
  connector?: { path?: string; requestTimeoutMs?: number };
  /**
   * The staged move from the Connector to Conduit. When `enabled`, each practice's stage decides its
   * backend (see migration/control.ts); otherwise every call goes through `access` (Conduit by default).
   */
  migration?: MigrationOptions;
}

export interface RunningBooking {
  url: string;
  port: number;
  store: BookingStore;
  monitor: Monitor;
  /** The legacy Connectors' endpoint: register practice tokens, request, retire. */
  connectors: ConnectorHub;
  /** Every Best Practice call; `access.choose(siteId)` picks Conduit or the Connector per practice (default Conduit). */
  access: RoutedAccess;
  /** Per-practice migration stages: `advance`, `revert`, `status`; serves the calls when `migration.enabled`. */
  migration: MigrationControl;
  migrationStore: MigrationStore;
  /** The operator's waves and their cohorts. */
  waves: WaveStore;
  /** Moves wave members on when their checks pass (started only when `migration.enabled`). */
  waveRunner: WaveRunner;
  /** Sets or rotates the webhook secret at run time. */
  setWebhookSecret(secret: string | readonly string[]): void;
  close(): Promise<void>;
}

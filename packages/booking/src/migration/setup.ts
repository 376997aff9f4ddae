// Builds the staged migration for the booking server: its store, the per-practice stages
// (MigrationControl), the waves and their runner, and the routes of its pages and operator API.
import type Database from 'better-sqlite3';
import type { ConduitClient } from '@conduit/sdk';
import type { ConnectorHub } from '../pms/connector-hub.js';
import type { PmsAccess } from '../pms/types.js';
import type { Pages, Route } from '../web/http.js';
import { BEST_PRACTICE, type BookingSide } from './booking-side.js';
import { MigrationControl } from './control.js';
import { conduitReadiness } from './readiness.js';
import { migrationRoutes } from './routes.js';
import { DEFAULT_MINIMUM, MigrationStore, type MinimumVersion, type ReadinessFacts } from './stages.js';
import { WaveRunner, WaveStore } from './waves.js';

export interface MigrationOptions {
  enabled?: boolean;
  minimum?: MinimumVersion;
  minComparisons?: number;
  errorThreshold?: number;
  errorWindowMs?: number;
  /** Overrides how readiness facts are found (default: the practice's Conduit site and this server's pairing). */
  facts?: (practiceId: string) => Promise<ReadinessFacts>;
  /** The wave runner: how often it checks, and the minimum time in shadow and in conduit before moving on. */
  waves?: { intervalMs?: number; shadowSoakMs?: number; conduitSoakMs?: number; parallel?: number };
  /** The operator's credential for /operator and /api/operator (Bearer header or the sign-in form); without it they answer 503. */
  operatorToken?: string;
}

export interface MigrationDeps {
  /** The booking product's database file, which the migration's tables share. */
  db: Database.Database;
  booking: BookingSide;
  client: ConduitClient;
  connectors: ConnectorHub;
  conduit: PmsAccess;
  connector: PmsAccess;
  pages: Pages;
  onError(e: unknown): void;
}

export interface Migration {
  control: MigrationControl;
  store: MigrationStore;
  waves: WaveStore;
  runner: WaveRunner;
  /** The practice's migration page, the operator's pages and API (ahead of the product's own routes). */
  routes: Route;
}

export function setUpMigration(d: MigrationDeps, m: MigrationOptions = {}): Migration {
  const { booking, connectors } = d;
  const store = new MigrationStore(d.db);
  // A practice onboarded through Conduit directly (no Connector registered, no stage recorded) is not
  // moving: Conduit serves it whatever the migration says.
  const conduitOnly = (key: string): boolean => {
    const p = booking.practiceBySite(key);
    return p !== undefined && p.siteId === p.conduitSiteId && !connectors.isRegistered(key) && store.since(key) === null;
  };
  const control = new MigrationControl({ conduitOnly,
    store, hub: connectors, conduit: d.conduit, connector: d.connector, facts: m.facts ?? conduitReadiness(d),
    minimum: m.minimum, minComparisons: m.minComparisons, errorThreshold: m.errorThreshold, errorWindowMs: m.errorWindowMs,
  });
  const waves = new WaveStore(d.db);
  /** Best Practice practices that came through the Connector take part in the waves; other PMSs keep it. */
  const eligible = (): string[] => booking.practices().filter((p) => p.pms === BEST_PRACTICE && p.siteId !== p.conduitSiteId).map((p) => p.siteId);
  const runner = new WaveRunner({
    waves, migration: { status: (k) => control.status(k), advance: (k, actor, reason) => control.advance(k, actor, reason), probe: (k) => control.probe(k) },
    eligible, inShadow: () => store.stages().filter((s) => s.stage === 'shadow').map((s) => s.practice),
    stageSince: (k) => store.since(k), shadowSoakMs: m.waves?.shadowSoakMs, conduitSoakMs: m.waves?.conduitSoakMs,
    intervalMs: m.waves?.intervalMs, parallel: m.waves?.parallel, onError: d.onError,
  });
  const routes = migrationRoutes({
    booking, migration: control, migrationStore: store, waves, runner, connectors, minimum: m.minimum ?? DEFAULT_MINIMUM,
    operatorToken: m.operatorToken, send: d.pages.send, show: d.pages.show, redirect: d.pages.redirect, onError: d.onError,
  });
  return { control, store, waves, runner, routes };
}

// The demo's second practice, for trying the move from the legacy Connector to Conduit: its own
// simulated Bp database, Conduit Link and local "Setup third-party integrations" screen (the booking
// product not ticked: the person does that as part of the move), registered in the booking product as
// a Connector practice, with the Connector agent running in-process on a token made fresh each run.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { RunningBooking } from '@conduit/booking';
import { createPracticeDatabase, recordIntegrationLogin } from '@conduit/bp-sim';
import { ConnectorAgent, DEFAULT_LOGIN_NAME, type AgentState } from '@conduit/connector';
import { Link, readSiteInfo, startLocalUi, type LocalUi } from '@conduit/link';

/** The Connector practice's key at the booking product (the practice id its agent sends). */
export const CONNECTOR_PRACTICE_KEY = 'demo-connector';
const PRACTICE_NAME = 'Harbourside Medical Centre';
const SITE_IDS = ['20417', '20418'] as const;
const PATIENTS = 800;
const WEEKS = 8;

/** The wave runner's interval and the time a wave member spends in shadow and in conduit, short for a demo. */
export const DEMO_WAVES = { intervalMs: 5_000, shadowSoakMs: 60_000, conduitSoakMs: 60_000 } as const;

/** The booking product's migration settings for the demo. */
export function demoMigration(operatorToken: string): { enabled: true; operatorToken: string; waves: typeof DEMO_WAVES } {
  return { enabled: true, operatorToken, waves: DEMO_WAVES };
}

export const newSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Creates the second practice's database when missing: smaller than the first, its own seed, Site ID
 * and name. Records the Connector's login (ticked) so its tick box shows on the practice screen; an
 * existing database keeps the tick the person left it with.
 */
export function ensureConnectorDatabase(dir: string, firstSiteId: string, seed: number): string {
  const database = join(dir, 'practice-connector.db');
  if (!existsSync(database)) {
    console.log(`Creating the Connector practice's database (${PATIENTS} patients, ${WEEKS} weeks)…`);
    createPracticeDatabase(database, {
      patients: PATIENTS, weeks: WEEKS, seed: seed + 1, startDate: new Date().toISOString().slice(0, 10),
      siteId: SITE_IDS.find((s) => s !== firstSiteId)!, practiceName: PRACTICE_NAME,
    });
  }
  recordIntegrationLogin(database, DEFAULT_LOGIN_NAME);
  return database;
}

/** Its Conduit Link and local practice screen; Bookwell is left unticked there. */
export async function startConnectorPracticeLink(dir: string, database: string, cloud: { url: string; publicKey: string }, logLevel: string): Promise<{ link: Link; ui: LocalUi }> {
  const link = new Link({
    cloudUrl: cloud.url,
    stateFile: join(dir, 'link-connector-state.db'),
    driver: { kind: 'sqlite', catalogues: { Patients: database } },
    site: readSiteInfo(database),
    cloudPublicKey: cloud.publicKey,
    logger: pino({ name: 'conduit-link-connector-practice', level: logLevel }, pino.destination(2)),
    backoff: { initialMinMs: 200, initialMaxMs: 1000 },
  });
  await link.start();
  await link.waitUntilConnected(15_000);
  const ui = await startLocalUi(link, { port: 0, infoFile: join(dir, 'link-connector-state.db.ui.json') });
  return { link, ui };
}

export interface ConnectorPractice {
  /** The practice's number at the booking product (its pages' addresses). */
  id: number;
  name: string;
  bpSiteId: string;
  migrationUrl: string;
  /** Undefined once the practice's Connector has been retired (the move is complete). */
  agent: ConnectorAgent | undefined;
  stop(): Promise<void>;
}

/**
 * Registers the practice as a Connector practice (stable key), sets a fresh Connector token and runs
 * the agent in-process against the booking product's /connector endpoint. A retired Connector stays
 * off: the move is final.
 */
export async function startConnectorPractice(booking: RunningBooking, database: string, logLevel: string): Promise<ConnectorPractice> {
  const site = readSiteInfo(database);
  const practice = booking.store.upsertConnectorPractice({ key: CONNECTOR_PRACTICE_KEY, bpSiteId: site.pmsSiteId, name: site.practiceName });
  const migrationUrl = `${booking.url.replace(/\/$/, '')}/practices/${practice.id}/migration`;
  let agent: ConnectorAgent | undefined;
  if (!booking.connectors.info(CONNECTOR_PRACTICE_KEY).retired) {
    const token = newSecret();
    booking.connectors.setToken(CONNECTOR_PRACTICE_KEY, token);
    const verbose = ['trace', 'debug', 'info'].includes(logLevel);
    let online: (() => void) | undefined;
    const connected = new Promise<void>((r) => { online = r; });
    agent = new ConnectorAgent({
      url: `${booking.url.replace(/^http/, 'ws').replace(/\/$/, '')}${booking.connectors.path}`,
      practiceId: CONNECTOR_PRACTICE_KEY,
      token,
      databaseFile: database,
      log: verbose ? (m) => console.error(`conduit-connector: ${m}`) : undefined,
      onStateChange: (s: AgentState) => {
        if (s === 'online' || s === 'unauthorised' || s === 'retired' || s === 'stopped') online?.();
        if (s === 'unauthorised') console.error('conduit-connector: the booking product refused the demo Connector');
        if (s === 'retired') console.log(`The Connector of ${site.practiceName} was retired by ${booking.url}: the move to Conduit is complete.`);
      },
    });
    agent.start();
    const wait = setTimeout(() => online?.(), 10_000);
    await connected;
    clearTimeout(wait);
  }
  return {
    id: practice.id, name: site.practiceName, bpSiteId: site.pmsSiteId, migrationUrl, agent,
    stop: async () => {
      if (!agent) return;
      agent.stop();
      await agent.done();
    },
  };
}

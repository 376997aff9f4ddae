// The demo's second practice, for trying the move from the legacy Connector to Conduit: its own
// simulated Bp database, Conduit Link and local "Setup third-party integrations" screen (the booking
// product not ticked: the person does that as part of the move), registered in the booking product as
// a Connector practice, with `conduit connector` running on a token made fresh each run.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BookingStore, ConnectorHub } from '@conduit/booking';
import { createPracticeDatabase, recordIntegrationLogin } from '@conduit/bp-sim';
import { DEFAULT_LOGIN_NAME, EXIT_CODES } from '@conduit/connector';
import { readSiteInfo } from '@conduit/link';
import type { Supervisor } from '../supervisor.js';

/** The Connector practice's key at the booking product (the practice id its agent sends). */
export const CONNECTOR_PRACTICE_KEY = 'demo-connector';
const PRACTICE_NAME = 'Harbourside Medical Centre';
const SITE_IDS = ['20417', '20418'] as const;
const PATIENTS = 800;
const WEEKS = 8;

/** The wave runner's interval and the time a wave member spends in shadow and in conduit, short for a demo. */
export const DEMO_WAVES = { intervalMs: 5_000, shadowSoakMs: 60_000, conduitSoakMs: 60_000 } as const;

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

const REFUSED = 'conduit-connector: the booking product refused the demo Connector';

export interface ConnectorPractice {
  /** The practice's number at the booking product (its pages' addresses). */
  id: number;
  name: string;
  bpSiteId: string;
  migrationUrl: string;
  /** The Connector's token for this run; undefined once its Connector has been retired (the move is complete). */
  token: string | undefined;
}

/**
 * Registers the practice as a Connector practice (stable key) in the booking product's store and sets
 * a fresh Connector token, before the booking product starts (it reads its tokens at start). A
 * retired Connector stays off: the move is final.
 */
export function prepareConnectorPractice(bookingData: string, database: string, bookingUrl: string): ConnectorPractice {
  const site = readSiteInfo(database);
  const store = new BookingStore(bookingData);
  try {
    const practice = store.upsertConnectorPractice({ key: CONNECTOR_PRACTICE_KEY, bpSiteId: site.pmsSiteId, name: site.practiceName });
    const hub = new ConnectorHub({ db: store.db });
    let token: string | undefined;
    if (!hub.info(CONNECTOR_PRACTICE_KEY).retired) {
      token = newSecret();
      hub.setToken(CONNECTOR_PRACTICE_KEY, token);
    }
    hub.close();
    return { id: practice.id, name: site.practiceName, bpSiteId: site.pmsSiteId, migrationUrl: `${bookingUrl}/practices/${practice.id}/migration`, token };
  } finally {
    store.close();
  }
}

/**
 * `conduit connector` against the booking product's /connector endpoint (its token in the environment,
 * never the arguments); resolves once it is online, refused, or after 10 s. Its lines go to stderr only
 * at a verbose log level; a retirement ends it for good and is announced.
 */
export async function startConnector(sup: Supervisor, practice: ConnectorPractice, bookingUrl: string, database: string, logLevel: string): Promise<void> {
  if (practice.token === undefined) return;
  const verbose = ['trace', 'debug', 'info'].includes(logLevel);
  const part = sup.start({
    name: `the Connector of ${practice.name}`,
    args: ['connector', '--url', `${bookingUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/connector`, '--practice', CONNECTOR_PRACTICE_KEY, '--database', database],
    env: { CONDUIT_CONNECTOR_TOKEN: practice.token },
    showStderr: verbose,
    // Refused (a wrong token or practice) and bad settings would fail the same way again.
    finalCodes: [EXIT_CODES.unauthorised, EXIT_CODES.usage],
    onFinalExit: (code, p) => {
      if (code === 0 && /retired by the product/.test(p.err)) console.log(`The Connector of ${practice.name} was retired by ${bookingUrl}: the move to Conduit is complete.`);
      if (code === EXIT_CODES.unauthorised) console.error(REFUSED);
    },
  });
  const first = await part.waitFor(/online: connected|refused by the product|retired by the product/, 10_000, 'err').catch(() => undefined);
  if (first?.[0] === 'refused by the product') console.error(REFUSED);
}

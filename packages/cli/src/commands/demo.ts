// `conduit demo`: the whole system in one process — Cloud, a simulated practice with its Link, and a
// demo integrator — with everything an integrator needs printed and written to .conduit/demo.json.
// A second simulated practice starts on the booking product's legacy Connector, to try its move to
// Conduit (demo-connector.ts).
import { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { startCloud, createIntegrator, hashKey, configureWebhook } from '@conduit/cloud';
import { startBooking } from '@conduit/booking';
import { Link, readSiteInfo, startLocalUi } from '@conduit/link';
import { createPracticeDatabase } from '@conduit/bp-sim';
import { envInt, envStr, parseIntOption } from '../env.js';
import { onShutdown } from '../shutdown.js';
import { progressReporter } from './bp-sim.js';
import { DEMO_WAVES, demoMigration, ensureConnectorDatabase, newSecret, startConnectorPractice, startConnectorPracticeLink } from './demo-connector.js';

export interface DemoInfo {
  baseUrl: string;
  apiKey: string;
  integratorId: string;
  practiceManagementSiteId: string;
  siteId: string;
  databaseFile: string;
  practiceScreenUrl: string;
  bookingUrl: string;
  /** The second practice, on the legacy Connector: its Bp Site ID, database, screen and migration page. */
  connectorPracticeName: string;
  connectorPracticeSiteId: string;
  connectorPracticeDatabaseFile: string;
  secondPracticeScreenUrl: string;
  connectorPracticeUrl: string;
  /** The booking product's migration dashboard (its operator token is printed, never written). */
  operatorDashboardUrl: string;
}

/** The booking product's name: also its integrator's name, which the practice ticks as "<name> (via Conduit)". */
export const BOOKING_PRODUCT = 'Bookwell';

interface DemoOptions {
  port?: number;
  dataDir?: string;
  patients: number;
  weeks: number;
  seed: number;
}

export async function runDemo(o: DemoOptions): Promise<{ info: DemoInfo; operatorToken: string; close: () => Promise<void> }> {
  const dir = resolve(o.dataDir ?? envStr('CONDUIT_DEMO_DIR', '.conduit'));
  mkdirSync(dir, { recursive: true });
  const logLevel = envStr('CONDUIT_LOG_LEVEL', 'warn');
  const database = join(dir, 'practice.db');
  if (!existsSync(database)) {
    console.log(`Creating the simulated practice database (${o.patients} patients, ${o.weeks} weeks)…`);
    const progress = progressReporter();
    createPracticeDatabase(database, { patients: o.patients, weeks: o.weeks, seed: o.seed, startDate: new Date().toISOString().slice(0, 10) }, progress.update);
    progress.stop();
  }
  const connectorDatabase = ensureConnectorDatabase(dir, readSiteInfo(database).pmsSiteId, o.seed);
  const cloud = await startCloud({
    port: o.port ?? envInt('PORT', envInt('CONDUIT_PORT', 8080)),
    host: envStr('CONDUIT_HOST', '127.0.0.1'),
    dataDir: join(dir, 'cloud'),
    logLevel,
  });
  // Reuse the demo integrator of an earlier run when its key still works, so scripts keep their key.
  const infoFile = join(dir, 'demo.json');
  let integrator: { id: string; apiKey: string } | undefined;
  if (existsSync(infoFile)) {
    const prev = JSON.parse(readFileSync(infoFile, 'utf8')) as Partial<DemoInfo>;
    if (prev.apiKey && (await cloud.store.integratorByKeyHash(hashKey(prev.apiKey)))) integrator = { id: prev.integratorId!, apiKey: prev.apiKey };
  }
  integrator ??= await createIntegrator(cloud.store, 'Demo Integrator');
  // The booking product is an integrator of its own, kept across runs like the demo integrator.
  let booking: { id: string; apiKey: string } | undefined;
  if (existsSync(infoFile)) {
    const prev = JSON.parse(readFileSync(infoFile, 'utf8')) as { booking?: { id: string; apiKey: string } };
    if (prev.booking?.apiKey && (await cloud.store.integratorByKeyHash(hashKey(prev.booking.apiKey)))) booking = prev.booking;
  }
  booking ??= await createIntegrator(cloud.store, BOOKING_PRODUCT);
  const link = new Link({
    cloudUrl: cloud.url,
    stateFile: join(dir, 'link-state.db'),
    driver: { kind: 'sqlite', catalogues: { Patients: database } },
    site: readSiteInfo(database),
    cloudPublicKey: cloud.publicKey,
    logger: pino({ name: 'conduit-link', level: logLevel }, pino.destination(2)),
    backoff: { initialMinMs: 200, initialMaxMs: 1000 },
  });
  await link.start();
  await link.waitUntilConnected(15_000);
  const ui = await startLocalUi(link, { port: envInt('CONDUIT_LINK_UI_PORT', 0), infoFile: join(dir, 'link-state.db.ui.json') });
  // The demo integrator goes through the practice's own flow: ticked (read-write, so the booking
  // product can write), a pairing code generated at the Link, and pair-site with the Site ID and code.
  const current = link.integrations.get(integrator.id);
  if (!current?.enabled || current.access !== 'readwrite') await link.integrations.save(integrator.id, { enabled: true, access: 'readwrite' });
  const paired = await fetch(`${cloud.url}/integrator/sites?practiceManagementSiteId=${encodeURIComponent(link.pmsSiteId)}&practiceManagementName=Best%20Practice`, { headers: { 'ocp-apim-subscription-key': integrator.apiKey } });
  const visible = ((await paired.json()) as { sites?: unknown[] }).sites ?? [];
  if (visible.length === 0) {
    const code = await link.integrations.pairingCode(integrator.id);
    const res = await fetch(`${cloud.url}/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice&pairingCode=${encodeURIComponent(code.code)}`, { method: 'POST', headers: { 'ocp-apim-subscription-key': integrator.apiKey } });
    if (res.status !== 200) throw new Error(`demo pairing failed: ${res.status} ${await res.text()}`);
  }
  // The practice has ticked the booking product (read-write, so it can book); pairing it is left to the
  // person trying the demo: a code from the practice's screen, entered in the booking product.
  const bookingIntegration = link.integrations.get(booking.id);
  if (!bookingIntegration?.enabled || bookingIntegration.access !== 'readwrite') await link.integrations.save(booking.id, { enabled: true, access: 'readwrite' });
  // The second practice's Link and screen; the booking product is not ticked there (part of the move).
  const second = await startConnectorPracticeLink(dir, connectorDatabase, cloud, logLevel);
  // A fresh operator token each run: printed once, never written.
  const operatorToken = newSecret();
  const bookingApp = await startBooking({
    port: envInt('BOOKING_PORT', 0), dataFile: join(dir, 'booking.db'), conduit: { baseUrl: cloud.url, apiKey: booking.apiKey },
    productName: BOOKING_PRODUCT, monitorFrequencyS: 60, migration: demoMigration(operatorToken),
  });
  const connectorPractice = await startConnectorPractice(bookingApp, connectorDatabase, logLevel);
  const { secret } = await configureWebhook(cloud.store, booking.id, `${bookingApp.url.replace(/\/$/, '')}/webhooks/conduit`);
  bookingApp.setWebhookSecret(secret);
  const info: DemoInfo = {
    baseUrl: cloud.url,
    apiKey: integrator.apiKey,
    integratorId: integrator.id,
    practiceManagementSiteId: readSiteInfo(database).pmsSiteId,
    siteId: link.siteId!,
    databaseFile: database,
    practiceScreenUrl: ui.url,
    bookingUrl: bookingApp.url,
    connectorPracticeName: connectorPractice.name,
    connectorPracticeSiteId: connectorPractice.bpSiteId,
    connectorPracticeDatabaseFile: connectorDatabase,
    secondPracticeScreenUrl: second.ui.url,
    connectorPracticeUrl: connectorPractice.migrationUrl,
    operatorDashboardUrl: `${bookingApp.url.replace(/\/$/, '')}/operator/migration`,
  };
  writeFileSync(infoFile, `${JSON.stringify({ ...info, booking: { id: booking.id, apiKey: booking.apiKey } }, null, 2)}\n`, { mode: 0o600 });
  return {
    info,
    operatorToken,
    close: async () => {
      await connectorPractice.stop();
      await bookingApp.close();
      await second.ui.close();
      await second.link.stop();
      await ui.close();
      await link.stop();
      await cloud.close();
    },
  };
}

export function printDemo(info: DemoInfo, infoFile: string, operatorToken?: string): void {
  const body = JSON.stringify({ command: { text: 'SELECT TOP 5 InternalID, Firstname, Surname, DOB FROM BPS_Patients ORDER BY Surname' } });
  console.log(`
Conduit demo is running.

  Base URL            ${info.baseUrl}
  API key             ${info.apiKey}
  Integrator ID       ${info.integratorId}
  Bp Site ID          ${info.practiceManagementSiteId}
  Halo GUID (siteId)  ${info.siteId}
  Practice database   ${info.databaseFile}
  Practice screen     ${info.practiceScreenUrl}  ("Setup third-party integrations")
  Booking product     ${info.bookingUrl}  (${BOOKING_PRODUCT}; connect the practice at ${info.bookingUrl.replace(/\/$/, '')}/practices/connect)

Written to ${infoFile}. Try an immediate query:

  curl -s -X POST '${info.baseUrl}/integrator/sites/${info.siteId}/queries/immediate' \\
    -H 'Ocp-Apim-Subscription-Key: ${info.apiKey}' -H 'Content-Type: application/json' \\
    -d '${body}'

To try the booking product: open the practice screen, select "${BOOKING_PRODUCT} (via Conduit)" and
press Generate pairing code; enter the Site ID and code in ${BOOKING_PRODUCT}'s "Enable Conduit
integration" page; then book an appointment as a patient.
${operatorToken === undefined ? '' : migrationTryOut(info, operatorToken)}
Press Ctrl+C to stop.`);
}

/** The move of the second practice from the legacy Connector to Conduit, for the printout. */
function migrationTryOut(info: DemoInfo, operatorToken: string): string {
  return `
A second practice, ${info.connectorPracticeName} (Bp Site ID ${info.connectorPracticeSiteId}), reaches ${BOOKING_PRODUCT} through its legacy Connector:

  Operator dashboard  ${info.operatorDashboardUrl}  (operator token ${operatorToken}, new each run)
  Its migration page  ${info.connectorPracticeUrl}
  Its practice screen ${info.secondPracticeScreenUrl}

To try its move to Conduit: sign in to the dashboard with the token, open its migration page and follow
its steps on its practice screen (tick "${BOOKING_PRODUCT} (via Conduit)" read-write beside the ticked
"${BOOKING_PRODUCT} Connector", Save, generate a pairing code, paste the Site ID and code, Connect). Then press
Advance on the dashboard, which moves it one stage at once (in shadow, once a read has been compared:
every ${DEMO_WAVES.intervalMs / 1000} s the server compares one on its behalf), or schedule a wave there (checked every
${DEMO_WAVES.intervalMs / 1000} s; ${DEMO_WAVES.shadowSoakMs / 60_000} min in shadow and ${DEMO_WAVES.conduitSoakMs / 60_000} min in conduit before each move on). Unticking
"${BOOKING_PRODUCT} Connector" before the move is complete shows the practice a warning.
`;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run Cloud, a simulated practice with its Link, and a demo integrator in one process')
    .option('--port <n>', 'HTTP port (env PORT)', (v) => parseIntOption(v, '--port'))
    .option('--data-dir <dir>', 'folder for all demo state (env CONDUIT_DEMO_DIR)', undefined)
    .option('--patients <n>', 'patients in a new practice database', (v) => parseIntOption(v, '--patients'), 5000)
    .option('--weeks <n>', 'weeks of appointments in a new practice database', (v) => parseIntOption(v, '--weeks'), 26)
    .option('--seed <n>', 'random seed for a new practice database', (v) => parseIntOption(v, '--seed'), 1)
    .action(async (o: DemoOptions) => {
      const demo = await runDemo(o);
      printDemo(demo.info, join(resolve(o.dataDir ?? envStr('CONDUIT_DEMO_DIR', '.conduit')), 'demo.json'), demo.operatorToken);
      onShutdown(demo.close);
    });
}

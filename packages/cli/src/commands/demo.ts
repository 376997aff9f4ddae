// `conduit demo`: the whole system on one machine, each part in its own process as deployed — the
// Cloud, a simulated practice with its Link, and a demo integrator — with everything an integrator
// needs printed and written to .conduit/demo.json. A second simulated practice starts on the booking
// product's legacy Connector, to try its move to Conduit (demo-connector.ts). The parts are the CLI's
// own commands (`conduit cloud`, `link`, `booking`, `connector`), looked after by supervisor.ts.
import { Command } from 'commander';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SqliteStore, createIntegrator, hashKey, configureWebhook, storeFile } from '@conduit/cloud';
import { readSiteInfo } from '@conduit/link';
import { createPracticeDatabase } from '@conduit/bp-sim';
import { envInt, envStr, parseIntOption, PORT } from '../env.js';
import { onShutdown } from '../shutdown.js';
import { DEMO_FILE, demoDir, readDemoFile, type DemoInfo } from '../demo-file.js';
import { callLink, readLinkUi } from '../link-api.js';
import { Supervisor, type Part } from '../supervisor.js';
import { progressReporter } from './bp-sim.js';
import { DEMO_WAVES, ensureConnectorDatabase, newSecret, prepareConnectorPractice, startConnector } from './demo-connector.js';

export type { DemoInfo } from '../demo-file.js';

/** The booking product's name: also its integrator's name, which the practice ticks as "<name> (via Conduit)". */
export const BOOKING_PRODUCT = 'Bookwell';

interface DemoOptions {
  port?: number;
  dataDir?: string;
  patients: number;
  weeks: number;
  seed: number;
}

type Key = { id: string; apiKey: string };

/** A port free now on the host, for a part that must keep its address across restarts. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The demo integrator and the booking product's integrator (reused from an earlier run when their
 * keys still work, so scripts keep their key), and the booking product's webhook — set in the Cloud's
 * store before the Cloud starts, as `conduit admin` would.
 */
async function prepareCloud(dataDir: string, infoFile: string, webhookUrl: string): Promise<{ integrator: Key; booking: Key; webhookSecret: string }> {
  const store = new SqliteStore(storeFile(dataDir));
  try {
    const prev = existsSync(infoFile) ? readDemoFile(infoFile) : {};
    const reuse = async (k: Partial<Key> | undefined): Promise<Key | undefined> =>
      k?.id && k.apiKey && (await store.integratorByKeyHash(hashKey(k.apiKey))) ? { id: k.id, apiKey: k.apiKey } : undefined;
    const integrator = (await reuse({ id: prev.integratorId, apiKey: prev.apiKey })) ?? (await createIntegrator(store, 'Demo Integrator'));
    const booking = (await reuse(prev.booking)) ?? (await createIntegrator(store, BOOKING_PRODUCT));
    const { secret } = await configureWebhook(store, booking.id, webhookUrl);
    return { integrator: { id: integrator.id, apiKey: integrator.apiKey }, booking: { id: booking.id, apiKey: booking.apiKey }, webhookSecret: secret };
  } finally {
    await store.close();
  }
}

/** `conduit link` for a simulated practice; resolves once it is connected and its screen is up. */
export async function startLink(sup: Supervisor, name: string, o: { cloudUrl: string; cloudKey: string; database: string; state: string; uiPort: number }): Promise<{ part: Part; siteId: string; screenUrl: string }> {
  const part = sup.start({
    name,
    args: ['link', '--cloud', o.cloudUrl, '--cloud-key', o.cloudKey, '--database', o.database, '--state', o.state, '--ui-port', String(o.uiPort)],
  });
  const [connected, screen] = await Promise.all([part.waitFor(/Link connected: site (\S+)/), part.waitFor(/Setup third-party integrations: (\S+)/)]);
  return { part, siteId: connected[1]!, screenUrl: screen[1]! };
}

/**
 * The demo integrator goes through the practice's own flow at its Link: ticked (read-write, so the
 * booking product can write), a pairing code generated, and pair-site with the Site ID and code. The
 * booking product is ticked read-write too; pairing it is left to the person trying the demo.
 */
async function tickAndPair(stateFile: string, cloudUrl: string, integrator: Key, bookingId: string, pmsSiteId: string): Promise<void> {
  const ui = readLinkUi(stateFile);
  const listed = (await callLink(ui, 'GET', '/api/integrations')) as { integrations: { integratorId: string; enabled: boolean; access: string }[] };
  const tick = async (id: string): Promise<void> => {
    const current = listed.integrations.find((i) => i.integratorId === id);
    if (!current?.enabled || current.access !== 'readwrite') await callLink(ui, 'PUT', `/api/integrations/${id}`, { enabled: true, access: 'readwrite' });
  };
  await tick(integrator.id);
  const paired = await fetch(`${cloudUrl}/integrator/sites?practiceManagementSiteId=${encodeURIComponent(pmsSiteId)}&practiceManagementName=Best%20Practice`, { headers: { 'ocp-apim-subscription-key': integrator.apiKey } });
  const visible = ((await paired.json()) as { sites?: unknown[] }).sites ?? [];
  if (visible.length === 0) {
    const code = (await callLink(ui, 'POST', `/api/integrations/${integrator.id}/pairing-code`)) as { siteId: string; code: string };
    const res = await fetch(`${cloudUrl}/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice&pairingCode=${encodeURIComponent(code.code)}`, { method: 'POST', headers: { 'ocp-apim-subscription-key': integrator.apiKey } });
    if (res.status !== 200) throw new Error(`demo pairing failed: ${res.status} ${await res.text()}`);
  }
  await tick(bookingId);
}

export interface RunningDemo {
  info: DemoInfo;
  operatorToken: string;
  supervisor: Supervisor;
  close: () => Promise<void>;
}

export async function runDemo(o: DemoOptions): Promise<RunningDemo> {
  const dir = demoDir(o.dataDir);
  mkdirSync(dir, { recursive: true });
  const logLevel = envStr('CONDUIT_LOG_LEVEL', 'warn');
  const host = envStr('CONDUIT_HOST', '127.0.0.1');
  const database = join(dir, 'practice.db');
  if (!existsSync(database)) {
    console.log(`Creating the simulated practice database (${o.patients} patients, ${o.weeks} weeks)…`);
    const progress = progressReporter();
    createPracticeDatabase(database, { patients: o.patients, weeks: o.weeks, seed: o.seed, startDate: new Date().toISOString().slice(0, 10) }, progress.update);
    progress.stop();
  }
  const pmsSiteId = readSiteInfo(database).pmsSiteId;
  const connectorDatabase = ensureConnectorDatabase(dir, pmsSiteId, o.seed);
  // Ports are fixed before the parts start, so a part restarted after a crash keeps its address.
  const requested = o.port ?? envInt('PORT', envInt('CONDUIT_PORT', 8080, PORT), PORT);
  const [cloudPort, uiPort, secondUiPort, bookingPort] = await Promise.all([
    requested === 0 ? freePort(host) : requested,
    envInt('CONDUIT_LINK_UI_PORT', 0, PORT) || freePort(),
    freePort(),
    envInt('BOOKING_PORT', 0, PORT) || freePort(),
  ]);
  const bookingUrl = `http://127.0.0.1:${bookingPort}`;
  const infoFile = join(dir, DEMO_FILE);
  const keys = await prepareCloud(join(dir, 'cloud'), infoFile, `${bookingUrl}/webhooks/conduit`);
  // A fresh operator token each run: printed once, never written.
  const operatorToken = newSecret();
  const bookingData = join(dir, 'booking.db');
  const connectorPractice = prepareConnectorPractice(bookingData, connectorDatabase, bookingUrl);

  const sup = new Supervisor({ CONDUIT_LOG_LEVEL: logLevel });
  try {
    const cloud = sup.start({ name: 'the Cloud', args: ['cloud', '--port', String(cloudPort), '--host', host, '--data-dir', join(dir, 'cloud')] });
    const cloudUrl = (await cloud.waitFor(/listening on (\S+)/))[1]!;
    const cloudKey = (await cloud.waitFor(/--cloud-key\): (\S+)/))[1]!;
    const linkState = join(dir, 'link-state.db');
    const secondState = join(dir, 'link-connector-state.db');
    const [link, second, bookingApp] = await Promise.all([
      startLink(sup, "the practice's Link", { cloudUrl, cloudKey, database, state: linkState, uiPort }),
      // The second practice's Link and screen; the booking product is not ticked there (part of the move).
      startLink(sup, `the Link of ${connectorPractice.name}`, { cloudUrl, cloudKey, database: connectorDatabase, state: secondState, uiPort: secondUiPort }),
      startBooking(sup, { cloudUrl, apiKey: keys.booking.apiKey, port: bookingPort, data: bookingData, operatorToken, webhookSecret: keys.webhookSecret }),
    ]);
    await tickAndPair(linkState, cloudUrl, keys.integrator, keys.booking.id, pmsSiteId);
    await startConnector(sup, connectorPractice, bookingApp, connectorDatabase, logLevel);
    const info: DemoInfo = {
      baseUrl: cloudUrl,
      apiKey: keys.integrator.apiKey,
      integratorId: keys.integrator.id,
      practiceManagementSiteId: pmsSiteId,
      siteId: link.siteId,
      databaseFile: database,
      linkStateFile: linkState,
      practiceScreenUrl: link.screenUrl,
      bookingUrl: bookingApp,
      connectorPracticeName: connectorPractice.name,
      connectorPracticeSiteId: connectorPractice.bpSiteId,
      connectorPracticeDatabaseFile: connectorDatabase,
      connectorPracticeLinkStateFile: secondState,
      secondPracticeScreenUrl: second.screenUrl,
      connectorPracticeUrl: connectorPractice.migrationUrl,
      operatorDashboardUrl: `${bookingApp.replace(/\/$/, '')}/operator/migration`,
    };
    writeFileSync(infoFile, `${JSON.stringify({ ...info, booking: keys.booking }, null, 2)}\n`, { mode: 0o600 });
    sup.watching = true;
    return { info, operatorToken, supervisor: sup, close: () => sup.stop() };
  } catch (e) {
    await sup.stop();
    throw e;
  }
}

/** `conduit booking` for the demo: the operator token and webhook secret go in its environment, never its arguments. */
async function startBooking(sup: Supervisor, o: { cloudUrl: string; apiKey: string; port: number; data: string; operatorToken: string; webhookSecret: string }): Promise<string> {
  const hours = (ms: number): string => String(ms / 3600_000);
  const part = sup.start({
    name: `the booking product (${BOOKING_PRODUCT})`,
    args: ['booking', '--port', String(o.port), '--data', o.data, '--product-name', BOOKING_PRODUCT, '--monitor-frequency', '60', '--migration',
      '--wave-interval', String(DEMO_WAVES.intervalMs / 1000), '--shadow-soak-hours', hours(DEMO_WAVES.shadowSoakMs), '--conduit-soak-hours', hours(DEMO_WAVES.conduitSoakMs)],
    env: { CONDUIT_URL: o.cloudUrl, CONDUIT_API_KEY: o.apiKey, BOOKING_OPERATOR_TOKEN: o.operatorToken, BOOKING_WEBHOOK_SECRET: o.webhookSecret },
  });
  return (await part.waitFor(/Booking product listening on (\S+)/))[1]!;
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
    .description('run the Cloud, a simulated practice with its Link, a demo integrator and the booking product, each in its own process')
    .option('--port <n>', 'HTTP port of the Cloud (env PORT or CONDUIT_PORT; default 8080)', (v) => parseIntOption(v, '--port', PORT))
    .option('--data-dir <dir>', 'folder for all demo state (env CONDUIT_DEMO_DIR)', undefined)
    .option('--patients <n>', 'patients in a new practice database', (v) => parseIntOption(v, '--patients'), 5000)
    .option('--weeks <n>', 'weeks of appointments in a new practice database', (v) => parseIntOption(v, '--weeks'), 26)
    .option('--seed <n>', 'random seed for a new practice database', (v) => parseIntOption(v, '--seed'), 1)
    .action(async (o: DemoOptions) => {
      const demo = await runDemo(o);
      printDemo(demo.info, join(demoDir(o.dataDir), DEMO_FILE), demo.operatorToken);
      onShutdown(demo.close);
    });
}

// `conduit link`: the clinic agent on its own, next to the practice database.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Link, DriverConfig, ExecutorTransport } from '@conduit/link';
import type { SiteInfo } from '@conduit/protocol';
import { linkIntegrationsCommand } from './link-integrations.js';
import { envInt, envStr, parseIntOption, PORT, POSITIVE, type IntRange } from '../env.js';

/** The Cloud keeps a pairing code at most 7 days (practice/control.ts). */
const PAIRING_TTL_HOURS: IntRange = { min: 1, max: 168 };
import { onShutdown } from '../shutdown.js';
import { sqliteAccessProblem } from '../file-access.js';

export interface LinkRunOptions {
  cloud: string;
  database: string;
  state?: string;
  uiPort?: number;
  pairingTtlHours?: number;
  cloudKey?: string;
  concurrency?: number;
  executors?: ExecutorTransport;
}

/**
 * Real Bp Premier on SQL Server, configured from the environment (passwords never on the command line):
 * CONDUIT_MSSQL_SERVER, _PORT, _INSTANCE, _DATABASE (BPSPatients), _USER, _PASSWORD, _READONLY_USER,
 * _READONLY_PASSWORD (e.g. bpsrawdata), _TRUST_CERT=1; and the practice: CONDUIT_SITE_ID,
 * CONDUIT_PRACTICE_NAME, CONDUIT_PMS_VERSION.
 */
function mssqlFromEnv(): { driver: DriverConfig; site: SiteInfo } | undefined {
  const server = envStr('CONDUIT_MSSQL_SERVER');
  if (!server) return undefined;
  const need = (name: string): string => {
    const v = envStr(name);
    if (!v) throw new Error(`${name} is required with CONDUIT_MSSQL_SERVER`);
    return v;
  };
  return {
    driver: {
      kind: 'mssql', server, port: envStr('CONDUIT_MSSQL_PORT') ? envInt('CONDUIT_MSSQL_PORT', 1433, PORT) : undefined, instanceName: envStr('CONDUIT_MSSQL_INSTANCE'),
      catalogues: { Patients: envStr('CONDUIT_MSSQL_DATABASE', 'BPSPatients') },
      login: { user: need('CONDUIT_MSSQL_USER'), password: need('CONDUIT_MSSQL_PASSWORD') },
      readOnlyLogin: { user: need('CONDUIT_MSSQL_READONLY_USER'), password: need('CONDUIT_MSSQL_READONLY_PASSWORD') },
      trustServerCertificate: envStr('CONDUIT_MSSQL_TRUST_CERT') === '1',
    },
    site: {
      pmsType: 'BestPractice', pmsSiteId: need('CONDUIT_SITE_ID'), practiceName: need('CONDUIT_PRACTICE_NAME'),
      pmsVersion: envStr('CONDUIT_PMS_VERSION', 'unknown'), catalogues: [{ name: 'Patients', isDefault: true }],
    },
  };
}

/** The Link package is loaded only to run a Link: `conduit link integrations …` talks to a running one over HTTP. */
export async function makeLink(o: LinkRunOptions, logLevel = 'info'): Promise<Link> {
  const [{ Link, readSiteInfo }, { default: pino }] = await Promise.all([import('@conduit/link'), import('pino')]);
  const database = resolve(o.database);
  const mssql = mssqlFromEnv();
  if (!mssql && !existsSync(database)) throw new Error(`practice database not found: ${database}`);
  const cloudUrl = URL.parse(o.cloud);
  if (!cloudUrl || !/^(http|https|ws|wss):$/.test(cloudUrl.protocol)) throw new Error(`--cloud must be the Cloud's http:// or https:// address, got "${o.cloud}"`);
  if (o.cloudKey) {
    const { importPublicKey } = await import('@conduit/protocol');
    try {
      if (importPublicKey(o.cloudKey).asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    } catch {
      throw new Error('--cloud-key is not a Cloud public key: give the base64 key the Cloud prints when it starts, after "Cloud public key"');
    }
  }
  let site: SiteInfo;
  try {
    site = mssql?.site ?? readSiteInfo(database);
  } catch (e) {
    const access = mssql ? undefined : sqliteAccessProblem(database);
    if (access) throw new Error(`cannot open the practice database: ${access}. Run the Link as an account that may read and write the database file and its folder (the one Bp Premier's files belong to), or give this account that access.`, { cause: e });
    throw new Error(`${database} is not a Bp Premier practice database (simulated): ${(e as Error).message}`, { cause: e });
  }
  return new Link({
    cloudUrl: o.cloud,
    stateFile: resolve(o.state ?? `${database}.link-state`),
    driver: mssql?.driver ?? { kind: 'sqlite', catalogues: { Patients: database } },
    site,
    cloudPublicKey: o.cloudKey,
    concurrency: o.concurrency,
    executors: o.executors,
    pairingCodeTtlMs: (o.pairingTtlHours ?? 24) * 3600_000,
    logger: pino({ name: 'conduit-link', level: logLevel }, pino.destination(2)),
  });
}

/** What a non-authoritative Link means for the practice, and the way out (practices.md, "Moving to a new server"). */
const NON_AUTHORITATIVE = ' (non-authoritative: another Link, or this server under an earlier state file, is the practice\'s Link of record; '
  + 'integrators cannot reach the practice through this one until the Conduit operator promotes it with "conduit admin site promote <site>")';

function parseTransport(v: string): ExecutorTransport {
  if (v !== 'thread' && v !== 'process') throw new Error(`--executors must be thread or process, got "${v}"`);
  return v;
}

export function linkCommand(): Command {
  return new Command('link')
    .description('run a Conduit Link next to a practice database')
    .enablePositionalOptions()
    .option('--cloud <url>', 'Cloud base URL (env CONDUIT_CLOUD_URL)')
    .option('--database <file>', 'simulated practice database file (env CONDUIT_DATABASE); for SQL Server see CONDUIT_MSSQL_* in the README')
    .option('--state <file>', 'Link state file (env CONDUIT_LINK_STATE; default <database>.link-state)')
    .option('--cloud-key <key>', 'pin the Cloud public key instead of trusting the first one seen (env CONDUIT_CLOUD_KEY)')
    .option('--concurrency <n>', 'queries run at once against the database (env CONDUIT_LINK_CONCURRENCY)', (v) => parseIntOption(v, '--concurrency', POSITIVE))
    .option('--executors <kind>', 'what runs the statements: thread (default) or process (env CONDUIT_LINK_EXECUTORS)', parseTransport)
    .option('--ui-port <n>', 'port of the local "third-party integrations" page on 127.0.0.1 (env CONDUIT_LINK_UI_PORT; 0 = any free port)', (v) => parseIntOption(v, '--ui-port', PORT))
    .option('--pairing-ttl-hours <n>', 'how long a pairing code stays valid, 1 to 168 (env CONDUIT_PAIRING_TTL_HOURS; default 24)', (v) => parseIntOption(v, '--pairing-ttl-hours', PAIRING_TTL_HOURS))
    .addCommand(linkIntegrationsCommand())
    .action(async (o: Partial<LinkRunOptions>) => {
      const cloud = o.cloud ?? envStr('CONDUIT_CLOUD_URL');
      const database = o.database ?? envStr('CONDUIT_DATABASE');
      if (!cloud || (!database && !envStr('CONDUIT_MSSQL_SERVER'))) throw new Error('--cloud and --database are required (or CONDUIT_CLOUD_URL and CONDUIT_DATABASE, or CONDUIT_MSSQL_SERVER for SQL Server)');
      const state = resolve(o.state ?? envStr('CONDUIT_LINK_STATE') ?? `${resolve(database ?? 'conduit-link')}.link-state`);
      const link = await makeLink({
        cloud, database: database ?? 'conduit-link', state,
        cloudKey: o.cloudKey ?? envStr('CONDUIT_CLOUD_KEY'),
        concurrency: o.concurrency ?? envInt('CONDUIT_LINK_CONCURRENCY', 4, POSITIVE),
        executors: o.executors ?? (envStr('CONDUIT_LINK_EXECUTORS') === undefined ? undefined : parseTransport(envStr('CONDUIT_LINK_EXECUTORS')!)),
        pairingTtlHours: o.pairingTtlHours ?? envInt('CONDUIT_PAIRING_TTL_HOURS', 24, PAIRING_TTL_HOURS),
      }, envStr('CONDUIT_LOG_LEVEL', 'info'));
      link.on('connected', () => console.log(`Link connected: site ${link.siteId}${link.authoritative ? '' : NON_AUTHORITATIVE}`));
      // The page first: a Link that cannot serve it stops before it has reached the Cloud.
      const { startLocalUi, SUPERSEDED_NOTE } = await import('@conduit/link');
      link.on('superseded', () => console.log(`Link superseded: site ${link.siteId}. ${SUPERSEDED_NOTE}`));
      const uiStarting = startLocalUi(link, { port: o.uiPort ?? envInt('CONDUIT_LINK_UI_PORT', 7391, PORT), infoFile: `${state}.ui.json` });
      // From here a Ctrl+C or SIGTERM, even during the start, stops what has started, page file included.
      let stopping = false;
      onShutdown(async () => {
        stopping = true;
        await uiStarting.then((u) => u.close(), () => undefined);
        await link.stop();
      });
      let ui: Awaited<typeof uiStarting>;
      try {
        ui = await uiStarting;
      } catch (e) {
        if (stopping) return;
        await link.stop();
        throw e;
      }
      try {
        await link.start();
      } catch (e) {
        if (stopping) return; // cut short by the stop, which exits when done
        throw e;
      }
      if (stopping) return;
      console.log(`Link state file: ${state} (its identity and the practice's settings: back it up, and keep it when reinstalling)`);
      console.log(`Link public key: ${link.publicKey}`);
      console.log(`Setup third-party integrations: ${ui.url}`);
    });
}

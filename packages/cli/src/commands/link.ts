// `conduit link`: the clinic agent on its own, next to the practice database.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { Link, readSiteInfo } from '@conduit/link';
import { envInt, envStr, parseIntOption } from '../env.js';
import { onShutdown } from '../shutdown.js';

export interface LinkRunOptions {
  cloud: string;
  database: string;
  state?: string;
  cloudKey?: string;
  concurrency?: number;
}

export function makeLink(o: LinkRunOptions, logLevel = 'info'): Link {
  const database = resolve(o.database);
  if (!existsSync(database)) throw new Error(`practice database not found: ${database}`);
  return new Link({
    cloudUrl: o.cloud,
    stateFile: resolve(o.state ?? `${database}.link-state`),
    driver: { kind: 'sqlite', catalogues: { Patients: database } },
    site: readSiteInfo(database),
    cloudPublicKey: o.cloudKey,
    concurrency: o.concurrency,
    logger: pino({ name: 'conduit-link', level: logLevel }, pino.destination(2)),
  });
}

export function linkCommand(): Command {
  return new Command('link')
    .description('run a Conduit Link next to a practice database')
    .option('--cloud <url>', 'Cloud base URL (env CONDUIT_CLOUD_URL)')
    .option('--database <file>', 'practice database file (env CONDUIT_DATABASE)')
    .option('--state <file>', 'Link state file (env CONDUIT_LINK_STATE; default <database>.link-state)')
    .option('--cloud-key <key>', 'pin the Cloud public key instead of trusting the first one seen (env CONDUIT_CLOUD_KEY)')
    .option('--concurrency <n>', 'queries run at once against the database (env CONDUIT_LINK_CONCURRENCY)', (v) => parseIntOption(v, '--concurrency'))
    .action(async (o: Partial<LinkRunOptions>) => {
      const cloud = o.cloud ?? envStr('CONDUIT_CLOUD_URL');
      const database = o.database ?? envStr('CONDUIT_DATABASE');
      if (!cloud || !database) throw new Error('--cloud and --database are required (or CONDUIT_CLOUD_URL and CONDUIT_DATABASE)');
      const link = makeLink({
        cloud, database,
        state: o.state ?? envStr('CONDUIT_LINK_STATE'),
        cloudKey: o.cloudKey ?? envStr('CONDUIT_CLOUD_KEY'),
        concurrency: o.concurrency ?? envInt('CONDUIT_LINK_CONCURRENCY', 4),
      }, envStr('CONDUIT_LOG_LEVEL', 'info'));
      link.on('connected', () => console.log(`Link connected: site ${link.siteId}${link.authoritative ? '' : ' (non-authoritative)'}`));
      await link.start();
      console.log(`Link public key: ${link.publicKey}`);
      onShutdown(() => link.stop());
    });
}

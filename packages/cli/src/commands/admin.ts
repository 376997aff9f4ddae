// `conduit admin …`: operator actions on the Cloud's store; safe while the Cloud is running.
import { Command } from 'commander';
import { SqliteStore, createIntegrator, storeFile } from '@conduit/cloud';
import { envStr } from '../env.js';

function withStore<T>(dataDir: string | undefined, fn: (s: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(storeFile(dataDir ?? envStr('CONDUIT_DATA_DIR', '.conduit/cloud')));
  return fn(store).finally(() => store.close());
}

export function adminCommand(): Command {
  const admin = new Command('admin').description('operator commands (work while the Cloud is running)');
  const integrator = admin.command('integrator').description('manage integrators');
  integrator
    .command('create')
    .description('create an integrator and print its API key (shown once)')
    .requiredOption('--name <name>', 'integrator name')
    .option('--json', 'print {"id","apiKey","secondaryApiKey"} as JSON')
    .option('--data-dir <dir>', 'Cloud data folder (env CONDUIT_DATA_DIR)')
    .action(async (o: { name: string; json?: boolean; dataDir?: string }) => {
      const created = await withStore(o.dataDir, (s) => createIntegrator(s, o.name));
      if (o.json) {
        console.log(JSON.stringify({ id: created.id, apiKey: created.apiKey, secondaryApiKey: created.secondaryApiKey }));
        return;
      }
      console.log(`Integrator ${created.name} created.`);
      console.log(`  id:            ${created.id}`);
      console.log(`  API key:       ${created.apiKey}`);
      console.log(`  secondary key: ${created.secondaryApiKey}`);
      console.log('The keys are shown only now; Conduit keeps only their hashes.');
    });
  integrator
    .command('list')
    .description('list integrators')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', 'Cloud data folder (env CONDUIT_DATA_DIR)')
    .action(async (o: { json?: boolean; dataDir?: string }) => {
      const list = await withStore(o.dataDir, (s) => s.listIntegrators());
      if (o.json) return console.log(JSON.stringify(list));
      for (const i of list) console.log(`${i.id}  ${i.name}  (created ${i.createdAt})`);
    });
  const site = admin.command('site').description('inspect sites');
  site
    .command('list')
    .description('list registered sites')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', 'Cloud data folder (env CONDUIT_DATA_DIR)')
    .action(async (o: { json?: boolean; dataDir?: string }) => {
      const list = await withStore(o.dataDir, (s) => s.listSites());
      if (o.json) return console.log(JSON.stringify(list));
      for (const s of list) {
        console.log(`${s.id}  ${s.practiceName}  Bp Site ID ${s.pmsSiteId}  ${s.authoritative ? 'authoritative' : 'non-authoritative'}  last heard ${s.lastHeardAt ?? 'never'}`);
      }
    });
  return admin;
}

// `conduit admin …`: operator actions on the Cloud's store (a data dir's SQLite file or a cluster's
// PostgreSQL, see admin-store.ts); safe while the Cloud (or every node of the cluster) is running.
import { Command } from 'commander';
import { createIntegrator, promoteSite, verifyAudit, type AuditEvent } from '@conduit/cloud';
import { storeOptions, withStore, type StoreFlags } from '../admin-store.js';
import { webhooksAdminCommands } from './webhooks.js';
import { parseIntOption, POSITIVE } from '../env.js';

export function adminCommand(): Command {
  const admin = new Command('admin').description('operator commands (work while the Cloud is running)');
  const integrator = admin.command('integrator').description('manage integrators');
  integrator
    .command('create')
    .description('create an integrator and print its API key (shown once)')
    .requiredOption('--name <name>', 'integrator name')
    .option('--json', 'print {"id","apiKey","secondaryApiKey"} as JSON')
    .action(async (o: { name: string; json?: boolean } & StoreFlags) => {
      const created = await withStore(o, (s) => createIntegrator(s, o.name));
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
    .action(async (o: { json?: boolean } & StoreFlags) => {
      const list = await withStore(o, (s) => s.listIntegrators());
      if (o.json) return console.log(JSON.stringify(list));
      if (list.length === 0) return console.log('No integrators yet: conduit admin integrator create --name … makes one.');
      for (const i of list) console.log(`${i.id}  ${i.name}  (created ${i.createdAt})`);
    });
  const hooks = webhooksAdminCommands();
  for (const c of hooks.integrator) integrator.addCommand(c);
  for (const c of hooks.admin) admin.addCommand(c);
  const site = admin.command('site').description('inspect and promote sites');
  site
    .command('promote')
    .description("make a site (Halo GUID) the practice's authoritative one; the others answer 403 \"GUID changed\"")
    .argument('<guid>', 'Halo GUID of the site to promote')
    .option('--json', 'print JSON')
    .action(async (guid: string, o: { json?: boolean } & StoreFlags) => {
      const sites = await withStore(o, (s) => promoteSite(s, guid.toLowerCase()));
      if (o.json) return console.log(JSON.stringify(sites));
      for (const x of sites) console.log(`${x.id}  ${x.authoritative ? 'authoritative' : `superseded by ${x.supersededBy}`}`);
    });
  site
    .command('list')
    .description('list registered sites')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean } & StoreFlags) => {
      const list = await withStore(o, (s) => s.listSites());
      if (o.json) return console.log(JSON.stringify(list));
      if (list.length === 0) return console.log('No sites: no Link has registered with this Cloud yet.');
      for (const s of list) {
        console.log(`${s.id}  ${s.practiceName}  Bp Site ID ${s.pmsSiteId}  ${s.authoritative ? 'authoritative' : 'non-authoritative'}  last heard ${s.lastHeardAt ?? 'never'}`);
      }
    });
  const audit = admin.command('audit').description('the append-only, hash-chained audit log');
  audit
    .command('list')
    .description('list audit events, oldest first')
    .option('--site <guid>', 'only this site')
    .option('--integrator <id>', 'only this integrator')
    .option('--kind <kind>', 'only this kind of event (e.g. query, pairing.failed)')
    .option('--since <iso>', 'from this time (ISO 8601)')
    .option('--until <iso>', 'up to this time (ISO 8601)')
    .option('--limit <n>', 'at most this many (the newest; default 100)', (v) => parseIntOption(v, '--limit', POSITIVE), 100)
    .option('--json', 'print JSON')
    .action(async (o: { site?: string; integrator?: string; kind?: string; since?: string; until?: string; limit: number; json?: boolean } & StoreFlags) => {
      for (const t of [o.since, o.until]) if (t && Number.isNaN(Date.parse(t))) throw new Error(`not a time: ${t}`);
      const since = o.since ? new Date(o.since).toISOString() : undefined;
      const until = o.until ? new Date(o.until).toISOString() : undefined;
      // One more than asked for: whether there are older events than those shown.
      const found = await withStore(o, (s) => s.listAudit({ siteId: o.site, integratorId: o.integrator, kind: o.kind, since, until, limit: o.limit + 1 }));
      const cut = found.length > o.limit;
      const events = cut ? found.slice(found.length - o.limit) : found;
      if (o.json) console.log(JSON.stringify(events));
      else if (events.length === 0) console.log(noEvents({ ...o, since, until }));
      else for (const e of events) console.log(formatEvent(e));
      // On stderr: the listing (and the JSON) stays as it was, and the note is seen even when stdout goes to a file.
      if (cut) console.error(`(showing the newest ${o.limit} events; there are more: a larger --limit shows them, --since/--until narrow the list)`);
    });
  audit
    .command('verify')
    .description('check the hash chain: detects altered, reordered or removed events')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean } & StoreFlags) => {
      const r = await withStore(o, (s) => verifyAudit(s));
      if (o.json) console.log(JSON.stringify(r));
      else if (r.ok) console.log(`Audit log intact: ${r.events} events.`);
      else console.log(`Audit log BROKEN (${r.events} events):\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
      if (!r.ok) process.exitCode = 2;
    });
  // Every command that acts takes the same store options, so none can be left on the data dir alone.
  addStoreOptions(admin);
  return admin;
}

function addStoreOptions(cmd: Command): void {
  if (cmd.commands.length === 0) storeOptions(cmd);
  for (const c of cmd.commands) addStoreOptions(c);
}

/**
 * What `audit list` prints when no event matches. Audit kinds are open-ended (each part of the Cloud names
 * its own, and a newer Cloud may add some), so an unknown kind is not refused: it matches nothing.
 */
function noEvents(f: { kind?: string; site?: string; integrator?: string; since?: string; until?: string }): string {
  const what = [
    f.kind !== undefined ? `of kind ${JSON.stringify(f.kind)}` : '', f.site !== undefined ? `for site ${f.site}` : '',
    f.integrator !== undefined ? `for integrator ${f.integrator}` : '', f.since ? `since ${f.since}` : '', f.until ? `until ${f.until}` : '',
  ].filter(Boolean).join(' ');
  const kinds = f.kind !== undefined ? ' Audit kinds are matched exactly, e.g. query, auth.failed, pairing.failed, link.registered, admin.integratorCreated.' : '';
  return `No audit events${what ? ` ${what}` : ''}.${kinds}`;
}

function formatEvent(e: AuditEvent): string {
  const who = [e.siteId ? `site ${e.siteId}` : '', e.integratorId ? `integrator ${e.integratorId}` : ''].filter(Boolean).join(' ');
  return `${e.seq}\t${e.at}\t${e.kind}\t${e.outcome}\t${e.actor}${who ? `\t${who}` : ''}\t${JSON.stringify(e.details)}`;
}

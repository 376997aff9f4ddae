// `conduit link integrations …`: the practice's integration settings, through the running Link's
// local API (the same one its "Setup third-party integrations" page uses).
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { demoLinkState, findDemoFile, readDemoFile } from '../demo-file.js';
import { callLink, readLinkUi, uiInfoFile } from '../link-api.js';
import { isUuid } from '@conduit/protocol';

interface Target {
  state?: string;
  database?: string;
  json?: boolean;
}

/**
 * Which Link: --state (or CONDUIT_LINK_STATE); else --database's own `<database>.link-state` when that
 * Link runs, or the demo's Link for that database; with neither, the demo's Link (demo.json names
 * its state file).
 */
export function targetState(o: Target, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const explicit = o.state ?? (env.CONDUIT_LINK_STATE || undefined);
  if (explicit) return explicit;
  const database = o.database ?? (env.CONDUIT_DATABASE || undefined);
  const own = database ? `${resolve(cwd, database)}.link-state` : undefined;
  if (own && existsSync(uiInfoFile(own))) return own;
  const demoFile = findDemoFile(cwd, env);
  const demo = demoFile ? demoLinkState(readDemoFile(demoFile), database && resolve(cwd, database)) : undefined;
  if (demo) return demo;
  if (own) return own;
  throw new Error('say which Link: --state FILE or --database FILE (or CONDUIT_LINK_STATE); no demo found (.conduit/demo.json here or above, or CONDUIT_DEMO_DIR)');
}

const call = (o: Target, method: string, path: string, body?: unknown): Promise<unknown> => callLink(readLinkUi(targetState(o)), method, path, body);

/** The integrator id, checked here: the Link's API answers a malformed one with a bare "Not found.". */
function integratorId(id: string): string {
  if (!isUuid(id.trim())) throw new Error(`"${id}" is not an integrator id; the ids are listed by "conduit link integrations list" (e.g. 0f8e…-…)`);
  return id.trim();
}

/** After a change the Link kept: whether Conduit has it too (offline, the Link sends it when it reconnects). */
async function saidOf(o: Target, done: string): Promise<string> {
  const r = (await call(o, 'GET', '/api/integrations')) as { connected: boolean };
  return r.connected ? done : `${done} Saved on this computer and applied by the Link now; it is NOT connected to Conduit, and sends the change when it reconnects.`;
}

/** What the Link's GET /api/integrations answers (local/server.ts). */
interface ListAnswer {
  siteId: string;
  practiceName: string;
  connected: boolean;
  authoritative: boolean | null;
  authorityNote?: string | null;
  integrations: { integratorId: string; name: string; enabled: boolean; access: string; allowList: unknown }[];
}

const names = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean);

function withTarget(c: Command): Command {
  return c
    .option('--state <file>', 'the Link state file (env CONDUIT_LINK_STATE)')
    .option('--database <file>', "the practice database the Link serves (finds its Link's state file, the demo's too)")
    .option('--json', 'print JSON');
}

export function linkIntegrationsCommand(): Command {
  const cmd = new Command('integrations').description("the practice's third-party integrations (talks to the running Link)");
  withTarget(cmd.command('list').description('list integrators and their settings')).action(async (o: Target) => {
    const r = (await call(o, 'GET', '/api/integrations')) as ListAnswer;
    if (o.json) return console.log(JSON.stringify(r));
    console.log(`${r.practiceName} — Site ID ${r.siteId} — ${r.connected ? 'connected to Conduit' : 'NOT connected to Conduit'}`);
    // A Link whose settings do not count (not, or no longer, the practice's authoritative one) says so first.
    // authorityNote is absent from a Link older than this command: nothing is said then, as before.
    if (r.authorityNote) console.log(`NOT IN USE: ${r.authorityNote}`);
    const noEffect = r.authorityNote ? '  (no effect: not the practice\'s authoritative Link)' : '';
    for (const i of r.integrations) {
      console.log(`[${i.enabled ? 'x' : ' '}] ${i.name} (via Conduit)  ${i.integratorId}  ${i.access === 'readwrite' ? 'read-write' : 'read-only'}${i.allowList ? '  allow-list' : ''}${i.enabled ? noEffect : ''}`);
    }
  });
  withTarget(cmd.command('enable').description('tick an integration (read-only unless --access readwrite)'))
    .requiredOption('--integrator <id>', 'integrator id')
    .option('--access <read|readwrite>', 'database access for the integration')
    .option('--tables <names>', 'allow-list of tables and views, comma-separated')
    .option('--procedures <names>', 'allow-list of procedures, comma-separated')
    .option('--no-allow-list', 'remove any allow-list')
    .action(async (o: Target & { integrator: string; access?: string; tables?: string; procedures?: string; allowList?: boolean }) => {
      const allowList = o.allowList === false ? null : o.tables || o.procedures ? { tables: names(o.tables ?? ''), procedures: names(o.procedures ?? '') } : undefined;
      const r = await call(o, 'PUT', `/api/integrations/${integratorId(o.integrator)}`, { enabled: true, ...(o.access ? { access: o.access } : {}), ...(allowList !== undefined ? { allowList } : {}) });
      console.log(o.json ? JSON.stringify(r) : await saidOf(o, `Enabled ${o.integrator}.`));
    });
  withTarget(cmd.command('disable').description('untick an integration: its access stops at once'))
    .requiredOption('--integrator <id>', 'integrator id')
    .action(async (o: Target & { integrator: string }) => {
      const r = await call(o, 'PUT', `/api/integrations/${integratorId(o.integrator)}`, { enabled: false });
      console.log(o.json ? JSON.stringify(r) : await saidOf(o, `Disabled ${o.integrator}.`));
    });
  withTarget(cmd.command('pairing-code').description('generate a pairing code for an enabled integration'))
    .requiredOption('--integrator <id>', 'integrator id')
    .action(async (o: Target & { integrator: string }) => {
      const r = (await call(o, 'POST', `/api/integrations/${integratorId(o.integrator)}/pairing-code`)) as { siteId: string; code: string; expiresAt: string; integratorName: string };
      if (o.json) return console.log(JSON.stringify(r));
      console.log(`Give these to ${r.integratorName}:\n  Site ID:      ${r.siteId}\n  Pairing code: ${r.code}\n(valid until ${r.expiresAt}, once)`);
    });
  return cmd;
}

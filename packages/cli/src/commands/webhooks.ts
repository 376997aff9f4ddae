// `conduit admin integrator webhook …` and `conduit admin webhooks stats`: webhook configuration and delivery
// statistics, straight on the Cloud's store (safe while the Cloud is running). `conduit admin` gives them
// the store options (admin-store.ts).
import { Command } from 'commander';
import { configureWebhook, outboxFor, type WebhookStats } from '@conduit/cloud';
import { withStore, type StoreFlags } from '../admin-store.js';

/** `webhook`, to add under `conduit admin integrator`. */
export function integratorWebhookCommand(): Command {
  return new Command('webhook')
    .description("set an integrator's webhook URL and print its signing secret")
    .requiredOption('--integrator <id>', 'integrator id')
    .requiredOption('--url <url>', 'absolute http(s) URL; may contain {siteId}, {queryId} and {source}')
    .option('--rotate', 'make a new secret (the old one stops working at once); the first setting always makes one')
    .option('--json', 'print {"url","secret"} as JSON')
    .action(async (o: { integrator: string; url: string; rotate?: boolean; json?: boolean } & StoreFlags) => {
      const w = await withStore(o, (s) => configureWebhook(s, o.integrator, o.url, { rotate: o.rotate }));
      if (o.json) return console.log(JSON.stringify({ url: w.urlTemplate, secret: w.secret }));
      console.log(`Webhook set for integrator ${w.integratorId}.`);
      console.log(`  url:    ${w.urlTemplate}`);
      console.log(`  secret: ${w.secret}${w.rotated ? '  (new)' : '  (unchanged; use --rotate for a new one)'}`);
      console.log('Receivers check X-Halo-Signature-256 = hex HMAC-SHA256(secret, body + "." + X-Halo-Timestamp).');
    });
}

/** `webhooks`, to add under `conduit admin`. */
export function webhooksCommand(): Command {
  const webhooks = new Command('webhooks').description('webhook deliveries');
  webhooks
    .command('stats')
    .description('delivery statistics and recent failures')
    .option('--integrator <id>', 'only this integrator')
    .option('--json', 'print JSON')
    .action(async (o: { integrator?: string; json?: boolean } & StoreFlags) => {
      const stats = await withStore(o, (s) => outboxFor(s).stats(o.integrator));
      if (o.json) return console.log(JSON.stringify(stats));
      console.log(formatStats(stats));
    });
  return webhooks;
}

/** Both commands, for callers that register them in one place: [integrator webhook, admin webhooks]. */
export function webhooksAdminCommands(): { integrator: Command[]; admin: Command[] } {
  return { integrator: [integratorWebhookCommand()], admin: [webhooksCommand()] };
}

export function formatStats(s: WebhookStats): string {
  const lines = [
    `delivered:    ${s.delivered}`,
    `pending:      ${s.pending}${s.retrying ? ` (${s.retrying} retrying)` : ''}`,
    `failed:       ${s.failed}`,
    `attempts:     ${s.attempts}`,
    `last success: ${s.lastSuccessAt ?? 'never'}`,
  ];
  if (s.recentFailures.length > 0) {
    lines.push('recent failures:');
    for (const f of s.recentFailures) {
      const last = f.lastError ?? (f.lastStatus !== null ? `HTTP ${f.lastStatus}` : 'no response');
      lines.push(`  ${f.failedAt}  ${f.id}  ${f.url}  attempts ${f.attempts}  ${last}`);
    }
  }
  return lines.join('\n');
}

// CLI entry: `conduit booking` (or `tsx packages/booking/src/main.ts`). Configuration from flags or env.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startBooking, type RunningBooking } from './server.js';

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<RunningBooking> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, 'conduit-url': { type: 'string' }, 'api-key': { type: 'string' },
      'product-name': { type: 'string' }, 'public-url': { type: 'string' }, 'monitor-frequency': { type: 'string' }, 'webhook-secret': { type: 'string' },
      migration: { type: 'boolean' }, 'wave-interval': { type: 'string' }, 'shadow-soak-hours': { type: 'string' }, 'conduit-soak-hours': { type: 'string' },
    },
    allowPositionals: true,
  });
  const baseUrl = values['conduit-url'] ?? env.CONDUIT_URL;
  const apiKey = values['api-key'] ?? env.CONDUIT_API_KEY;
  if (!baseUrl || !apiKey) throw new Error('conduit booking: --conduit-url and --api-key (or CONDUIT_URL, CONDUIT_API_KEY) are required');
  const hours = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`conduit booking: ${name} must be a number of hours (0 or more), not "${v}"`);
    return n * 3600_000;
  };
  const interval = values['wave-interval'] ?? env.BOOKING_WAVE_INTERVAL_S;
  if (interval !== undefined && !(Number(interval) >= 1)) throw new Error(`conduit booking: --wave-interval must be a number of seconds (1 or more), not "${interval}"`);
  const running = await startBooking({
    port: Number(values.port ?? env.BOOKING_PORT ?? 8780),
    host: values.host ?? env.BOOKING_HOST ?? '127.0.0.1',
    dataFile: values.data ?? env.BOOKING_DATA ?? 'booking.db',
    conduit: { baseUrl, apiKey },
    productName: values['product-name'] ?? env.BOOKING_PRODUCT_NAME ?? 'Conduit Booking',
    publicUrl: values['public-url'] ?? env.BOOKING_PUBLIC_URL,
    monitorFrequencyS: Number(values['monitor-frequency'] ?? env.BOOKING_MONITOR_FREQUENCY_S ?? 60),
    webhookSecret: values['webhook-secret'] ?? env.BOOKING_WEBHOOK_SECRET,
    migration: {
      enabled: values.migration === true || env.BOOKING_MIGRATION === '1',
      // Read from the environment only, so it never shows in a process list.
      operatorToken: env.BOOKING_OPERATOR_TOKEN || undefined,
      waves: {
        intervalMs: interval === undefined ? undefined : Number(interval) * 1000,
        shadowSoakMs: hours(values['shadow-soak-hours'] ?? env.BOOKING_SHADOW_SOAK_HOURS, '--shadow-soak-hours'),
        conduitSoakMs: hours(values['conduit-soak-hours'] ?? env.BOOKING_CONDUIT_SOAK_HOURS, '--conduit-soak-hours'),
      },
    },
  });
  console.log(`booking: ${running.url} (webhook endpoint ${running.url}/webhooks/conduit)`);
  if (values.migration === true || env.BOOKING_MIGRATION === '1') {
    console.log(`booking: migration dashboard ${running.url}/operator/migration${env.BOOKING_OPERATOR_TOKEN ? '' : ' (set BOOKING_OPERATOR_TOKEN to open it)'}; Connectors connect to ${running.url.replace(/^http/, 'ws')}${running.connectors.path}`);
  }
  return running;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((r) => {
    const stop = (): void => void r.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

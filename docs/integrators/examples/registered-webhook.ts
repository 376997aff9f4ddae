// A registered (recurring) query with a webhook receiver: the Cloud runs the query on a schedule and
// POSTs a signed notification when its result changes; the receiver verifies it and fetches the result.
//
//   1. Start the receiver (it prints the URL to configure):
//        CONDUIT_WEBHOOK_SECRET=<secret> npx tsx docs/integrators/examples/registered-webhook.ts
//   2. The operator points your webhooks at it and prints the secret (once; later runs keep it):
//        npm run conduit -- admin integrator webhook --integrator <integratorId from .conduit/demo.json> \
//          --url 'http://127.0.0.1:4400/conduit/{source}/{queryId}' --data-dir .conduit/cloud --json
//
// WEBHOOK_PORT changes the port (default 4400). Without CONDUIT_WEBHOOK_SECRET the example polls instead.
import { createServer } from 'node:http';
import { createWebhookHandler, WebhookWaiter, type WebhookPayload } from '@conduit/sdk';
import { exampleClient, loadConfig } from './demo-config.js';

interface Row {
  InternalID: number;
  MobilePhone: string | null;
}

const { siteId } = loadConfig();
const client = exampleClient();
const secret = process.env.CONDUIT_WEBHOOK_SECRET;
const port = Number(process.env.WEBHOOK_PORT ?? 4400);
const waiter = new WebhookWaiter();

let server: ReturnType<typeof createServer> | undefined;
if (secret) {
  // createWebhookHandler reads the raw body, checks X-Halo-Signature-256 (HMAC-SHA256 of
  // `<body>.<X-Halo-Timestamp>`) and the 5-minute timestamp window, answers 204 at once, and calls
  // back once per X-Halo-Id (deliveries are at least once).
  server = createServer(createWebhookHandler({
    secret, // during a rotation: [newSecret, oldSecret]
    onNotification: (p: WebhookPayload) => {
      console.log(`webhook: ${p.webhookSource} query ${p.queryId} completed at ${p.occurredAt}`);
      waiter.notify(p);
    },
    onError: (e) => console.error(`webhook refused: ${(e as Error).message}`),
  }));
  await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
  console.log(`receiving webhooks on http://127.0.0.1:${port}/conduit/{source}/{queryId}`);
}

const { id } = await client.createRegistered(siteId, {
  name: 'mobile numbers of the first patients',
  frequency: 60, // seconds between runs; 60 is the least the Cloud takes (the first run is at once)
  duration: 600, // keep running for 10 minutes
  command: 'SELECT TOP 3 InternalID, MobilePhone FROM BPS_Patients ORDER BY InternalID',
});
console.log(`registered query ${id} created`);

try {
  if (secret) {
    // The notification says only which query finished; the result is fetched with the API.
    await Promise.race([waiter.wait(id), new Promise((_, reject) => setTimeout(() => reject(new Error('no webhook within 60 s: is the webhook URL configured?')), 60_000))]);
  } else {
    while (!(await client.getRegistered(siteId, id)).lastHash) await new Promise((r) => setTimeout(r, 1000));
  }
  const result = await client.getRegisteredResult<Row>(siteId, id);
  for (const r of result.rows) console.log(`${r.InternalID}\t${r.MobilePhone ?? ''}`);
  const status = await client.getRegistered(siteId, id);
  console.log(`runs so far: ${status.metrics.executionSucceededCount ?? 0} succeeded, ${status.metrics.executionFailedCount ?? 0} failed`);
} finally {
  await client.cancelRegistered(siteId, id);
  console.log(`registered query ${id} cancelled`);
  server?.close();
}

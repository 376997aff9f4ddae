// A Cloud-like process for the webhook crash test: opens the store, enqueues WEBHOOK_COUNT events for
// WEBHOOK_INTEGRATOR (printing "enqueued <queryId>" once each is durable), then delivers until told to stop.
import { SqliteStore, WebhookService, type WebhookServiceOptions } from '@conduit/cloud';

const store = new SqliteStore(process.env.WEBHOOK_STORE!);
const opts = JSON.parse(process.env.WEBHOOK_OPTIONS ?? '{}') as Partial<WebhookServiceOptions>;
const svc = new WebhookService(store, opts);
const count = Number(process.env.WEBHOOK_COUNT ?? '0');
for (let i = 0; i < count; i++) {
  const queryId = crypto.randomUUID();
  await svc.enqueue({
    integratorId: process.env.WEBHOOK_INTEGRATOR!, siteId: '12345678-abcd-4f01-a345-6789abcdef01', queryId,
    source: i % 2 ? 'registered' : 'async', occurredAt: new Date().toISOString(),
  });
  console.log(`enqueued ${queryId}`);
}
svc.start();
console.log('started');
// Keep the process alive (the service's timers are unref'd) until SIGTERM.
const keepAlive = setInterval(() => undefined, 60_000);
process.once('SIGTERM', () => {
  clearInterval(keepAlive);
  void svc.stop().then(() => store.close()).then(() => console.log('stopped'));
});

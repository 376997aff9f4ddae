// The booking product's web server. It only composes: the store, the two ways to a practice
// (Conduit and the legacy Connector), the staged migration (migration/), the product's own pages
// (booking/) and the webhook that brings changes made in the PMS back within a minute.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConduitClient, ConduitApiError } from '@conduit/sdk';
import { ConnectorHub } from './pms/connector-hub.js';
import { ConnectorBackend, RoutedAccess } from './pms/access.js';
import { Pms } from './pms/pms.js';
import type { PmsAccess } from './pms/types.js';
import { BookingStore } from './booking/store.js';
import { BookingPlacer } from './booking/bookings.js';
import { Monitor } from './booking/monitor.js';
import { explain } from './booking/explain.js';
import { pair, pairErrors } from './booking/pairing.js';
import { WebhookEndpoint } from './booking/webhook.js';
import { practiceRoutes } from './booking/practice-routes.js';
import { patientRoutes } from './booking/patient-routes.js';
import { setUpMigration } from './migration/setup.js';
import { HttpError, pages as pagesFor, type Route } from './web/http.js';
import { errorView } from './web/chrome.js';
import { errorSummary } from './error-summary.js';
import type { BookingOptions, RunningBooking } from './options.js';

export type { BookingOptions, RunningBooking } from './options.js';
export { explain, offlineMessage } from './booking/explain.js';
export { addDays } from './pms/pms.js';

export async function startBooking(opts: BookingOptions): Promise<RunningBooking> {
  const product = opts.productName ?? 'Conduit Booking';
  const onError = opts.onError ?? ((e: unknown) => console.error('[booking]', errorSummary(e)));
  const pages = pagesFor(product);
  const store = new BookingStore(opts.dataFile);
  const client = new ConduitClient({ baseUrl: opts.conduit.baseUrl, apiKey: opts.conduit.apiKey });
  const connectors = new ConnectorHub({ path: opts.connector?.path, requestTimeoutMs: opts.connector?.requestTimeoutMs, db: store.db });
  // A practice's key is its Conduit site id, or its Connector practice id until it pairs with Conduit.
  const conduit = new Pms(client, (key) => {
    const p = store.practiceBySite(key);
    return p ? p.conduitSiteId : key;
  });
  const connector = new ConnectorBackend(connectors);
  const routed = new RoutedAccess({ conduit, connector });
  const monitor = new Monitor(client, store, { frequencyS: opts.monitorFrequencyS ?? 60, onError });
  const pairing = { client, store, onPaired: (p: { id: number }) => void monitor.refresh(p.id).catch(onError), onError };
  const booking = {
    product, pairErrors: pairErrors(product), pair: (siteId: string, code: string) => pair(pairing, siteId, code),
    practices: () => store.practices(), practice: (id: number) => store.practice(id), practiceBySite: (key: string) => store.practiceBySite(key),
    upsertConnectorPractice: (p: { key: string; bpSiteId: string; name: string; pms?: string }) => store.upsertConnectorPractice(p),
  };
  const m = opts.migration ?? {};
  const migration = setUpMigration({ db: store.db, booking, client, connectors, conduit, connector, pages, onError }, m);
  const pms: PmsAccess = m.enabled ? migration.control : routed;
  const placer = new BookingPlacer({
    store, pms, settleMs: opts.bookings?.settleMs, intervalMs: opts.bookings?.checkIntervalMs, onError,
    onBooked: (b) => void monitor.refresh(b.practiceId).catch(onError),
  });
  const webhook = new WebhookEndpoint(monitor, onError, opts.webhookSecret);
  const ctx = { product, store, pms, client, connectors, placer, monitor, pages, days: opts.days ?? 14, pair: booking.pair, pairErrors: booking.pairErrors, onError };

  const routes: Route[] = [
    migration.routes,
    async (req, res, url) => {
      if (req.method !== 'POST' || url.pathname !== '/webhooks/conduit') return false;
      webhook.handle(req, res);
      return true;
    },
    async (req, res, url) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || url.pathname !== '/healthz') return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, practices: store.practices().length }));
      return true;
    },
    practiceRoutes(ctx),
    patientRoutes(ctx),
  ];
  /** The request's path, or undefined when it is not one a URL can have (e.g. `//`). */
  const pathOf = (raw: string | undefined): string | undefined => (raw !== undefined ? URL.parse(raw, 'http://x')?.pathname : undefined);
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = URL.parse(req.url ?? '/', 'http://x');
    if (!url) throw new HttpError(400, 'This address is not valid.');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new HttpError(400, 'This address is not valid.');
    }
    for (const r of routes) if (await r(req, res, url, parts)) return;
    throw new HttpError(404, 'There is no page here.');
  }
  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // The Referer is the client's to send: a malformed one gets no back link (and must not throw here).
      const from = pathOf(req.headers.referer);
      const back = from !== undefined && from !== pathOf(req.url) ? from : undefined;
      const x = explain(e, product);
      if (x.status >= 500 && !(e instanceof ConduitApiError)) onError(e);
      pages.show(res, errorView(x, back));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  connectors.attach(server);
  const port = (server.address() as AddressInfo).port;
  const url = opts.publicUrl ?? `http://${opts.host ?? '127.0.0.1'}:${port}`;
  void monitor.refreshAll().catch(onError);
  monitor.start();
  if (m.enabled) migration.runner.start();
  placer.start(); // settles bookings a crash left pending; stops by itself when there are none
  return {
    url, port, store, monitor, connectors, access: routed, migration: migration.control, migrationStore: migration.store, waves: migration.waves, waveRunner: migration.runner,
    setWebhookSecret: (s) => webhook.setSecret(s),
    async close() {
      placer.stop();
      migration.runner.stop();
      monitor.stop();
      connectors.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

// The booking product's web server: onboarding, patient booking, practice dashboard, and the webhook
// that brings changes made in the PMS back within a minute (registered query + webhook, no polling).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConduitClient, ConduitApiError, createWebhookHandler, type Site } from '@conduit/sdk';
import { BookingStore, BEST_PRACTICE, type Booking, type Practice } from './booking/store.js';
import { Pms, NotPairedError, OutcomeUnknownError, addDays, isoDate, type FreeSlot } from './pms/pms.js';
import { html, layout, formatDate, formatTime, raw, type Raw } from './web/html.js';
import { BookingPlacer } from './booking/bookings.js';
import { Monitor } from './booking/monitor.js';
import { ConnectorBackend, RoutedAccess, type PmsAccess } from './pms/access.js';
import { DEFAULT_MINIMUM, MigrationStore, type MinimumVersion, type ReadinessFacts } from './migration/stages.js';
import { MigrationControl } from './migration/control.js';
import { WaveRunner, WaveStore } from './migration/waves.js';
import { migrationRoutes } from './migration/routes.js';
import type { PairOutcome } from './migration/context.js';
import { HttpError, readForm } from './web/http.js';
import { ConnectorHub, ConnectorError } from './pms/connector-hub.js';

export interface BookingOptions {
  port?: number;
  host?: string;
  dataFile: string;
  conduit: { baseUrl: string; apiKey: string };
  productName?: string;
  /** Where integrators/patients reach this server (for display and webhook setup); default the listening URL. */
  publicUrl?: string;
  /** Seconds between runs of the change monitor's registered query (default 60). */
  monitorFrequencyS?: number;
  /** The webhook signing secret the Cloud gave this integrator; without it POST /webhooks/conduit answers 503. */
  webhookSecret?: string | readonly string[];
  /** Days of free times offered (default 14). */
  days?: number;
  /** Unconfirmed bookings (see bookings.ts): how long one may still reach the practice (default 150 s), and how often they are checked (default 3 s). */
  bookings?: { settleMs?: number; checkIntervalMs?: number };
  onError?: (err: unknown) => void;
  /** The product's own endpoint for legacy Connector agents (WebSocket on `path`, default /connector). */
  connector?: { path?: string; requestTimeoutMs?: number };
  /**
   * The staged move from the Connector to Conduit. When `enabled`, each practice's stage decides its
   * backend (see migration-control.ts); otherwise every call goes through `access` (Conduit by default).
   */
  migration?: {
    enabled?: boolean;
    minimum?: MinimumVersion;
    minComparisons?: number;
    errorThreshold?: number;
    errorWindowMs?: number;
    /** Overrides how readiness facts are found (default: the practice's Conduit site and this server's pairing). */
    facts?: (practiceId: string) => Promise<ReadinessFacts>;
    /** The wave runner: how often it checks, and the minimum time in shadow and in conduit before moving on. */
    waves?: { intervalMs?: number; shadowSoakMs?: number; conduitSoakMs?: number; parallel?: number };
    /** The operator's credential for /operator and /api/operator (Bearer header or the sign-in form); without it they answer 503. */
    operatorToken?: string;
  };
}

export interface RunningBooking {
  url: string;
  port: number;
  store: BookingStore;
  monitor: Monitor;
  /** The legacy Connectors' endpoint: register practice tokens, request, retire. */
  connectors: ConnectorHub;
  /** Every Best Practice call; `access.choose(siteId)` picks Conduit or the Connector per practice (default Conduit). */
  access: RoutedAccess;
  /** Per-practice migration stages: `advance`, `revert`, `status`; serves the calls when `migration.enabled`. */
  migration: MigrationControl;
  migrationStore: MigrationStore;
  /** The operator's waves and their cohorts. */
  waves: WaveStore;
  /** Moves wave members on when their checks pass (started only when `migration.enabled`). */
  waveRunner: WaveRunner;
  /** Sets or rotates the webhook secret at run time. */
  setWebhookSecret(secret: string | readonly string[]): void;
  close(): Promise<void>;
}

const SEX = [{ code: 1, label: 'Male' }, { code: 2, label: 'Female' }, { code: 3, label: 'Other' }];

/** What a practice or patient should be told about a failed Conduit call. */
export function explain(e: unknown, productName: string): { title: string; message: string; status: number } {
  const offline = "Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server.";
  if (e instanceof ConduitApiError) {
    if (e.kind === 'forbidden') {
      if (e.reason === 'badPairingCode') return { title: 'That pairing code is not valid', message: 'The pairing code is wrong or has expired. Generate a new code in Best Practice (Setup › Configuration › Database › Setup third-party integrations) and enter it within its validity.', status: 403 };
      if (e.reason === 'disabled') return { title: 'Integration disabled in Best Practice', message: `${productName} (via Conduit) third-party integration has been disabled in Best Practice. Tick it in Setup › Configuration › Database › Setup third-party integrations and Save.`, status: 403 };
      if (e.reason === 'notPaired') return { title: 'Practice not connected', message: `This practice is not connected to ${productName}. Enable the Conduit integration again with a new pairing code.`, status: 403 };
      if (e.reason === 'permission') return { title: 'Not allowed by the practice', message: `The practice allows ${productName} read-only access, but booking needs read and write. Choose "Read and write" for ${productName} in Best Practice's third-party integrations.`, status: 403 };
      return { title: 'Refused', message: e.message, status: 403 };
    }
    if (e.kind === 'siteOffline') return { title: 'Practice offline', message: offline, status: 503 };
    if (e.kind === 'rateLimited') {
      const s = e.retryAfterMs !== undefined ? Math.max(1, Math.ceil(e.retryAfterMs / 1000)) : undefined;
      return { title: 'Too many attempts', message: `Too many attempts. Please wait${s ? ` ${s} seconds` : ' a minute'} and try again.`, status: 429 };
    }
    if (e.kind === 'notFound') return { title: 'Not found', message: 'No practice with that Site ID is connected to Conduit. Check the Site ID shown in Best Practice.', status: 404 };
    if (e.kind === 'timeout') return { title: 'The practice took too long', message: 'The practice server took too long to answer. Please try again in a moment.', status: 504 };
    if (e.kind === 'network' || e.kind === 'server') return { title: 'Service unavailable', message: 'We could not reach Conduit. Please try again in a moment.', status: 502 };
  }
  if (e instanceof ConnectorError) {
    if (e.kind === 'timeout') return { title: 'The practice took too long', message: 'The practice server took too long to answer. Please try again in a moment.', status: 504 };
    if (e.kind === 'denied') return { title: 'Connector switched off in Best Practice', message: `Best Practice refused the ${productName} Connector: it was unticked in Setup › Configuration › Database › Setup third-party integrations. Tick "${productName} Connector" again and Save.`, status: 503 };
    if (e.kind === 'offline' || e.kind === 'lost' || e.kind === 'retired') return { title: 'Practice offline', message: `The ${productName} Connector isn't responding at your practice: check that it is running on the practice server.`, status: 503 };
  }
  if (e instanceof OutcomeUnknownError) return { title: 'Not confirmed', message: 'The practice did not confirm your details in time, so no appointment was made. Please try again in a moment.', status: 503 };
  if (e instanceof NotPairedError) return { title: 'Not connected to Conduit yet', message: `This practice still reaches ${productName} through its Connector and has not connected to Conduit yet.`, status: 503 };
  if (e instanceof HttpError) return { title: e.status === 404 ? 'Not found' : 'Error', message: e.message, status: e.status };
  return { title: 'Something went wrong', message: 'Something went wrong. Please try again.', status: 500 };
}

export const offlineMessage = "Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server.";

const practiceName = (site: Site, fallback: string): string => site.practiceMetadata?.practiceName ?? site.name ?? fallback;

const nowSeconds = (): number => {
  const d = new Date();
  return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
};

export async function startBooking(opts: BookingOptions): Promise<RunningBooking> {
  const product = opts.productName ?? 'Conduit Booking';
  const store = new BookingStore(opts.dataFile);
  const client = new ConduitClient({ baseUrl: opts.conduit.baseUrl, apiKey: opts.conduit.apiKey });
  const connectors = new ConnectorHub({ path: opts.connector?.path, requestTimeoutMs: opts.connector?.requestTimeoutMs, db: store.db });
  // A practice's key is its Conduit site id, or its Connector practice id until it pairs with Conduit.
  const conduitBackend = new Pms(client, (key) => {
    const p = store.practiceBySite(key);
    return p ? p.conduitSiteId : key;
  });
  const connectorBackend = new ConnectorBackend(connectors);
  const routed = new RoutedAccess({ conduit: conduitBackend, connector: connectorBackend });
  const onError = opts.onError ?? ((e: unknown) => console.error('[booking]', e instanceof Error ? e.message : e));
  const migrationStore = new MigrationStore(store.db);
  const lastVersion = new Map<string, string>();
  /**
   * Readiness from the practice's Conduit site: its Bp version, whether the integration lets us in,
   * pairing, Link online. Before the practice pairs, Conduit cannot tell us about it: the version comes
   * from its Connector and the one blocker is the pairing (which itself needs the integration ticked).
   */
  async function siteFacts(key: string): Promise<ReadinessFacts> {
    const p = store.practiceBySite(key);
    const conduitSite = p ? p.conduitSiteId : key;
    const viaConnector = connectors.info(key).pmsVersion;
    if (!conduitSite) return { pmsVersion: viaConnector ?? lastVersion.get(key) ?? null, integrationTicked: true, paired: false, siteOnline: true };
    try {
      const site = await client.getSite(conduitSite, { retry: false, timeoutMs: 5000 });
      const version = site.practiceMetadata?.practiceManagementVersion ?? site.practiceManagementVersion ?? viaConnector ?? null;
      if (version) lastVersion.set(key, version);
      return { pmsVersion: version, integrationTicked: site.status !== 'removed' && site.status !== 'uninstalled', paired: true, siteOnline: site.availability === 'online' };
    } catch (e) {
      const pmsVersion = viaConnector ?? lastVersion.get(key) ?? null;
      if (e instanceof ConduitApiError && e.kind === 'forbidden') return { pmsVersion, integrationTicked: false, paired: e.reason !== 'notPaired', siteOnline: true };
      if (e instanceof ConduitApiError && e.kind === 'notFound') return { pmsVersion, integrationTicked: true, paired: false, siteOnline: true };
      return { pmsVersion, integrationTicked: true, paired: true, siteOnline: false };
    }
  }
  const m = opts.migration ?? {};
  // A practice onboarded through Conduit directly (no Connector registered, no stage recorded) is not
  // moving: Conduit serves it whatever the migration says.
  const conduitOnly = (key: string): boolean => {
    const p = store.practiceBySite(key);
    return p !== undefined && p.siteId === p.conduitSiteId && !connectors.isRegistered(key) && migrationStore.since(key) === null;
  };
  const migration = new MigrationControl({ conduitOnly,
    store: migrationStore, hub: connectors, conduit: conduitBackend, connector: connectorBackend, facts: m.facts ?? siteFacts,
    minimum: m.minimum, minComparisons: m.minComparisons, errorThreshold: m.errorThreshold, errorWindowMs: m.errorWindowMs,
  });
  const pms: PmsAccess = m.enabled ? migration : routed;
  const waves = new WaveStore(store.db);
  /** Best Practice practices that came through the Connector take part in the waves; other PMSs keep it. */
  const eligible = (): string[] => store.practices().filter((p) => p.pms === BEST_PRACTICE && p.siteId !== p.conduitSiteId).map((p) => p.siteId);
  const waveRunner = new WaveRunner({
    waves, migration: { status: (k) => migration.status(k), advance: (k, actor, reason) => migration.advance(k, actor, reason), probe: (k) => migration.probe(k) },
    eligible, inShadow: () => migrationStore.stages().filter((s) => s.stage === 'shadow').map((s) => s.practice),
    stageSince: (k) => migrationStore.since(k), shadowSoakMs: m.waves?.shadowSoakMs, conduitSoakMs: m.waves?.conduitSoakMs,
    intervalMs: m.waves?.intervalMs, parallel: m.waves?.parallel, onError,
  });
  const monitor = new Monitor(client, store, { frequencyS: opts.monitorFrequencyS ?? 60, onError });
  const placer = new BookingPlacer({
    store, pms, settleMs: opts.bookings?.settleMs, intervalMs: opts.bookings?.checkIntervalMs, onError,
    onBooked: (b) => void monitor.refresh(b.practiceId).catch(onError),
  });
  const days = opts.days ?? 14;
  let secret = opts.webhookSecret;
  let webhook = secret ? makeWebhook(secret) : undefined;
  function makeWebhook(s: string | readonly string[]): ReturnType<typeof createWebhookHandler> {
    return createWebhookHandler({
      secret: s,
      onNotification: async (payload) => {
        if (payload.webhookSource === 'registered') await monitor.onResult(payload.siteId, payload.queryId);
      },
      onError,
    });
  }

  const send = (res: ServerResponse, status: number, title: string, body: Raw): void => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    }).end(layout(product, title, body));
  };
  const redirect = (res: ServerResponse, to: string): void => {
    res.writeHead(303, { location: to }).end();
  };
  const errorPage = (res: ServerResponse, e: unknown, back?: string): void => {
    const x = explain(e, product);
    if (x.status >= 500 && !(e instanceof ConduitApiError)) onError(e);
    send(res, x.status, x.title, html`<h1>${x.title}</h1><div class="alert error" role="alert">${x.message}</div>${back ? html`<a class="button" href="${back}">Back</a>` : ''}`);
  };
  const practiceOr404 = (id: string | undefined): Practice => {
    const p = store.practice(Number(id));
    if (!p) throw new HttpError(404, 'That practice does not use online booking here.');
    return p;
  };

  // ---------- practice pages ----------

  const PAIR_ERRORS: Record<string, string> = {
    badPairingCode: 'The pairing code is wrong or has expired. Generate a new code in Best Practice (Setup › Configuration › Database › Setup third-party integrations) and enter it straight away.',
    disabled: `${product} (via Conduit) third-party integration has been disabled in Best Practice. Tick it in Setup › Configuration › Database › Setup third-party integrations and Save.`,
    offline: offlineMessage,
    rateLimited: 'Too many failed attempts. Please wait a while and try again.',
    notFound: 'No practice with that Site ID is connected to Conduit. Check the Site ID shown in Best Practice.',
    missing: 'Enter both the Site ID and the pairing code.',
    other: 'We could not connect to your practice. Please try again.',
  };

  function connectPage(res: ServerResponse, q: URLSearchParams): void {
    const err = q.get('error');
    const wait = Number(q.get('wait'));
    const msg = err === 'rateLimited' && wait > 0 ? `Too many failed attempts. Please wait ${wait >= 120 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`} and try again.`
      : err ? (PAIR_ERRORS[err] ?? PAIR_ERRORS.other!) : undefined;
    send(res, 200, 'Enable Conduit integration', html`
      <h1>Enable Conduit integration</h1>
      <p class="lead">Connect your Best Practice database to ${product}. In Best Practice, open Setup › Configuration › Database › Setup third-party integrations,
      tick <b>${product} (via Conduit)</b>, Save, then generate a pairing code and enter it below with your Site ID.</p>
      ${msg ? html`<div class="alert ${err === 'offline' ? 'warn' : 'error'}" role="alert" id="pair-error">${msg}</div>` : ''}
      <form class="card" method="post" action="/practices/connect">
        <label for="siteId">Site ID</label><input id="siteId" name="siteId" required autocomplete="off" value="${q.get('siteId') ?? ''}">
        <label for="code">Pairing code</label><input id="code" name="code" required autocomplete="off" placeholder="XXXXX-XXXXX">
        <button type="submit" data-busy="Connecting…">Connect</button>
      </form>`);
  }

  /**
   * Pairs with Conduit using the Site ID and pairing code the practice entered. A practice that reached
   * us through its Connector keeps its record (and its bookings) and gains its Conduit site id.
   */
  async function pair(bpSiteId: string, code: string): Promise<PairOutcome> {
    let site: Site;
    try {
      site = await client.pairSite({ practiceManagementSiteId: bpSiteId, pairingCode: code }, { retry: false });
    } catch (e) {
      if (e instanceof ConduitApiError) {
        if (e.kind === 'forbidden') return { ok: false, error: e.reason === 'badPairingCode' || e.reason === 'disabled' ? e.reason : 'badPairingCode' };
        if (e.kind === 'siteOffline') return { ok: false, error: 'offline' };
        if (e.kind === 'rateLimited') return { ok: false, error: 'rateLimited', ...(e.retryAfterMs !== undefined ? { wait: Math.ceil(e.retryAfterMs / 1000) } : {}) };
        if (e.kind === 'notFound') return { ok: false, error: 'notFound' };
      }
      onError(e);
      return { ok: false, error: 'other' };
    }
    const legacy = store.connectorPracticeByBpSite(bpSiteId) ?? store.connectorPracticeByBpSite(site.practiceManagementSiteId ?? bpSiteId);
    const p = legacy ? store.setConduitSite(legacy.id, site.id) : store.upsertPractice({ siteId: site.id, bpSiteId, name: practiceName(site, bpSiteId) });
    void monitor.refresh(p.id).catch(onError);
    return { ok: true, practice: p };
  }

  async function connect(res: ServerResponse, form: URLSearchParams): Promise<void> {
    const siteId = (form.get('siteId') ?? '').trim();
    const code = (form.get('code') ?? '').trim();
    if (!siteId || !code) return redirect(res, `/practices/connect?${new URLSearchParams({ error: 'missing', siteId })}`);
    const r = await pair(siteId, code);
    if (!r.ok) return redirect(res, `/practices/connect?${new URLSearchParams({ error: r.error, siteId, ...(r.wait !== undefined ? { wait: String(r.wait) } : {}) })}`);
    redirect(res, r.practice.siteId !== r.practice.conduitSiteId ? `/practices/${r.practice.id}/migration?connected=1` : `/practices/${r.practice.id}?connected=1`);
  }

  async function siteState(p: Practice): Promise<{ state: string; message?: string }> {
    if (!p.conduitSiteId) {
      return connectors.isOnline(p.siteId) ? { state: 'online' } : { state: 'offline', message: `The ${product} Connector isn't responding at your practice: check that it is running on the practice server.` };
    }
    try {
      const site = await client.getSite(p.conduitSiteId, { retry: false, timeoutMs: 5000 });
      if (site.availability !== 'online') return { state: site.availability, message: offlineMessage };
      try {
        // A cheap query tells whether the practice still has the integration ticked.
        await client.immediate(p.conduitSiteId, 'SELECT 1 AS ok', { retry: false, timeoutMs: 8000, maxTimeInQueue: 5000 });
      } catch (e) {
        const x = explain(e, product);
        return { state: e instanceof ConduitApiError && e.kind === 'forbidden' ? 'disabled' : 'offline', message: x.message };
      }
      return { state: 'online' };
    } catch (e) {
      const x = explain(e, product);
      return { state: e instanceof ConduitApiError && e.kind === 'forbidden' ? 'disabled' : 'offline', message: x.message };
    }
  }

  function bookingRow(b: Booking, practiceId: number, withConfirm = false): Raw {
    return html`<tr data-ref="${b.ref}"><td>${formatDate(b.date)}</td><td>${formatTime(b.time)}</td><td>${b.firstName} ${b.surname}</td><td>${b.practitionerName}</td>
      <td>${b.appointmentTypeName}</td><td><span class="badge ${b.status}">${STATUS_LABEL[b.status] ?? b.status}</span>${b.note ? html`<br><small class="muted">${b.note}</small>` : ''}</td>
      ${withConfirm ? html`<td><form method="post" action="/practices/${practiceId}/bookings/${b.id}/confirm"><button type="submit">Confirm</button></form></td>` : ''}</tr>`;
  }

  async function dashboard(res: ServerResponse, id: string, q: URLSearchParams): Promise<void> {
    const p = practiceOr404(id);
    const today = isoDate(new Date());
    const state = await siteState(p);
    const todays = store.bookingsOn(p.id, today);
    const review = store.bookingsWithStatus(p.id, 'needsReview');
    const upcoming = store.upcoming(p.id, today).filter((b) => b.date !== today);
    const table = (rows: Booking[], confirm = false): Raw => html`<table><thead><tr><th>Date</th><th>Time</th><th>Patient</th><th>Practitioner</th><th>Type</th><th>Status</th>${confirm ? html`<th></th>` : ''}</tr></thead>
      <tbody>${rows.map((b) => bookingRow(b, p.id, confirm))}</tbody></table>`;
    send(res, 200, `${p.name} dashboard`, html`
      <h1>${p.name}</h1><p class="lead">Practice dashboard · Site ID ${p.bpSiteId}</p>
      ${q.get('connected') && state.state === 'online' ? html`<div class="alert ok" role="status" id="connected">Connected: ${p.name} now takes online bookings through ${product}.</div>` : ''}
      ${q.get('connected') && state.state !== 'online' ? html`<div class="alert warn" role="status" id="connected">Paired with ${p.name}, but patients cannot book yet: see Connection below.</div>` : ''}
      <div class="card" id="connection"><b>Connection:</b> <span class="badge ${state.state}" id="site-state">${state.state === 'online' ? 'Online' : state.state === 'disabled' ? 'Integration disabled' : 'Not responding'}</span>
        ${state.message ? html`<div class="alert ${state.state === 'disabled' ? 'error' : 'warn'}" role="alert">${state.message}</div>` : ''}
        <p class="muted">Patients book at <a href="/book/${p.id}">/book/${p.id}</a>.${p.conduitSiteId ? ` Changes made in Best Practice show here within about ${every(monitor.frequencyS)}.` : ''}</p>
        ${p.siteId !== p.conduitSiteId && p.pms === BEST_PRACTICE ? html`<a class="button" href="/practices/${p.id}/migration" id="migration-link">Moving to Conduit</a>` : ''}</div>
      <h2>Bookings to confirm</h2>${review.length ? html`<p class="muted">Several patient records matched these patients; the appointment was made against the first. Check the patient in Best Practice, then confirm.</p>${table(review, true)}` : html`<p class="muted">Nothing to confirm.</p>`}
      <h2>Today's online bookings</h2>${todays.length ? table(todays) : html`<p class="muted">No online bookings today.</p>`}
      <h2>Upcoming</h2>${upcoming.length ? table(upcoming) : html`<p class="muted">No upcoming online bookings.</p>`}`);
  }

  function practicesPage(res: ServerResponse): void {
    const ps = store.practices();
    send(res, 200, 'For practices', html`<h1>For practices</h1><p class="lead">Take online bookings straight into Best Practice.</p>
      <a class="button" href="/practices/connect">Enable Conduit integration</a>
      <h2>Connected practices</h2>${ps.length ? html`<ul class="choices">${ps.map((p) => html`<li><a href="/practices/${p.id}">${p.name}<small>Dashboard</small></a></li>`)}</ul>` : html`<p class="muted">None yet.</p>`}`);
  }

  // ---------- patient pages ----------

  function home(res: ServerResponse): void {
    const ps = store.practices();
    send(res, 200, 'Book an appointment', html`<h1>Book an appointment</h1><p class="lead">Choose your practice.</p>
      ${ps.length ? html`<ul class="choices">${ps.map((p) => html`<li><a href="/book/${p.id}">${p.name}<small>Book online</small></a></li>`)}</ul>` : html`<p class="muted">No practices take online bookings yet.</p>`}`);
  }

  const steps = (n: number): Raw => html`<div class="steps">Step ${n} of 4</div>`;

  async function choosePractitioner(res: ServerResponse, pid: string): Promise<void> {
    const p = practiceOr404(pid);
    const list = await pms.practitioners(p.siteId);
    send(res, 200, `Book at ${p.name}`, html`${steps(1)}<h1>${p.name}</h1><p class="lead">Who would you like to see?</p>
      <ul class="choices">${list.map((u) => html`<li><a href="/book/${p.id}/${u.id}">${u.name}</a></li>`)}</ul>`);
  }

  async function chooseType(res: ServerResponse, pid: string, uid: string): Promise<void> {
    const p = practiceOr404(pid);
    const [users, types] = await Promise.all([pms.practitioners(p.siteId), pms.appointmentTypes(p.siteId)]);
    const u = users.find((x) => x.id === Number(uid));
    if (!u) throw new HttpError(404, 'That practitioner does not take online bookings.');
    send(res, 200, `Book with ${u.name}`, html`${steps(2)}<h1>${u.name}</h1><p class="lead">What kind of appointment?</p>
      <ul class="choices">${types.map((t) => html`<li><a href="/book/${p.id}/${u.id}/${t.code}">${t.description}<small>${Math.round(t.length / 60)} minutes</small></a></li>`)}</ul>`);
  }

  async function context(pid: string, uid: string, tid: string): Promise<{ p: Practice; u: { id: number; name: string; locationId: number | null }; t: { code: number; description: string; length: number } }> {
    const p = practiceOr404(pid);
    const [users, types] = await Promise.all([pms.practitioners(p.siteId), pms.appointmentTypes(p.siteId)]);
    const u = users.find((x) => x.id === Number(uid));
    const t = types.find((x) => x.code === Number(tid));
    if (!u || !t) throw new HttpError(404, 'That practitioner or appointment type is not available.');
    return { p, u, t };
  }

  async function chooseTime(res: ServerResponse, pid: string, uid: string, tid: string, q: URLSearchParams): Promise<void> {
    const { p, u, t } = await context(pid, uid, tid);
    const today = isoDate(new Date());
    const slots = await pms.freeSlots(p.siteId, u.id, t.length, today, days, nowSeconds());
    const byDay = new Map<string, FreeSlot[]>();
    for (const s of slots) byDay.set(s.date, [...(byDay.get(s.date) ?? []), s]);
    const taken = q.get('taken') === '1';
    send(res, 200, 'Choose a time', html`${steps(3)}
      ${taken ? html`<div class="alert error" role="alert" id="taken"><b>Sorry, that time was just taken.</b> Someone booked it a moment before you. Here are the times still free.</div>` : ''}
      <h1>${t.description} with ${u.name}</h1><p class="lead">${p.name} · free times over the next ${days} days</p>
      ${byDay.size === 0 ? html`<p class="muted">No free times in the next ${days} days.</p>` : [...byDay].map(([day, list]) => html`<div class="day"><h3>${formatDate(day)}</h3><div class="times">
        ${list.map((s) => html`<a href="/book/${p.id}/${u.id}/${t.code}/${s.date}/${s.time}${s.locationId !== null ? `?loc=${s.locationId}` : ''}" data-time="${s.date}T${s.time}">${formatTime(s.time)}</a>`)}</div></div>`)}`);
  }

  function detailsForm(res: ServerResponse, ctx: { p: Practice; u: { id: number; name: string }; t: { code: number; description: string } }, day: string, time: number, action: string, error?: string): void {
    send(res, error ? 400 : 200, 'Your details', html`${steps(4)}<h1>Your details</h1>
      <p class="lead">${ctx.t.description} with ${ctx.u.name} at ${ctx.p.name}, ${formatDate(day)} at ${formatTime(time)}</p>
      ${error ? html`<div class="alert error" role="alert">${error}</div>` : ''}
      <form class="card" method="post" action="${action}">
        <label for="firstName">First name</label><input id="firstName" name="firstName" required autocomplete="given-name">
        <label for="surname">Surname</label><input id="surname" name="surname" required autocomplete="family-name">
        <label for="dob">Date of birth</label><input id="dob" name="dob" type="date" required max="${isoDate(new Date())}">
        <label for="sex">Gender</label><select id="sex" name="sex" required><option value="">Choose…</option>${SEX.map((s) => html`<option value="${s.code}">${s.label}</option>`)}</select>
        <label for="mobile">Mobile</label><input id="mobile" name="mobile" type="tel" required autocomplete="tel" pattern="[0-9 +()-]{8,20}">
        <br><button type="submit" data-busy="Booking…">Book appointment</button>
      </form>`);
  }

  function slotFrom(day: string, time: string): { day: string; time: number } {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{1,5}$/.test(time) || Number(time) >= 86400) throw new HttpError(404, 'That time is not available.');
    return { day, time: Number(time) };
  }

  async function book(res: ServerResponse, parts: string[], q: URLSearchParams, form: URLSearchParams): Promise<void> {
    const [pid, uid, tid, dayS, timeS] = parts as [string, string, string, string, string];
    const ctx = await context(pid, uid, tid);
    const { day, time } = slotFrom(dayS, timeS);
    const firstName = (form.get('firstName') ?? '').trim();
    const surname = (form.get('surname') ?? '').trim();
    const dob = (form.get('dob') ?? '').trim();
    const sexCode = Number(form.get('sex'));
    const mobile = (form.get('mobile') ?? '').trim();
    const action = `/book/${parts.join('/')}${q.size ? `?${q}` : ''}`;
    if (!firstName || !surname || !/^\d{4}-\d{2}-\d{2}$/.test(dob) || !SEX.some((s) => s.code === sexCode) || !/^[0-9 +()-]{8,20}$/.test(mobile)) {
      return detailsForm(res, ctx, day, time, action, 'Please fill in every field: first name, surname, date of birth, gender and a mobile number.');
    }
    const loc = q.get('loc');
    const outcome = await placer.place({
      practice: ctx.p, practitioner: ctx.u, type: ctx.t, date: day, time, locationId: loc && /^\d+$/.test(loc) ? Number(loc) : ctx.u.locationId,
      patient: { firstName, surname, dob, sexCode, mobile },
    });
    if (outcome.kind === 'taken') return redirect(res, `/book/${ctx.p.id}/${ctx.u.id}/${ctx.t.code}?taken=1`);
    redirect(res, `/bookings/${outcome.booking.ref}`);
  }

  function confirmation(res: ServerResponse, ref: string, q: URLSearchParams): void {
    const b = store.bookingByRef(ref);
    if (!b) throw new HttpError(404, 'We could not find that booking.');
    const p = store.practice(b.practiceId)!;
    if (b.status === 'pending' || b.status === 'notBooked') return unconfirmed(res, b, p);
    const active = b.status === 'booked' || b.status === 'needsReview' || b.status === 'moved';
    const heading = active ? 'Your appointment is booked' : b.status === 'cancelled' ? 'Your appointment is cancelled' : 'The practice cancelled this appointment';
    send(res, 200, heading, html`<h1>${heading}</h1>
      ${q.get('cancelled') ? html`<div class="alert ok" role="status">Your appointment has been cancelled. ${p.name} has been told.</div>` : ''}
      ${b.status === 'cancelledInPms' ? html`<div class="alert warn" role="alert" id="practice-cancelled">${p.name} cancelled this appointment. Please book another time or call the practice.</div>` : ''}
      ${b.status === 'moved' ? html`<div class="alert warn" role="alert" id="moved">${p.name} moved this appointment. The new time is shown below.</div>` : ''}
      <div class="card"><dl>
        <dt>Practice</dt><dd>${p.name}</dd><dt>Practitioner</dt><dd>${b.practitionerName}</dd><dt>Appointment</dt><dd>${b.appointmentTypeName}</dd>
        <dt>When</dt><dd id="when">${formatDate(b.date)} at ${formatTime(b.time)}</dd><dt>Patient</dt><dd>${b.firstName} ${b.surname}</dd>
        <dt>Status</dt><dd><span class="badge ${b.status}" id="status">${STATUS_LABEL[b.status] ?? b.status}</span></dd><dt>Reference</dt><dd>${b.ref}</dd></dl>
      ${active ? html`<form method="post" action="/bookings/${b.ref}/cancel"><button class="secondary" type="submit" data-busy="Cancelling…">Cancel appointment</button></form>` : html`<a class="button" href="/book/${p.id}">Book another time</a>`}</div>`);
  }

  /** A booking whose write was not confirmed: being checked (the page looks again every few seconds), or not made. */
  function unconfirmed(res: ServerResponse, b: Booking, p: Practice): void {
    const when = html`${b.appointmentTypeName} with ${b.practitionerName} at ${p.name}, ${formatDate(b.date)} at ${formatTime(b.time)}`;
    if (b.status === 'pending') {
      send(res, 200, 'Confirming your booking', html`${raw('<meta http-equiv="refresh" content="3">')}<h1>Confirming your booking</h1>
        <div class="alert warn" role="status" id="confirming">${p.name} has not confirmed your booking yet: we are checking with the practice. This page updates by itself; you do not need to book again.</div>
        <div class="card"><p>${when}</p><p class="muted">Reference ${b.ref}</p></div>`);
      return;
    }
    send(res, 200, 'Not booked', html`<h1>Your booking did not go through</h1>
      <div class="alert error" role="alert" id="not-booked">${p.name} did not receive this booking, so no appointment was made. Please choose a time again.</div>
      <div class="card"><p>${when}</p><a class="button" href="/book/${p.id}/${b.practitionerId}/${b.appointmentType}">Choose another time</a></div>`);
  }

  async function cancel(res: ServerResponse, ref: string): Promise<void> {
    const b = store.bookingByRef(ref);
    if (!b) throw new HttpError(404, 'We could not find that booking.');
    if (b.status === 'cancelled' || b.status === 'cancelledInPms' || b.status === 'pending' || b.status === 'notBooked') return redirect(res, `/bookings/${b.ref}`);
    const p = store.practice(b.practiceId)!;
    if (b.pmsRecordId) {
      try {
        await pms.cancelAppointment(p.siteId, b.pmsRecordId);
      } catch (e) {
        // Already cancelled in the PMS: that is what the patient wants.
        if (!(e instanceof ConduitApiError && e.kind === 'queryFailed' && /cancelled/i.test(`${e.message} ${e.errorDetails?.errorMessage ?? ''}`))) throw e;
      }
    }
    store.updateBooking(b.id, { status: 'cancelled' });
    void monitor.refresh(p.id).catch(onError);
    redirect(res, `/bookings/${b.ref}?cancelled=1`);
  }

  // ---------- routing ----------

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const get = req.method === 'GET' || req.method === 'HEAD';
    const post = req.method === 'POST';
    const [a, b, c] = parts;
    if (await migrationPages(req, res, url, parts)) return;
    if (post && url.pathname === '/webhooks/conduit') {
      if (!webhook) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('webhook secret not configured');
        return;
      }
      webhook(req, res);
      return;
    }
    if (get && url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, practices: store.practices().length }));
      return;
    }
    if (get && parts.length === 0) return home(res);
    if (a === 'practices') {
      if (get && parts.length === 1) return practicesPage(res);
      if (b === 'connect' && parts.length === 2) {
        if (get) return connectPage(res, url.searchParams);
        if (post) return connect(res, await readForm(req));
      }
      if (get && b && parts.length === 2) return dashboard(res, b, url.searchParams);
      if (post && b && c === 'bookings' && parts[4] === 'confirm' && parts.length === 5) {
        const p = practiceOr404(b);
        const bk = store.booking(Number(parts[3]));
        if (!bk || bk.practiceId !== p.id) throw new HttpError(404, 'No such booking.');
        if (bk.status === 'needsReview') store.updateBooking(bk.id, { status: 'booked', note: null });
        return redirect(res, `/practices/${p.id}`);
      }
    }
    if (a === 'book') {
      const rest = parts.slice(1);
      if (get && rest.length === 1) return choosePractitioner(res, rest[0]!);
      if (get && rest.length === 2) return chooseType(res, rest[0]!, rest[1]!);
      if (get && rest.length === 3) return chooseTime(res, rest[0]!, rest[1]!, rest[2]!, url.searchParams);
      if (rest.length === 5) {
        if (get) {
          const ctx = await context(rest[0]!, rest[1]!, rest[2]!);
          const { day, time } = slotFrom(rest[3]!, rest[4]!);
          return detailsForm(res, ctx, day, time, `${url.pathname}${url.search}`);
        }
        if (post) return book(res, rest, url.searchParams, await readForm(req));
      }
    }
    if (a === 'bookings' && b) {
      if (get && parts.length === 2) return confirmation(res, b, url.searchParams);
      if (post && c === 'cancel' && parts.length === 3) return cancel(res, b);
    }
    throw new HttpError(404, 'There is no page here.');
  }

  const migrationPages = migrationRoutes({
    product, store, migration, migrationStore, waves, runner: waveRunner, connectors, minimum: m.minimum ?? DEFAULT_MINIMUM,
    operatorToken: m.operatorToken, send, redirect, pair, pairErrors: PAIR_ERRORS, onError,
  });

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const back = req.headers.referer && new URL(req.headers.referer, 'http://x').pathname !== new URL(req.url ?? '/', 'http://x').pathname ? new URL(req.headers.referer, 'http://x').pathname : undefined;
      errorPage(res, e, back);
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
  if (m.enabled) waveRunner.start();
  placer.start(); // settles bookings a crash left pending; stops by itself when there are none
  return {
    url, port, store, monitor, connectors, access: routed, migration, migrationStore, waves, waveRunner,
    setWebhookSecret(s) {
      secret = s;
      webhook = makeWebhook(s);
    },
    async close() {
      placer.stop();
      waveRunner.stop();
      monitor.stop();
      connectors.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

function every(s: number): string {
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

const STATUS_LABEL: Record<string, string> = {
  pending: 'Confirming', notBooked: 'Not booked', booked: 'Booked', cancelled: 'Cancelled', cancelledInPms: 'Cancelled by the practice', moved: 'Moved by the practice', needsReview: 'To confirm',
};

export { addDays };

// Starts the Cloud: store, signing identity, Link gateway, query service and the HTTP API on one port.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { LIMITS } from '@conduit/protocol';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from './store/sqlite.js';
import { openStore, describeStore } from './store/open.js';
import { scrubLocation } from './store/redact.js';
import { isPostgresUrl } from './store/postgres.js';
import { pagesFor } from './results/pg-pages.js';
import type { WebhookOutbox } from './webhooks/store.js';
import { cloudIdentity } from './identity.js';
import { Gateway } from './gateway/gateway.js';
import { QueryService, DEFAULT_QUERY_LIMITS, type QueryLimits } from './queries/service.js';
import { buildApp } from './http/app.js';
import { Health } from './health.js';
import { AuditLog } from './audit/log.js';
import { WriteBehind } from './store/write-behind.js';
import { PracticeControl, DEFAULT_PRACTICE_CONTROL, type PracticeControlOptions } from './practice/control.js';
import { AsyncQueries, DEFAULT_ASYNC_LIMITS, type AsyncLimits } from './queries/async.js';
import { RegisteredQueries, type RegisteredOptions } from './queries/registered.js';
import { WebhookService, type WebhookServiceOptions } from './webhooks/index.js';
import { ClusterNode, type ClusterOptions } from './cluster/join.js';
import { openBus } from './cluster/open-bus.js';
import { nodeId } from './cluster/node-id.js';
import { endInterrupted, agreeSigningKey } from './startup.js';

export interface CloudOptions {
  port?: number;
  host?: string;
  /** Folder for the embedded store (cloud.db) and, with it, the result files. */
  dataDir: string;
  /** A postgres:// URL for the shared cluster store (result pages included); default: the SQLite file in dataDir. */
  storeUrl?: string;
  heartbeatIntervalMs?: number;
  /** Link handshakes in progress at once; more upgrades are answered 503 + Retry-After (default DEFAULT_MAX_HANDSHAKES, 64). */
  maxHandshakes?: number;
  /** Store work allowed to admit one Link after its handshake (default 10 s; Gateway admitTimeoutMs). */
  admitTimeoutMs?: number;
  logger?: Logger;
  logLevel?: string;
  /** Overrides for tests and drills; the defaults are the Halo limits. */
  limits?: Partial<QueryLimits>;
  practice?: Partial<PracticeControlOptions>;
  /** Keep query command text in the audit log (default: only its hash). Env CONDUIT_AUDIT_COMMAND_TEXT=1. */
  auditCommandText?: boolean;
  async?: Partial<AsyncLimits>;
  registered?: Partial<RegisteredOptions>;
  webhooks?: Partial<WebhookServiceOptions>;
  /** Cluster mode: join the other nodes on the bus (Redis URL; none = a cluster of one, in-process). */
  cluster?: { busUrl?: string; nodeId?: string; prefix?: string } & Partial<ClusterOptions>;
}

export interface RunningCloud {
  url: string;
  port: number;
  /**
   * The SQLite store (typed so for the single-node callers and tests that reach into it). With a postgres://
   * storeUrl it is a PgStore: cluster callers must use only the Store interface (or narrow with instanceof).
   */
  store: SqliteStore;
  gateway: Gateway;
  app: FastifyInstance;
  publicKey: string;
  control: PracticeControl;
  webhooks: WebhookService<WebhookOutbox>;
  /** This node's id on the bus (cluster mode only). */
  nodeId?: string;
  close(): Promise<void>;
}

export function storeFile(dataDir: string): string {
  return join(dataDir, 'cloud.db');
}

export async function startCloud(opts: CloudOptions): Promise<RunningCloud> {
  const log = opts.logger ?? pino({ name: 'conduit-cloud', level: opts.logLevel ?? 'info' }, pino.destination(2));
  // A single Cloud takes every query left open in its store for its own and ends it at start: on the
  // store of a running cluster that would fail the other nodes' queries in flight.
  if (opts.storeUrl && isPostgresUrl(opts.storeUrl) && !opts.cluster) {
    throw new Error('A PostgreSQL store is a cluster\'s: start this Cloud with --cluster (with the cluster\'s --bus and a --node-id of its own; without --bus it is a cluster of one).');
  }
  const location = opts.storeUrl ?? storeFile(opts.dataDir);
  const store = await openStore(location).catch((e: Error) => {
    throw new Error(`could not open the store ${describeStore(location)}: ${scrubLocation(e.message, location)}`);
  });
  if (opts.storeUrl) log.info({ store: describeStore(opts.storeUrl), ...('applied' in store && store.applied.length > 0 ? { schemaStepsApplied: store.applied } : {}) }, 'store opened');
  const bus = opts.cluster ? openBus(opts.cluster.busUrl, nodeId(opts.cluster.nodeId), opts.cluster.prefix) : undefined;
  // Start-up waits for the bus with a deadline, and says which bus did not answer. Two live nodes under one
  // name would each end the other's queries as its own previous life's, and split its requests between
  // them; a node restarted under its name finds the old one's inbox gone.
  const busProblem = bus && await bus.connected().then(
    async () => (await bus.listening(bus.nodeId)) ? new Error(`Another Cloud node named "${bus.nodeId}" is running on this bus. Give each node its own --node-id (env CONDUIT_NODE_ID); a node restarted under its name starts once the old process has stopped.`) : undefined,
    (e: Error) => e,
  );
  if (busProblem) {
    await bus!.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw busProblem;
  }
  if (opts.cluster?.busUrl && !opts.storeUrl) log.warn('cluster on the SQLite file of the data dir: only nodes on this machine sharing that folder see one store; use --store postgres://… for a real cluster');
  const files = pagesFor(store, join(opts.dataDir, 'results'));
  if (bus) await agreeSigningKey(store);
  else await endInterrupted(store, files, log);
  const identity = await cloudIdentity(store);
  const gateway = new Gateway(store, identity, { heartbeatIntervalMs: opts.heartbeatIntervalMs ?? LIMITS.heartbeatIntervalMs, maxHandshakes: opts.maxHandshakes, admitTimeoutMs: opts.admitTimeoutMs, log });
  // Final updates and audit events are written on a thread of their own (store/sqlite-writer.ts).
  if (store instanceof SqliteStore) await store.startWriter();
  // In a cluster another node may read a query's record as soon as its answer is out: no update window.
  const writes = new WriteBehind(store, log, { updatesAtEndOfTurn: bus !== undefined, lateInserts: bus === undefined });
  const audit = new AuditLog(store, log, { commandText: opts.auditCommandText ?? false }, writes);
  const practice = { ...DEFAULT_PRACTICE_CONTROL, ...opts.practice };
  if (bus) {
    practice.pairingFailuresPerIntegrator = { ...practice.pairingFailuresPerIntegrator, shared: { failures: bus.failures, name: 'pairing.integrator' } };
    practice.pairingFailuresPerSite = { ...practice.pairingFailuresPerSite, shared: { failures: bus.failures, name: 'pairing.site' } };
  }
  const control = new PracticeControl(store, gateway, audit, log, practice);
  control.startWatching();
  const webhooks = new WebhookService<WebhookOutbox>(store, { log, ...opts.webhooks });
  webhooks.start();
  const cluster = bus ? new ClusterNode({ bus, gateway, store, audit, files, log }, opts.cluster) : undefined;
  const route = cluster?.router ?? gateway;
  const queries = new QueryService(store, route, log, audit, { ...DEFAULT_QUERY_LIMITS, ...opts.limits }, bus?.nodeId);
  const asyncQueries = new AsyncQueries(store, route, files, webhooks, audit, log, { ...DEFAULT_ASYNC_LIMITS, ...opts.async }, bus?.nodeId);
  asyncQueries.startSweeping();
  await asyncQueries.repairWebhooks();
  const registered = new RegisteredQueries(store, gateway, files, webhooks, audit, log, { minFrequencyS: LIMITS.registeredMinFrequencyS, ...opts.registered });
  registered.startSweeping();
  await cluster?.start(asyncQueries, registered);
  gateway.hooks = {
    welcomed: (session, site, isNew) => {
      cluster?.welcomed(session);
      control.welcomed(session, site, isNew);
      registered.welcomed(session);
    },
    closed: (session) => cluster?.closed(session),
    request: (session, msg) => control.request(session, msg),
    authFailed: (why) => control.authFailed(why),
    registered: (session, msg) => registered.onMessage(session, msg),
  };
  const app = buildApp({ store, gateway, queries, asyncQueries, registered, files, control, audit, log, health: new Health(store, bus) });
  gateway.attach(app.server);
  await app.listen({ port: opts.port ?? 8080, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8080);
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  log.info({ port }, 'cloud listening');
  return {
    url: `http://${host}:${port}`,
    port,
    store: store as SqliteStore,
    gateway,
    app,
    publicKey: identity.publicKeyB64,
    control,
    webhooks,
    nodeId: cluster?.nodeId,
    async close() {
      log.info('cloud stopping');
      await cluster?.leave();
      control.stop();
      await asyncQueries.stop();
      registered.stop();
      await webhooks.stop();
      await gateway.close();
      await app.close();
      await cluster?.close();
      await new Promise((r) => setImmediate(r));
      await audit.flush();
      await store.close();
      log.info('cloud stopped');
    },
  };
}

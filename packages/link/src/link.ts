// The clinic agent: holds one outbound WebSocket to the Cloud, proves its identity, trusts only frames
// signed by its Cloud, and runs the queries it is sent through the scheduler and executor pool.
import { EventEmitter } from 'node:events';
import { createHash, randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import pino, { type Logger } from 'pino';
import {
  PROTOCOL_VERSION, LINK_ENDPOINT, CLOSE, LIMITS, cloudMessageSchema, openFrame, importPublicKey, randomNonce, signBytes, challengeText,
  encodeChunk, newEcdhKey, sessionKey, isMacFrame, openMacFrame, type EcdhKey, type CloudMessage, type QueryExecute, type LinkMessage, type SiteInfo, type Identity, type ErrorDetails,
  type Integration, type Ack, type RegisteredDefinition,
} from '@conduit/protocol';
import { Uploader } from './uploader.js';
import { RegisteredRunner } from './registered/runner.js';
import { IntegrationManager, type CloudPort } from './integrations/manager.js';
import type { KeyObject } from 'node:crypto';
import { LinkState } from './state.js';
import { checkAllowList } from './permissions/allow-list.js';
import { Backoff, DEFAULT_BACKOFF, DEFAULT_WELCOME_TIMEOUT_MS, parseRetryAfter, type BackoffOptions } from './backoff.js';
import { Scheduler } from './scheduler.js';
import { ExecutorPool } from './executor/pool.js';
import { defaultTransport, type Transport } from './executor/transport.js';
import { interruptSupported } from '@conduit/bp-sim';
import type { DriverConfig } from './executor/ipc.js';
import { offeredCloudKey, otherCloudMessage } from './cloud-key.js';
import { linkSocketUrl } from './cloud-url.js';
import { connectionHint } from './connection-hints.js';
import { SUPERSEDED_NOTE } from './integrations/authority.js';

/** YY.MMDD.N. The Cloud gates what older Links cannot take by it (packages/cloud/src/link-features.ts). */
export const LINK_VERSION = '26.1207.2';
/** Registered queries run one at a time, beside (never behind) async extractions. */
const REGISTERED_SLOTS = 1;


export interface LinkOptions {
  /** Base URL of the Cloud, http(s)://host:port */
  cloudUrl: string;
  stateFile: string;
  driver: DriverConfig;
  site: SiteInfo;
  /** Pinned Cloud public key (SPKI base64). Without it the first Cloud seen is trusted and pinned. */
  cloudPublicKey?: string;
  /** Immediate queries run at once against the database (their own executors). */
  concurrency?: number;
  /** Registered and async queries run at once (niced executors). Default 1. */
  backgroundConcurrency?: number;
  /**
   * Immediate executors kept running while idle; the others start when a query would wait and stop
   * after `executorIdleMs` idle (default 60 s). Background executors start on demand. Default: 1 thread
   * (quick reads run on the Link's own thread, and a cancelled thread is reused; each is ~20 MiB), or
   * 2 processes (one stays ready while another's overrun is being replaced).
   */
  warmExecutors?: number;
  executorIdleMs?: number;
  /**
   * What runs the statements: worker threads of the Link (default), or child processes (crash
   * isolation, at ~40 MiB and an IPC hop each). The simulator needs the statement-interrupt extension
   * for threads; without it, processes are used.
   */
  executors?: Transport;
  heartbeatIntervalMs?: number;
  /**
   * From the socket opening to the Cloud's welcome (default 30 s). A Cloud that takes the upgrade and
   * then never finishes the handshake (stuck, or overloaded) is left, and the next attempt follows the
   * backoff, so a practice is never held offline by one half-open connection.
   */
  welcomeTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  logger?: Logger;
  /** How long a pairing code stays valid (default 24 h). */
  pairingCodeTtlMs?: number;
}

type LinkRequest = DistributiveOmit<Extract<LinkMessage, { type: 'integrations.changed' | 'pairing.issued' | 'catalog.request' }>, 'v' | 'id'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type LinkStatus = 'stopped' | 'connecting' | 'authenticating' | 'connected' | 'waiting';

export class Link extends EventEmitter {
  readonly log: Logger;
  private readonly state: LinkState;
  private readonly identity: Identity;
  private readonly pool: ExecutorPool;
  private readonly backgroundPool: ExecutorPool;
  private readonly scheduler: Scheduler;
  private readonly uploader: Uploader;
  private readonly pageAcks = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly registered: RegisteredRunner;
  private readonly backoff: Backoff;
  private ws?: WebSocket;
  private cloudKey?: KeyObject;
  private linkNonce = '';
  private ecdh?: EcdhKey;
  /** HMAC key of the current session, agreed in the signed handshake. */
  private macKey?: Buffer;
  private heartbeat?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private welcomeTimer?: NodeJS.Timeout;
  /** Set when the Cloud refused the upgrade as busy (503/429): its Retry-After in ms, or null without one. */
  private pushback?: number | null;
  /** This attempt was answered with an HTTP status other than busy (logged with the status). */
  private refusedUpgrade = false;
  private connectedAt = 0;
  private lastHeard = 0;
  private heartbeatMs: number = LIMITS.heartbeatIntervalMs;
  private readonly inFlight = new Map<string, QueryExecute>();
  private readonly requests = new Map<string, { resolve: (a: Ack) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private msgSeq = 0;
  readonly integrations: IntegrationManager;
  status: LinkStatus = 'stopped';
  siteId?: string;
  linkId?: string;
  authoritative?: boolean;
  /** Frames dropped because their signature did not verify. */
  rejectedFrames = 0;
  /** Other Cloud keys already reported (cloud-key.ts), so a refused server is explained once, not at every retry. */
  private readonly reportedKeys = new Set<string>();
  /**
   * The Cloud's clock minus this server's, from the last welcome: the Cloud's times (a query's startBy,
   * a registered query's expiry) are compared, and the times reported to it are given, on the Cloud's
   * clock, so a practice server whose clock is minutes out neither expires every query nor misdates runs.
   */
  private clockOffsetMs = 0;
  private cloudNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  constructor(private readonly opts: LinkOptions) {
    super();
    this.log = opts.logger ?? pino({ name: 'conduit-link' }, pino.destination(2));
    this.state = new LinkState(opts.stateFile);
    this.identity = this.state.identity();
    const pinned = opts.cloudPublicKey ?? this.state.get('cloud.publicKey');
    if (pinned) this.cloudKey = importPublicKey(pinned);
    this.siteId = this.state.get('siteId');
    this.linkId = this.state.get('linkId');
    // As the Cloud last said: a Link started offline that is not the practice's authoritative one must not
    // take changes it would drop at its next welcome.
    const wasAuthoritative = this.state.get('authoritative');
    if (wasAuthoritative !== undefined) this.authoritative = wasAuthoritative === 'true';
    const concurrency = opts.concurrency ?? 4;
    const background = opts.backgroundConcurrency ?? 1;
    // A few immediate executors are kept warm, the rest follow the load; the background one starts on demand.
    const idleMs = opts.executorIdleMs ?? 60_000;
    const transport = opts.executors ?? defaultTransport(opts.driver);
    // Immediate simulator statements are tried on this thread first (executor/inline.ts), unless the
    // operator asked for processes, which keep the database driver out of the Link's own process.
    const inline = transport === 'thread' && opts.driver.kind === 'sqlite' && interruptSupported();
    const warm = opts.warmExecutors ?? (transport === 'thread' ? 1 : 2);
    this.pool = new ExecutorPool(opts.driver, concurrency, { elastic: { warm: Math.min(concurrency, warm), idleMs }, transport, inline });
    // The background executors serve the async lane and, with one of their own, the registered lane.
    this.backgroundPool = new ExecutorPool(opts.driver, background + REGISTERED_SLOTS, { niceness: 10, elastic: { warm: 0, idleMs }, transport });
    this.scheduler = new Scheduler(concurrency, background, () => this.cloudNow(), REGISTERED_SLOTS);
    this.uploader = new Uploader(() => this.ws);
    this.registered = new RegisteredRunner(this.state, (def) => this.runRegistered(def), () => this.cloudNow());
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...opts.backoff });
    this.integrations = new IntegrationManager(this.state, this.cloudPort(), opts.pairingCodeTtlMs);
  }

  private cloudPort(): CloudPort {
    const link = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      get connected() { return link.status === 'connected'; },
      get authoritative() { return link.authoritative; },
      get superseded() { return link.superseded; },
      pmsSiteId: this.opts.site.pmsSiteId,
      catalog: async () => (await link.request({ type: 'catalog.request' })).integrators ?? [],
      report: (integrations) => link.report(integrations),
      issuePairing: async (integratorId, codeHash, expiresAt) => void (await link.request({ type: 'pairing.issued', integratorId, codeHash, expiresAt })),
      revoked: (integratorId) => {
        for (const [qid, m] of [...this.inFlight]) if (m.integratorId === integratorId) this.abandon(qid, 'the practice disabled the integration in the PMS ("Setup third-party integrations")', true, 403);
      },
    };
  }

  /** Sends a request to the Cloud and waits for its acknowledgement. */
  private request(msg: LinkRequest, timeoutMs = 5000): Promise<Ack> {
    return new Promise((resolve, reject) => {
      if (this.status !== 'connected') return reject(new Error('not connected to the Cloud'));
      const id = this.nextId();
      const timer = setTimeout(() => {
        this.requests.delete(id);
        reject(new Error('the Cloud did not answer in time'));
      }, timeoutMs);
      this.requests.set(id, {
        resolve: (a) => (a.ok ? resolve(a) : reject(new Error(a.error ?? 'refused by the Cloud'))),
        reject, timer,
      });
      this.send({ v: PROTOCOL_VERSION, id, ...msg } as LinkMessage);
    });
  }

  get publicKey(): string {
    return this.identity.publicKeyB64;
  }

  get pmsSiteId(): string {
    return this.opts.site.pmsSiteId;
  }

  get practiceName(): string {
    return this.opts.site.practiceName;
  }

  /** The practice database file (default catalogue) when the driver is the simulator; undefined with SQL Server. */
  get simulatorDatabase(): string | undefined {
    const d = this.opts.driver;
    return d.kind === 'sqlite' ? Object.values(d.catalogues)[0] : undefined;
  }

  async start(): Promise<void> {
    await Promise.all([this.pool.start(), this.backgroundPool.start()]);
    this.registered.start();
    this.status = 'connecting';
    this.connect();
  }

  /** Resolves once the Cloud has welcomed this Link (after the first or any later connection). */
  waitUntilConnected(timeoutMs = 10_000): Promise<void> {
    if (this.status === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('Link did not connect in time')), timeoutMs);
      this.once('connected', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private wsUrl(): string {
    return linkSocketUrl(this.opts.cloudUrl);
  }

  private connect(): void {
    if (this.status === 'stopped') return;
    this.status = 'connecting';
    const ws = new WebSocket(this.wsUrl(), { perMessageDeflate: false, handshakeTimeout: 10_000, maxPayload: LIMITS.linkFrameBytes });
    this.ws = ws;
    this.pushback = undefined;
    this.refusedUpgrade = false;
    // An answer other than 101 to the upgrade: a busy Cloud (503, or 429) says when to come back; any
    // other status is a failed attempt like a refused connection. Either way the socket is abandoned
    // and 'close' schedules the next attempt.
    ws.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 503 || res.statusCode === 429) this.pushback = parseRetryAfter(res.headers['retry-after']) ?? null;
      else {
        this.refusedUpgrade = true;
        this.log.warn({ status: res.statusCode, url: this.wsUrl() }, `the server at ${this.opts.cloudUrl} refused the Link's connection (HTTP ${res.statusCode}): `
          + `is --cloud the Conduit Cloud's address? A proxy in front of the Cloud must pass WebSocket upgrades on ${LINK_ENDPOINT}`);
      }
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.connectedAt = Date.now();
      this.lastHeard = Date.now();
      this.status = 'authenticating';
      const waitMs = this.opts.welcomeTimeoutMs ?? DEFAULT_WELCOME_TIMEOUT_MS;
      this.welcomeTimer = setTimeout(() => {
        if (this.ws !== ws || this.status !== 'authenticating') return;
        this.log.warn({ waitedMs: waitMs }, 'the Cloud did not finish the handshake; trying again');
        ws.terminate();
      }, waitMs);
      this.linkNonce = randomNonce();
      this.ecdh = newEcdhKey();
      this.macKey = undefined;
      this.send({
        v: PROTOCOL_VERSION, type: 'hello', id: this.nextId(), publicKey: this.identity.publicKeyB64, linkVersion: LINK_VERSION,
        linkNonce: this.linkNonce, ecdhPublicKey: this.ecdh.publicKeyB64, site: this.opts.site,
      });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.lastHeard = Date.now();
      if (isBinary) return this.protocolError('unexpected binary frame from the Cloud');
      this.onFrame(data.toString());
    });
    ws.on('ping', () => {
      this.lastHeard = Date.now();
    });
    ws.on('error', (err) => {
      // A socket this Link closed on its way out (still connecting, say) is no fault to warn about.
      if (this.status === 'stopped') return;
      // A refused upgrade is said above; the socket it leaves fails with nothing more to tell.
      if (this.pushback !== undefined || this.refusedUpgrade) return;
      const hint = connectionHint(err, this.opts.cloudUrl);
      this.log.warn({ err: err.message }, hint ? `cloud connection error: ${hint}` : 'cloud connection error');
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    clearTimeout(this.welcomeTimer);
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    const upFor = this.connectedAt ? Date.now() - this.connectedAt : 0;
    this.connectedAt = 0;
    // Results can no longer be delivered; the Cloud has already failed these queries.
    this.uploader.clear();
    for (const [key, a] of [...this.pageAcks]) {
      this.pageAcks.delete(key);
      clearTimeout(a.timer);
      a.reject(new Error('the Cloud connection closed'));
    }
    for (const qid of [...this.inFlight.keys()]) this.abandon(qid, 'the Cloud connection closed');
    for (const [id, r] of [...this.requests]) {
      this.requests.delete(id);
      clearTimeout(r.timer);
      r.reject(new Error('the Cloud connection closed'));
    }
    if (this.status === 'stopped') return;
    this.emit('disconnected', code);
    this.backoff.connectionLasted(upFor, code === CLOSE.goingAway);
    const busy = this.pushback !== undefined;
    const delay = busy ? this.backoff.busy(this.pushback ?? undefined) : this.backoff.next();
    if (busy) this.log.info({ delayMs: delay }, 'the Cloud is busy (it refused the upgrade); trying again later');
    else this.log.info({ code, reason }, 'cloud connection closed');
    this.status = 'waiting';
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private protocolError(why: string): void {
    this.log.warn({ why }, 'protocol error; reconnecting');
    this.ws?.close(CLOSE.protocolError, why.slice(0, 100));
  }

  private onFrame(frame: string): void {
    let json: string | null = null;
    if (isMacFrame(frame)) {
      json = this.macKey && this.status === 'connected' ? openMacFrame(this.macKey, frame) : null;
    } else if (this.cloudKey) {
      json = openFrame(this.cloudKey, this.identity.publicKeyB64, frame);
    } else {
      // Trust on first use: only a challenge may introduce the Cloud's key, and it must be signed by it.
      try {
        const claimed = JSON.parse(frame.slice(frame.indexOf('.') + 1)) as { type?: string; cloudPublicKey?: string };
        if (claimed.type === 'challenge' && claimed.cloudPublicKey) {
          const key = importPublicKey(claimed.cloudPublicKey);
          json = openFrame(key, this.identity.publicKeyB64, frame);
          if (json) this.cloudKey = key;
        }
      } catch {
        json = null;
      }
    }
    if (json === null) {
      this.rejectedFrames++;
      const offered = this.cloudKey && !isMacFrame(frame) ? offeredCloudKey(frame, this.identity.publicKeyB64) : undefined;
      if (offered && !this.reportedKeys.has(offered)) {
        // Said once per key at error level: the warning below repeats at every attempt and names no cause.
        this.reportedKeys.add(offered);
        const trustedKey = this.cloudKey!.export({ type: 'spki', format: 'der' }).toString('base64');
        this.log.error({ trustedKey, offeredKey: offered }, otherCloudMessage(this.opts.cloudUrl));
      }
      return this.protocolError('frame not signed by the trusted Cloud key');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return this.protocolError('invalid message from the Cloud');
    }
    const parsed = cloudMessageSchema.safeParse(raw);
    if (parsed.success) return this.onMessage(parsed.data);
    // Authenticated but unreadable once connected: a Cloud of a newer release. Closing would drop every query
    // in flight here, so the message is skipped, and a query this Link cannot read fails alone, with the reason.
    if (this.status !== 'connected') return this.protocolError('invalid message from the Cloud');
    this.unreadable(raw);
  }

  private unreadable(raw: unknown): void {
    const m = (typeof raw === 'object' && raw !== null ? raw : {}) as { type?: unknown; queryId?: unknown };
    const type = typeof m.type === 'string' ? m.type.slice(0, 40) : undefined;
    this.log.warn({ type }, 'skipped a message from the Cloud that this Link cannot read (is the Link older than the Cloud?)');
    if (type === 'query.execute' && typeof m.queryId === 'string' && m.queryId.length <= 64) {
      this.send({
        v: PROTOCOL_VERSION, type: 'query.failed', id: this.nextId(), queryId: m.queryId, status: 'executionFailed',
        errorDetails: { errorType: 'haloLink', errorCode: 400, errorMessage: `This practice's Conduit Link (${LINK_VERSION}) could not read the query: it is older than the Cloud. Ask the practice to update its Conduit Link.` },
      });
    }
  }

  private onMessage(msg: CloudMessage): void {
    switch (msg.type) {
      case 'challenge': {
        if (msg.linkNonce !== this.linkNonce || !this.ecdh) return this.protocolError('challenge does not answer our hello');
        const signature = signBytes(this.identity.privateKey, challengeText(msg.nonce, this.identity.publicKeyB64, this.ecdh.publicKeyB64, msg.ecdhPublicKey));
        this.macKey = sessionKey(this.ecdh.privateKey, msg.ecdhPublicKey, msg.nonce, this.identity.publicKeyB64);
        this.send({ v: PROTOCOL_VERSION, type: 'auth', id: this.nextId(), signature });
        return;
      }
      case 'welcome': {
        // Only as the end of this connection's handshake, naming this connection's nonce: a signed welcome
        // recorded on another connection must not open a session (a Cloud older than 26.1207.1 names none
        // and is refused: upgrade the Cloud before its Links).
        if (this.status !== 'authenticating' || !this.macKey) return this.protocolError('welcome outside the handshake');
        if (msg.linkNonce !== this.linkNonce) return this.protocolError('welcome does not answer this connection');
        this.siteId = msg.siteId;
        this.linkId = msg.linkId;
        this.authoritative = msg.authoritative;
        this.state.set('siteId', msg.siteId);
        this.state.set('linkId', msg.linkId);
        if (!this.state.get('cloud.publicKey') && !this.opts.cloudPublicKey && this.cloudKey) {
          this.state.set('cloud.publicKey', this.cloudKey.export({ type: 'spki', format: 'der' }).toString('base64'));
        }
        this.heartbeatMs = this.opts.heartbeatIntervalMs ?? msg.heartbeatIntervalMs;
        // Behind by the welcome's transit (half a round trip): small against maxTimeInQueue.
        this.clockOffsetMs = msg.serverTime - Date.now();
        this.status = 'connected';
        clearTimeout(this.welcomeTimer);
        this.startTimers();
        this.log.info({ siteId: msg.siteId, authoritative: msg.authoritative }, 'connected to cloud');
        this.emit('connected');
        return;
      }
      case 'query.execute':
        return this.accept(msg);
      case 'query.cancel':
        this.abandon(msg.queryId, msg.reason, true);
        return;
      case 'error':
        this.log.warn({ code: msg.code, message: msg.message }, 'cloud reported an error');
        return;
      case 'ack': {
        const r = this.requests.get(msg.ref);
        if (!r) return;
        this.requests.delete(msg.ref);
        clearTimeout(r.timer);
        r.resolve(msg);
        return;
      }
      case 'integrations.sync':
        this.onSync(msg.authoritative, msg.integrations);
        return;
      case 'page.ack': {
        const key = `${msg.queryId}:${msg.page}`;
        const a = this.pageAcks.get(key);
        if (!a) return;
        this.pageAcks.delete(key);
        clearTimeout(a.timer);
        a.resolve();
        return;
      }
      case 'registered.sync':
        this.registered.sync(msg.queries);
        return;
    }
  }

  /** It was the practice's authoritative Link and the operator promoted another since (integrations/authority.ts). */
  get superseded(): boolean {
    return this.state.get('superseded') === 'true';
  }

  /**
   * After each welcome. A Link that just became authoritative (a practice moved servers) adopts the
   * practice's settings from the Cloud; an authoritative Link is the source of truth and reports its own.
   */
  private onSync(authoritative: boolean, fromCloud: Integration[]): void {
    const wasAuthoritative = this.state.get('authoritative') === 'true';
    this.authoritative = authoritative;
    this.state.set('authoritative', String(authoritative));
    if (wasAuthoritative && !authoritative) {
      this.state.set('superseded', 'true');
      this.log.warn({ siteId: this.siteId }, SUPERSEDED_NOTE);
      this.emit('superseded');
    }
    if (!authoritative) return;
    this.state.set('superseded', 'false');
    if (!wasAuthoritative && fromCloud.length > 0) {
      this.integrations.adopt(fromCloud);
      this.log.info({ integrations: fromCloud.length }, 'adopted the practice integration settings from the Cloud');
      return;
    }
    this.reportInBackground();
  }

  /** Whether the practice's settings have changed since the Cloud last confirmed them: sent again at each heartbeat. */
  private reportPending = false;
  private async report(integrations = this.integrations.reportable()): Promise<void> {
    this.reportPending = true;
    await this.request({ type: 'integrations.changed', integrations });
    this.reportPending = false;
  }
  private reportInBackground(): void {
    this.report().catch((e: Error) => this.log.warn({ err: e.message }, 'could not report integrations; sent again at the next heartbeat'));
  }

  private startTimers(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    this.heartbeat = setInterval(() => {
      this.send({ v: PROTOCOL_VERSION, type: 'heartbeat', id: this.nextId(), clientTime: new Date().toISOString(), inFlight: this.inFlight.size });
      if (this.reportPending) this.reportInBackground();
    }, this.heartbeatMs);
    // The Cloud pings twice per heartbeat interval; silence for 2.5 intervals (at least 5 s) means a dead path.
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastHeard > Math.max(this.heartbeatMs * 2.5, 5000)) {
        this.log.warn('cloud silent; dropping the connection');
        this.ws?.terminate();
      }
    }, Math.max(100, Math.floor(this.heartbeatMs / 2)));
    this.heartbeat.unref();
    this.watchdog.unref();
  }

  private refuse(msg: QueryExecute, details: ErrorDetails): void {
    this.send({ v: PROTOCOL_VERSION, type: 'query.failed', id: this.nextId(), queryId: msg.queryId, status: 'executionFailed', errorDetails: details });
  }

  private accept(msg: QueryExecute): void {
    if (this.inFlight.has(msg.queryId)) return; // a repeated frame: the query is already here
    // Defence in depth: the Link applies the practice's settings itself, whatever the Cloud decided.
    const integration = this.integrations.get(msg.integratorId);
    if (!integration?.enabled) {
      return this.refuse(msg, { errorType: 'haloLink', errorCode: 403, errorMessage: 'The integration has been disabled in the PMS at this practice ("Setup third-party integrations").' });
    }
    if (integration.allowList) {
      const verdict = checkAllowList(msg.command, integration.allowList);
      if (!verdict.ok) return this.refuse(msg, { errorType: 'haloLink', errorCode: 403, errorMessage: `Refused by the practice's permissions for this integration: ${verdict.reason}` });
    }
    this.inFlight.set(msg.queryId, msg);
    this.scheduler.submit({
      qid: msg.queryId,
      mode: msg.mode,
      startBy: msg.startBy,
      expire: () => {
        if (!this.inFlight.delete(msg.queryId)) return;
        this.send({
          v: PROTOCOL_VERSION, type: 'query.failed', id: this.nextId(), queryId: msg.queryId, status: 'expiredInQueue',
          errorDetails: { errorType: 'haloLink', errorCode: 504, errorMessage: 'The query waited longer than its maxTimeInQueue at the site and was not run.' },
        });
      },
      run: () => this.execute(msg),
    });
  }

  private async execute(msg: QueryExecute): Promise<void> {
    if (!this.inFlight.has(msg.queryId)) return;
    const executingAt = this.cloudNow();
    const background = msg.mode !== 'immediate';
    // Immediate queries end within seconds: their start time travels in query.completed/failed
    // (executingAt), which saves a frame and a Cloud wake-up per query. Background work reports it live.
    if (background) this.send({ v: PROTOCOL_VERSION, type: 'query.started', id: this.nextId(), queryId: msg.queryId, at: executingAt });
    // Background results go through the paced uploader, immediate ones straight to the socket.
    const out = (data: Buffer | string): void => (background ? this.uploader.send(data) : this.sendRaw(data));
    let seq = 0;
    let uploadingAt = 0;
    const outcome = await (background ? this.backgroundPool : this.pool).run({
      qid: msg.queryId,
      command: msg.command,
      catalogue: msg.catalogue,
      maxResultBytes: msg.maxResultBytes,
      timeoutMs: msg.executionMs,
      readOnly: this.integrations.get(msg.integratorId)?.access !== 'readwrite',
      pageBytes: msg.pageBytes,
      onChunk: (data, page) => {
        if (!uploadingAt) uploadingAt = this.cloudNow();
        out(encodeChunk({ queryId: msg.queryId, page, seq: seq++, last: false }, data));
      },
      onPage: (meta) => {
        out(JSON.stringify({ v: PROTOCOL_VERSION, type: 'query.page', id: this.nextId(), queryId: msg.queryId, ...meta } satisfies LinkMessage));
        return this.pageStored(msg.queryId, meta.page);
      },
    });
    if (!this.inFlight.delete(msg.queryId)) return; // cancelled meanwhile; the Cloud was told already
    if (outcome.ok) {
      const r = outcome.result;
      out(JSON.stringify({
        v: PROTOCOL_VERSION, type: 'query.completed', id: this.nextId(), queryId: msg.queryId,
        ...(r.rows !== undefined ? { rows: r.rows } : {}), ...(r.rowsAffected !== undefined ? { rowsAffected: r.rowsAffected } : {}),
        size: r.size, chunks: seq, parameters: r.parameters, sqlExecutionDuration: r.sqlExecutionDuration,
        executingAt, uploadingAt: uploadingAt || this.cloudNow(), ...(msg.pageBytes ? { pages: r.pages } : {}),
      } satisfies LinkMessage));
    } else {
      out(JSON.stringify({ v: PROTOCOL_VERSION, type: 'query.failed', id: this.nextId(), queryId: msg.queryId, status: 'executionFailed', errorDetails: outcome.details, executingAt } satisfies LinkMessage));
    }
  }

  /** Resolves when the Cloud has stored a page (page.ack). */
  private pageStored(queryId: string, page: number, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = `${queryId}:${page}`;
      const timer = setTimeout(() => {
        this.pageAcks.delete(key);
        reject(new Error('the Cloud did not confirm the page in time'));
      }, timeoutMs);
      this.pageAcks.set(key, { resolve, reject, timer });
    });
  }

  /** One run of a registered query; resolves with the result hash (null when it failed). */
  private runRegistered(def: RegisteredDefinition): Promise<string | null> {
    return new Promise((resolve) => {
      const runAt = this.cloudNow();
      const fail = (details: ErrorDetails): void => {
        this.uploader.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'registered.failed', id: this.nextId(), registeredId: def.id, runAt, errorDetails: details } satisfies LinkMessage));
        resolve(null);
      };
      if (this.status !== 'connected') return resolve(null); // nowhere to report; the next run tries again
      const integration = this.integrations.get(def.integratorId);
      if (!integration?.enabled) return fail({ errorType: 'haloLink', errorCode: 403, errorMessage: 'The integration has been disabled in the PMS at this practice ("Setup third-party integrations").' });
      if (integration.allowList) {
        const verdict = checkAllowList(def.command, integration.allowList);
        if (!verdict.ok) return fail({ errorType: 'haloLink', errorCode: 403, errorMessage: `Refused by the practice's permissions for this integration: ${verdict.reason}` });
      }
      const runId = randomUUID();
      this.scheduler.submit({
        qid: runId, mode: 'registered', startBy: runAt + def.frequency * 1000,
        expire: () => resolve(null),
        run: async () => {
          const chunks: Buffer[] = [];
          const outcome = await this.backgroundPool.run({
            qid: runId, command: def.command, maxResultBytes: LIMITS.immediateMaxResultBytes, timeoutMs: LIMITS.registeredExecutionMs,
            readOnly: integration.access !== 'readwrite', onChunk: (d) => chunks.push(Buffer.from(d)),
          });
          if (!outcome.ok) return fail(outcome.details);
          const data = Buffer.concat(chunks);
          const hash = createHash('sha256').update(data).digest('hex');
          const changed = hash !== def.lastHash;
          this.uploader.send(JSON.stringify({
            v: PROTOCOL_VERSION, type: 'registered.result', id: this.nextId(), registeredId: def.id, runAt, hash, changed,
            ...(changed ? { data: data.toString('base64') } : {}), rows: outcome.result.rows ?? 0, size: data.length,
            parameters: outcome.result.parameters, sqlExecutionDuration: outcome.result.sqlExecutionDuration,
          } satisfies LinkMessage));
          resolve(hash);
        },
      });
    });
  }

  /** Stops a query wherever it is: still queued, or running at the database. */
  private abandon(qid: string, reason: string, report = false, code = 499): void {
    const msg = this.inFlight.get(qid);
    if (!msg) return;
    this.inFlight.delete(qid);
    this.scheduler.dequeue(qid);
    const details: ErrorDetails = { errorType: 'haloLink', errorCode: code, errorMessage: `The query was cancelled: ${reason}.` };
    this.pool.kill(qid, details);
    this.backgroundPool.kill(qid, details);
    if (report) this.send({ v: PROTOCOL_VERSION, type: 'query.failed', id: this.nextId(), queryId: qid, status: 'executionFailed', errorDetails: details });
  }

  private nextId(): string {
    return `l${++this.msgSeq}`;
  }

  private send(msg: LinkMessage): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      this.corkUntilIdle(ws);
      ws.send(JSON.stringify(msg));
    }
  }

  private sendRaw(data: Buffer | string): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      this.corkUntilIdle(ws);
      ws.send(data);
    }
  }

  private corked?: WebSocket;
  /**
   * Holds the socket's writes until the end of this event-loop turn, so the frames of one turn (a
   * result's last chunk and its completion; the answers of several queries finished together) leave
   * in one write and reach the Cloud in one read. ws keeps its socket as `_socket` (a net.Socket).
   */
  private corkUntilIdle(ws: WebSocket): void {
    if (this.corked === ws) return;
    const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = ws;
    socket.cork();
    setImmediate(() => {
      if (this.corked === ws) this.corked = undefined;
      socket.uncork();
    });
  }

  /** Simulates a network cut (tests and fault drills): the socket dies without a close handshake. */
  dropConnection(): void {
    this.ws?.terminate();
  }

  async stop(): Promise<void> {
    if (this.status !== 'stopped') this.log.info('link stopping');
    this.status = 'stopped';
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.welcomeTimer);
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    this.scheduler.close();
    const ws = this.ws;
    if (ws) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(CLOSE.goingAway, 'link stopping');
        setTimeout(() => { ws.terminate(); resolve(); }, 1000).unref();
      });
    }
    for (const qid of [...this.inFlight.keys()]) this.abandon(qid, 'the Link is stopping');
    this.registered.stop();
    await Promise.all([this.pool.close(), this.backgroundPool.close()]);
    this.state.close();
    this.log.info('link stopped');
  }
}

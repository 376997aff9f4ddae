// The Link gateway: accepts Link WebSockets, authenticates them by challenge-response on their Ed25519
// key, registers new Links as sites, tracks heartbeats, and routes queries to the right session.
import { randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { Logger } from 'pino';
import {
  CLOSE, LINK_ENDPOINT, PROTOCOL_VERSION, linkMessageSchema, randomNonce, signFrame, verifyBytes, importPublicKey, challengeText, decodeChunk,
  newEcdhKey, sessionKey, type EcdhKey,
  type LinkMessage, type QueryExecute,
} from '@conduit/protocol';
import type { SiteRecord, Store } from '../store/types.js';
import { LinkSession, type DispatchOutcome, type PageSink, type Pending } from './session.js';
import { linkFrameBytes } from '../link-features.js';

export type LinkRequestMessage = Extract<LinkMessage, { type: 'integrations.changed' | 'pairing.issued' | 'catalog.request' }>;
export type RegisteredMessage = Extract<LinkMessage, { type: 'registered.result' | 'registered.failed' }>;

/** What the gateway hands to the practice-control side. */
export interface GatewayHooks {
  /** After a Link is welcomed (sends it the practice's settings). */
  welcomed(session: LinkSession, site: SiteRecord, isNew: boolean): void;
  /** A request from a Link; the result becomes the `ack` fields. */
  request(session: LinkSession, msg: LinkRequestMessage): Promise<{ integrators?: { id: string; name: string }[] }>;
  /** A Link failed to authenticate. */
  authFailed(why: string): void;
  /** A registered query ran at the Link. */
  registered?(session: LinkSession, msg: RegisteredMessage): void;
  /** The site's current session ended (cluster presence is released). */
  closed?(session: LinkSession): void;
}

/** Where the query services send queries: this gateway, or in a cluster the router in front of it. */
/** Whether a site's Link can be reached now; 'clusterDown': it may be held by another node, which the bus cannot ask. */
export type Reach = boolean | 'clusterDown';

export interface Dispatcher {
  /** Whether the site's Link can be reached now (here or, in a cluster, on another node). */
  reachable(siteId: string): Reach | Promise<Reach>;
  dispatch(req: DispatchRequest): { outcome: Promise<DispatchOutcome>; cancel: (reason: string) => void };
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  log: Logger;
  handshakeTimeoutMs?: number;
  /**
   * From a verified answer to the welcome: the store work that admits the Link (default 10 s). Past it
   * the socket is closed with 1013 and the Link comes back on its backoff, rather than waiting on a store
   * that does not answer while it holds a handshake slot.
   */
  admitTimeoutMs?: number;
  /** Handshakes in progress at once on this node (default DEFAULT_MAX_HANDSHAKES); more upgrades get 503. */
  maxHandshakes?: number;
  /** Retry-After (seconds) sent with that 503 (default DEFAULT_HANDSHAKE_RETRY_AFTER_S). */
  handshakeRetryAfterS?: number;
}

/**
 * A node admits this many Link handshakes at a time (from the upgrade until the welcome is sent or the
 * attempt fails). In a reconnect storm a CPU-starved node that took every upgrade finished none of
 * them within the node's 10 s handshake timeout (bench/RESULTS.md, Cluster findings); refusing the
 * excess with a cheap 503 keeps the work it took finishable. 64 handshakes are well under a second of
 * CPU (a few ms each), and still enough to overlap the round trips of Links far away.
 */
export const DEFAULT_MAX_HANDSHAKES = 64;
/** Refused Links come back after this (plus their own jitter of up to as much again). */
export const DEFAULT_HANDSHAKE_RETRY_AFTER_S = 2;

export interface DispatchRequest {
  siteId: string;
  exec: Omit<QueryExecute, 'v' | 'id' | 'type'>;
  /** Epoch ms after which the Cloud stops waiting. */
  deadline: number;
  onStarted?: (at: number) => void;
  /** Paged results are streamed to this sink rather than collected in memory. */
  paged?: PageSink;
  /** Called when the first result bytes arrive. */
  onUploading?: (at: number) => void;
}

/** A start time the Link reported, kept between sending and now so another clock cannot disorder the timings. */
function linkStart(p: Pending, at: number | undefined): number | null {
  return at === undefined ? null : Math.min(p.uploadingAt ?? Date.now(), Math.max(p.sentAt, at));
}

export class Gateway implements Dispatcher {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  private readonly sessions = new Map<string, LinkSession>();
  private readonly pinger: NodeJS.Timeout;
  /** Handshakes in progress now, and upgrades refused with 503 since the start. */
  private handshaking = 0;
  handshakesRefused = 0;
  private refusedLoggedAt = 0;
  hooks?: GatewayHooks;

  constructor(
    private readonly store: Store,
    private readonly cloudKey: { privateKey: KeyObject; publicKeyB64: string },
    private readonly opts: GatewayOptions,
  ) {
    this.pinger = setInterval(() => {
      const now = Date.now();
      for (const s of this.sessions.values()) {
        // A path that died without a FIN or RST (cable, NAT, a frozen Link) is noticed by silence:
        // after 2.5 heartbeats (at least 5 s, so a busy machine's pauses are not mistaken for it)
        // without a frame or pong the session is dropped and its queries fail.
        if (now - s.lastHeard > Math.max(opts.heartbeatIntervalMs * 2.5, 5000)) {
          this.opts.log.warn({ siteId: s.siteId }, 'link silent; dropping its session');
          s.ws.terminate();
        } else s.ws.ping();
      }
    }, Math.max(100, Math.floor(opts.heartbeatIntervalMs / 2)));
    this.pinger.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== LINK_ENDPOINT) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      // Admission before any crypto or store work: over the limit, a 503 costs next to nothing.
      if (this.handshaking >= (this.opts.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES)) return this.refuse(socket);
      this.handshaking++;
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        this.handshaking--;
        socket.off('close', release);
      };
      // The slot is freed when the handshake ends either way; a socket that closes first (or that ws
      // refuses as a bad upgrade, without calling back) frees it too.
      socket.once('close', release);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.handshake(ws, release));
    });
  }

  /** Handshakes in progress now (admitted, not yet welcomed or failed). */
  get handshakesInProgress(): number {
    return this.handshaking;
  }

  private refuse(socket: Duplex): void {
    this.handshakesRefused++;
    const now = Date.now();
    if (now - this.refusedLoggedAt > 10_000) {
      this.refusedLoggedAt = now;
      this.opts.log.warn({ inProgress: this.handshaking, refusedSoFar: this.handshakesRefused }, 'Link handshake limit reached; refusing upgrades with 503 until handshakes finish');
    }
    const retryAfter = Math.max(1, Math.ceil(this.opts.handshakeRetryAfterS ?? DEFAULT_HANDSHAKE_RETRY_AFTER_S));
    socket.on('error', () => undefined);
    // As ws refuses a bad upgrade: destroy once the answer is written, whatever the client does.
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfter}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  }

  session(siteId: string): LinkSession | undefined {
    return this.sessions.get(siteId);
  }

  /** In a cluster, a site's Link may be held by another node: its heartbeats then reach us through the store. */
  clustered = false;

  /** When the site's Link was last heard, for its availability; null when no session is known. */
  lastHeard(site: SiteRecord): number | null {
    const session = this.sessions.get(site.id);
    if (session) return session.lastHeard;
    if (this.clustered && site.session === 'open' && site.lastHeardAt) return Date.parse(site.lastHeardAt);
    return null;
  }

  reachable(siteId: string): boolean {
    return this.sessions.has(siteId);
  }

  get connectedSites(): string[] {
    return [...this.sessions.keys()];
  }

  /** Authenticates a new socket: hello -> signed challenge -> signed answer -> welcome. */
  private handshake(ws: WebSocket, release: () => void): void {
    const log = this.opts.log;
    let stage: 'hello' | 'auth' | 'done' = 'hello';
    let nonce = '';
    let ecdh: EcdhKey | undefined;
    let hello: Extract<LinkMessage, { type: 'hello' }> | undefined;
    const timer = setTimeout(() => {
      release();
      ws.close(CLOSE.authFailed, 'handshake timeout');
    }, this.opts.handshakeTimeoutMs ?? 10_000);
    const fail = (why: string): void => {
      clearTimeout(timer);
      release();
      log.warn({ why }, 'link authentication failed');
      this.hooks?.authFailed(why);
      ws.close(CLOSE.authFailed, why.slice(0, 120));
    };
    const onMessage = (data: RawData, isBinary: boolean): void => {
      if (isBinary) return fail('binary frame before authentication');
      let msg: LinkMessage;
      try {
        msg = linkMessageSchema.parse(JSON.parse(data.toString()));
      } catch {
        return fail('invalid handshake message');
      }
      if (stage === 'hello' && msg.type === 'hello') {
        try {
          importPublicKey(msg.publicKey);
          importPublicKey(msg.ecdhPublicKey);
        } catch {
          return fail('unusable public key');
        }
        hello = msg;
        nonce = randomNonce();
        ecdh = newEcdhKey();
        stage = 'auth';
        const challenge = {
          v: PROTOCOL_VERSION, id: 'c0', type: 'challenge', nonce, cloudPublicKey: this.cloudKey.publicKeyB64, linkNonce: msg.linkNonce,
          ecdhPublicKey: ecdh.publicKeyB64,
        };
        ws.send(signFrame(this.cloudKey.privateKey, msg.publicKey, JSON.stringify(challenge)));
        return;
      }
      if (stage === 'auth' && msg.type === 'auth' && hello && ecdh) {
        const key = importPublicKey(hello.publicKey);
        if (!verifyBytes(key, challengeText(nonce, hello.publicKey, hello.ecdhPublicKey, ecdh.publicKeyB64), msg.signature)) return fail('challenge signature does not verify');
        stage = 'done';
        clearTimeout(timer);
        ws.off('message', onMessage);
        const macKey = sessionKey(ecdh.privateKey, hello.ecdhPublicKey, nonce, hello.publicKey);
        const admitMs = this.opts.admitTimeoutMs ?? 10_000;
        const slow = setTimeout(() => {
          release();
          log.error({ waitedMs: admitMs }, 'admitting a link took too long; closing so it tries again');
          ws.close(CLOSE.tryAgain, 'try again later');
        }, admitMs);
        this.admit(ws, hello, macKey).catch((err: Error) => {
          log.error({ err: err.message }, 'could not admit link');
          ws.close(1011, 'internal error');
        }).finally(() => {
          clearTimeout(slow);
          release();
        });
        return;
      }
      fail(`unexpected ${msg.type} during handshake`);
    };
    ws.on('message', onMessage);
    ws.on('error', () => undefined);
  }

  private async admit(ws: WebSocket, hello: Extract<LinkMessage, { type: 'hello' }>, macKey: Buffer): Promise<void> {
    const now = new Date().toISOString();
    let link = await this.store.linkByPublicKey(hello.publicKey);
    let site: SiteRecord | undefined;
    const isNew = !link;
    if (!link) {
      // A new Link becomes a site. It is authoritative unless another Link already speaks for this PMS site.
      const existing = await this.store.sitesByPmsId(hello.site.pmsType, hello.site.pmsSiteId);
      const siteId = randomUUID();
      link = { id: randomUUID(), publicKey: hello.publicKey, siteId, createdAt: now };
      site = {
        id: siteId, linkId: link.id, pmsType: hello.site.pmsType, pmsSiteId: hello.site.pmsSiteId,
        practiceName: hello.site.practiceName, pmsVersion: hello.site.pmsVersion, linkVersion: hello.linkVersion,
        catalogues: hello.site.catalogues, authoritative: !existing.some((s) => s.authoritative), status: 'active',
        createdAt: now, enrichedAt: now, lastHeardAt: now, clientTimestamp: null, session: 'open', supersededBy: null,
      };
      await this.store.createLinkAndSite(link, site);
      this.opts.log.info({ siteId, authoritative: site.authoritative }, 'new link registered');
    } else {
      await this.store.updateSite(link.siteId, {
        practiceName: hello.site.practiceName, pmsVersion: hello.site.pmsVersion, linkVersion: hello.linkVersion,
        catalogues: hello.site.catalogues, enrichedAt: now, lastHeardAt: now, session: 'open',
      });
      site = await this.store.site(link.siteId);
      if (!site) throw new Error('link without site');
    }
    // The socket may have closed (or been given up as too slow) while the store answered: a session for
    // it would never see its close event and would stay, unreachable, in the map and in presence.
    if (ws.readyState !== ws.OPEN) {
      if (!this.sessions.has(site.id)) await this.store.updateSite(site.id, { session: 'dropped' }).catch(() => undefined);
      return;
    }
    const previous = this.sessions.get(site.id);
    if (previous) previous.ws.close(CLOSE.replaced, 'replaced by a newer connection');
    const session = new LinkSession(ws, link.id, site.id, hello.publicKey, this.cloudKey.privateKey,
      { pmsType: site.pmsType, pmsSiteId: site.pmsSiteId }, site.authoritative, macKey, linkFrameBytes(hello.linkVersion));
    this.sessions.set(site.id, session);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(session, data, isBinary));
    ws.on('pong', () => {
      session.lastHeard = Date.now();
    });
    ws.on('close', (code) => this.onClose(session, code));
    session.send({ type: 'welcome', linkId: link.id, siteId: site.id, authoritative: site.authoritative, heartbeatIntervalMs: this.opts.heartbeatIntervalMs, serverTime: Date.now(), linkNonce: hello.linkNonce });
    this.hooks?.welcomed(session, site, isNew);
  }

  private onClose(session: LinkSession, code: number): void {
    if (this.sessions.get(session.siteId) === session) {
      this.sessions.delete(session.siteId);
      const clean = code === CLOSE.normal || code === CLOSE.goingAway;
      this.store.updateSite(session.siteId, { session: clean ? 'closed' : 'dropped', lastHeardAt: new Date(session.lastHeard).toISOString() }).catch(() => undefined);
      this.hooks?.closed?.(session);
    }
    session.failAll((p) => ({ kind: 'disconnected', startedAt: p.startedAt }));
  }

  private onMessage(session: LinkSession, data: RawData, isBinary: boolean): void {
    session.lastHeard = Date.now();
    if (isBinary) {
      let chunk;
      try {
        chunk = decodeChunk(data as Buffer);
      } catch {
        return;
      }
      const p = session.pending.get(chunk.header.queryId);
      if (!p) {
        session.droppedReplies++;
        return;
      }
      if (p.uploadingAt === null) {
        p.uploadingAt = Date.now();
        p.onUploading?.(p.uploadingAt);
      }
      if (p.paged) {
        try {
          p.paged.chunk(chunk.header.page, chunk.payload);
        } catch (e) {
          session.send({ type: 'query.cancel', queryId: p.qid, reason: 'the Cloud could not store the result' });
          session.settle(p.qid, { kind: 'storeFailed', message: (e as Error).message, startedAt: p.startedAt });
        }
        return;
      }
      p.bytes += chunk.payload.length;
      if (p.bytes > p.maxBytes) {
        session.send({ type: 'query.cancel', queryId: p.qid, reason: 'result larger than the limit' });
        session.settle(p.qid, { kind: 'tooLarge', startedAt: p.startedAt });
        return;
      }
      // Kept as a view of the frame when the frame is most of its buffer (a large result, reassembled
      // by ws): a copy of it would be the same bytes again. A small chunk is copied so that it does not
      // hold on to a socket read shared with other frames.
      const payload = chunk.payload;
      p.chunks.push(payload.length * 2 >= payload.buffer.byteLength ? payload : Buffer.from(payload));
      return;
    }
    let msg: LinkMessage;
    try {
      msg = linkMessageSchema.parse(JSON.parse(data.toString()));
    } catch {
      this.opts.log.warn({ siteId: session.siteId }, 'invalid message from link');
      return;
    }
    switch (msg.type) {
      case 'heartbeat':
        this.store.updateSite(session.siteId, { lastHeardAt: new Date().toISOString(), clientTimestamp: msg.clientTime }).catch(() => undefined);
        return;
      case 'query.started': {
        const p = session.pending.get(msg.queryId);
        if (!p) return void session.droppedReplies++;
        p.startedAt = Date.now();
        p.onStarted?.(p.startedAt);
        return;
      }
      case 'query.completed': {
        const p = session.pending.get(msg.queryId);
        if (!p) return void session.droppedReplies++;
        const data = p.chunks.length === 1 ? p.chunks[0]! : Buffer.concat(p.chunks);
        // Immediate queries send no query.started: their start is executingAt, on the Link's clock.
        session.settle(msg.queryId, { kind: 'completed', msg, data, startedAt: p.startedAt ?? linkStart(p, msg.executingAt), uploadingAt: p.uploadingAt, completedAt: Date.now() });
        return;
      }
      case 'query.failed': {
        const p = session.pending.get(msg.queryId);
        if (!p) return void session.droppedReplies++;
        session.settle(msg.queryId, { kind: 'failed', msg, startedAt: p.startedAt ?? linkStart(p, msg.executingAt), completedAt: Date.now() });
        return;
      }
      case 'query.page': {
        const p = session.pending.get(msg.queryId);
        if (!p?.paged) return void session.droppedReplies++;
        p.paged.page(msg).then(
          () => session.send({ type: 'page.ack', queryId: msg.queryId, page: msg.page }),
          (e: Error) => {
            session.send({ type: 'query.cancel', queryId: msg.queryId, reason: 'the Cloud could not store the result' });
            session.settle(msg.queryId, { kind: 'storeFailed', message: e.message, startedAt: p.startedAt });
          },
        );
        return;
      }
      case 'registered.result':
      case 'registered.failed':
        this.hooks?.registered?.(session, msg);
        return;
      case 'integrations.changed':
      case 'pairing.issued':
      case 'catalog.request': {
        const hooks = this.hooks;
        if (!hooks) {
          session.send({ type: 'ack', ref: msg.id, ok: false, error: 'not available' });
          return;
        }
        hooks.request(session, msg).then(
          (extra) => session.send({ type: 'ack', ref: msg.id, ok: true, ...extra }),
          (e: Error) => session.send({ type: 'ack', ref: msg.id, ok: false, error: e.message }),
        );
        return;
      }
      default:
        this.opts.log.warn({ type: msg.type }, 'unexpected message from link');
    }
  }

  /** Cancels every query of one integrator in flight at a site (the practice revoked it). */
  cancelFor(siteId: string, integratorId: string, reason: string): number {
    const session = this.sessions.get(siteId);
    if (!session) return 0;
    let n = 0;
    for (const p of [...session.pending.values()]) {
      if (p.integratorId !== integratorId) continue;
      session.send({ type: 'query.cancel', queryId: p.qid, reason });
      session.settle(p.qid, { kind: 'cancelled', reason, revoked: true, startedAt: p.startedAt });
      n++;
    }
    return n;
  }

  get sessionList(): LinkSession[] {
    return [...this.sessions.values()];
  }

  /** Sends a query to the site's Link and resolves with what happened to it. */
  dispatch(req: DispatchRequest): { outcome: Promise<DispatchOutcome>; cancel: (reason: string) => void } {
    const session = this.sessions.get(req.siteId);
    if (!session || session.ws.readyState !== session.ws.OPEN) return { outcome: Promise.resolve({ kind: 'offline' }), cancel: () => undefined };
    const qid = req.exec.queryId;
    const outcome = new Promise<DispatchOutcome>((resolve) => {
      const p: Pending = {
        qid, integratorId: req.exec.integratorId, chunks: [], bytes: 0, maxBytes: req.exec.maxResultBytes + 16, startedAt: null, uploadingAt: null, sentAt: Date.now(),
        onStarted: req.onStarted, onUploading: req.onUploading, paged: req.paged, resolve,
      };
      p.timer = setTimeout(() => {
        session.send({ type: 'query.cancel', queryId: qid, reason: 'deadline passed' });
        session.settle(qid, { kind: 'timeout', startedAt: p.startedAt });
      }, Math.max(0, req.deadline - Date.now()));
      session.pending.set(qid, p);
      if (!session.send({ type: 'query.execute', ...req.exec })) {
        // Routes refuse such a command first (checkCommand); this is the last line, for a frame they could not foresee.
        session.settle(qid, {
          kind: 'failed', startedAt: null, completedAt: Date.now(),
          msg: { v: PROTOCOL_VERSION, id: 'cloud', type: 'query.failed', queryId: qid, status: 'executionFailed', errorDetails: { errorType: 'http', errorCode: 413, errorMessage: `The query is larger than this practice's Conduit Link takes (${session.maxFrameBytes} bytes).` } },
        });
      }
    });
    const cancel = (reason: string): void => {
      const p = session.pending.get(qid);
      if (!p) return;
      session.send({ type: 'query.cancel', queryId: qid, reason });
      session.settle(qid, { kind: 'cancelled', reason, revoked: false, startedAt: p.startedAt });
    };
    return { outcome, cancel };
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const s of this.sessions.values()) {
      s.failAll((p) => ({ kind: 'disconnected', startedAt: p.startedAt }));
      s.ws.close(CLOSE.goingAway, 'cloud stopping');
    }
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

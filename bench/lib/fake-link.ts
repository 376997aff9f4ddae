// A light simulated Link for the cluster benchmark: the real handshake of packages/protocol (hello with
// an Ed25519 identity and an X25519 key, the Cloud's signed challenge checked, the challenge text
// signed, the session key derived, welcome) and then an idle socket with the Link's heartbeats. No
// database, no executors: what a node holds per idle Link is what is measured. On a lost connection it
// waits the Link's own backoff, then tries another node (as a load balancer spreading connections and
// skipping a refused backend would), so a killed node's Links reconnect elsewhere. A node that is busy
// answers the upgrade 503 + Retry-After: then, as the real Link (packages/link/src/link.ts), it waits
// that pushback with its jitter (Backoff.busy) and tries again, on a node chosen at random. Like the
// Link, it gives up on an attempt that opened but brought no welcome within DEFAULT_WELCOME_TIMEOUT_MS.
import WebSocket from 'ws';
import {
  PROTOCOL_VERSION, challengeText, importPublicKey, newEcdhKey, newIdentity, openFrame, randomNonce, sessionKey, signBytes,
  type EcdhKey, type Identity,
} from '@conduit/protocol';
import { Backoff, DEFAULT_BACKOFF, DEFAULT_WELCOME_TIMEOUT_MS, parseRetryAfter } from '../../packages/link/src/backoff.js';

export interface FakeLinkEvents {
  /** A welcome arrived (first connection or a reconnection), from the node at `urls[node]`. */
  welcomed(link: FakeLink, node: number): void;
  /** An established session ended. */
  dropped(link: FakeLink): void;
  /** A handshake was refused or broke off (counted, then retried). */
  failed(link: FakeLink, why: string): void;
}

export class FakeLink {
  private readonly identity: Identity = newIdentity();
  private readonly backoff = new Backoff(DEFAULT_BACKOFF);
  private ws?: WebSocket;
  private ecdh?: EcdhKey;
  private nonce = '';
  private seq = 0;
  private heartbeat?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private connectedAt = 0;
  /** Index into urls of the node this Link is on (or trying). */
  node: number;
  siteId?: string;
  welcomes = 0;
  /** Set when connected; cleared on close. */
  up = false;

  constructor(
    private readonly urls: string[],
    firstNode: number,
    private readonly pmsSiteId: string,
    private readonly events: FakeLinkEvents,
  ) {
    this.node = firstNode;
  }

  /** Opens the connection; resolves when welcomed or when this attempt fails (it keeps retrying). */
  start(): Promise<void> {
    return new Promise((resolve) => this.connect(0, resolve));
  }

  private connect(tried: number, settled?: () => void): void {
    if (this.stopped) return settled?.();
    const url = `${this.urls[this.node]!.replace(/^http/, 'ws')}/link/v1/connect`;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000, maxPayload: 1024 * 1024 });
    this.ws = ws;
    let opened = false;
    let cloudKey: ReturnType<typeof importPublicKey> | undefined;
    /** Set when the node refused the upgrade as busy: its Retry-After in ms (null without one). */
    let pushback: number | null | undefined;
    let refusedStatus: number | undefined;
    let error = '';
    let welcomeTimer: NodeJS.Timeout | undefined;
    let noWelcome = false;
    ws.on('unexpected-response', (_req, res) => {
      refusedStatus = res.statusCode;
      if (res.statusCode === 503 || res.statusCode === 429) pushback = parseRetryAfter(res.headers['retry-after']) ?? null;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      opened = true;
      welcomeTimer = setTimeout(() => {
        noWelcome = true;
        ws.terminate();
      }, DEFAULT_WELCOME_TIMEOUT_MS);
      this.nonce = randomNonce();
      this.ecdh = newEcdhKey();
      this.send({
        type: 'hello', publicKey: this.identity.publicKeyB64, linkVersion: 'bench-fake-link', linkNonce: this.nonce, ecdhPublicKey: this.ecdh.publicKeyB64,
        site: { pmsType: 'BestPractice', pmsSiteId: this.pmsSiteId, practiceName: `Bench Practice ${this.pmsSiteId}`, pmsVersion: '1.0', catalogues: [{ name: 'BPSPatients', isDefault: true }] },
      });
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary || this.up) return; // after the welcome: integrations.sync, registered.sync — an idle Link ignores them
      const frame = data.toString();
      const body = JSON.parse(frame.slice(frame.indexOf('.') + 1)) as { type: string; cloudPublicKey?: string; nonce?: string; linkNonce?: string; ecdhPublicKey?: string; siteId?: string; heartbeatIntervalMs?: number };
      if (body.type === 'challenge') {
        // The challenge must be signed by the key it introduces, for this Link's key, as the Link checks.
        cloudKey = importPublicKey(body.cloudPublicKey!);
        if (body.linkNonce !== this.nonce || openFrame(cloudKey, this.identity.publicKeyB64, frame) === null) {
          ws.close(4400, 'bad challenge');
          return;
        }
        sessionKey(this.ecdh!.privateKey, body.ecdhPublicKey!, body.nonce!, this.identity.publicKeyB64);
        this.send({ type: 'auth', signature: signBytes(this.identity.privateKey, challengeText(body.nonce!, this.identity.publicKeyB64, this.ecdh!.publicKeyB64, body.ecdhPublicKey!)) });
        return;
      }
      if (body.type === 'welcome' && cloudKey && openFrame(cloudKey, this.identity.publicKeyB64, frame) !== null) {
        this.up = true;
        clearTimeout(welcomeTimer);
        this.connectedAt = Date.now();
        this.siteId = body.siteId;
        this.welcomes++;
        const every = body.heartbeatIntervalMs ?? 60_000;
        this.heartbeat = setInterval(() => this.send({ type: 'heartbeat', clientTime: new Date().toISOString(), inFlight: 0 }), every);
        this.events.welcomed(this, this.node);
        settled?.();
        settled = undefined;
      }
    });
    ws.on('error', (e: Error & { code?: string }) => {
      error ||= e.code === 'ECONNREFUSED' ? 'refused' : /timed out/.test(e.message) ? 'timeout' : e.code ?? e.message;
    });
    ws.on('close', (code: number) => {
      clearTimeout(welcomeTimer);
      clearInterval(this.heartbeat);
      const wasUp = this.up;
      this.up = false;
      if (this.ws === ws) this.ws = undefined;
      if (wasUp) this.events.dropped(this);
      else this.events.failed(this, noWelcome ? `no welcome within ${DEFAULT_WELCOME_TIMEOUT_MS / 1000} s` : opened ? `closed ${code} during the handshake` : failedBefore(refusedStatus, error));
      settled?.();
      settled = undefined;
      if (this.stopped) return;
      if (pushback !== undefined) {
        // Busy: the node's pushback, then any node (a load balancer may send it to the same one again).
        this.node = Math.floor(Math.random() * this.urls.length);
        this.retry = setTimeout(() => this.connect(0), this.backoff.busy(pushback ?? undefined));
        return;
      }
      // A refused connection goes straight to the next node, as a load balancer skips a dead backend;
      // once every node was tried, or after a session ended, the Link's backoff applies and the next
      // attempt goes to one of the other nodes at random (a load balancer spreads new connections).
      if (!opened && tried + 1 < this.urls.length) {
        this.node = (this.node + 1) % this.urls.length;
        return this.connect(tried + 1);
      }
      const n = this.urls.length;
      this.node = n > 1 ? (this.node + 1 + Math.floor(Math.random() * (n - 1))) % n : 0;
      this.backoff.connectionLasted(wasUp ? Date.now() - this.connectedAt : 0);
      this.retry = setTimeout(() => this.connect(0), this.backoff.next());
    });
  }

  private send(msg: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id: `l${++this.seq}`, ...msg }));
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    this.ws?.terminate();
  }
}

/** Why an attempt ended before the upgrade, for the report. */
function failedBefore(status: number | undefined, error: string): string {
  if (status === 503) return 'refused busy (HTTP 503, retried after its Retry-After)';
  if (status !== undefined) return `upgrade answered HTTP ${status}`;
  if (error === 'refused') return 'connection refused (node down)';
  if (error === 'timeout') return 'no upgrade answer within 10 s';
  return `not opened (${error || 'closed'})`;
}

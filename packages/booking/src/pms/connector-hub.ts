// The product's own connector endpoint: accepts the legacy Connector agents' WebSockets on a path of
// the booking server, authenticates each by practice id and token (only a SHA-256 of the token is
// kept; compared in constant time), maps practice -> connection, and does request/response with ids
// and timeouts. `retire` switches a Connector off remotely and waits for its confirmation.
// It also keeps, per practice, what the agent last reported (Bp Premier version, whether the
// practice still lets the Connector's database login in, when it was last heard from): `info()`.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type Database from 'better-sqlite3';
// The wire format is the Connector's own (one definition for both ends).
import { AgentMessageSchema, CLOSE_RETIRED, CLOSE_UNAUTHORISED, LOGIN_FAILED_NUMBER, PROTOCOL_VERSION, type AgentMessage } from '@conduit/connector/protocol';

export interface HubParameter { name: string; type?: string; value?: string | number | boolean | null; direction?: 'input' | 'output' | 'inputOutput' | 'returnValue' }
export interface HubRequest { text: string; type?: 'text' | 'storedProcedure'; parameters?: HubParameter[] }
export interface HubResult { rows: Record<string, unknown>[]; rowsAffected: number; returnValue: number | null; output: Record<string, unknown> }

/**
 * A request the Connector could not carry out: `offline` (not connected, so nothing was sent), `lost`
 * (the connection ended after the request was sent: it may have run), `timeout` (no answer in time: it
 * may still run), a `database` error it reported, `retired`, or `denied` (SQL Server refused the
 * Connector's login, error 18456: the practice has unticked the integration in Bp's "Setup third-party
 * integrations").
 */
export type ConnectorErrorKind = 'offline' | 'lost' | 'timeout' | 'database' | 'retired' | 'denied';

export class ConnectorError extends Error {
  constructor(readonly kind: ConnectorErrorKind, message: string, readonly number?: number) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

interface Pending { resolve: (r: HubResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
interface Conn { ws: WebSocket; pending: Map<string, Pending>; retired?: (databaseClosed: boolean) => void }

/** What the hub knows of a practice's Connector. Reported values are the last ones the agent sent (kept while offline). */
export interface ConnectorInfo {
  online: boolean;
  retired: boolean;
  /** Bp Premier version the agent last reported, or null if it never did. */
  pmsVersion: string | null;
  /** Whether the practice still lets the Connector's database login in; null if never reported. */
  databaseAccess: boolean | null;
  /** ISO time the agent was last heard from (its last message, or its connection closing); null if never since the hub started. */
  lastSeenAt: string | null;
}

export type ConnectorHubEvent = 'online' | 'offline' | 'retired' | 'refused' | 'access-cut' | 'access-restored';

interface Reported { pmsVersion: string | null; databaseAccess: boolean | null; lastSeenAt: string | null }

export interface ConnectorHubOptions {
  /** URL path the agents connect to (default /connector). */
  path?: string;
  requestTimeoutMs?: number;
  /** Seconds an agent has to say hello (default 10). */
  helloTimeoutMs?: number;
  /**
   * A request for a practice whose Connector dropped within the last 10 s waits up to this long for it
   * to reconnect before failing as offline (default 3000 ms): a blip costs a patient a moment, not an error.
   */
  reconnectWaitMs?: number;
  /** The booking product's SQLite: token hashes and retirements are kept there and survive a restart. */
  db?: Database.Database;
}

const HUB_SCHEMA = `CREATE TABLE IF NOT EXISTS connector_token (practice TEXT PRIMARY KEY, hash BLOB, retired_at TEXT);`;

export class ConnectorHub {
  readonly path: string;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  private readonly tokens = new Map<string, Buffer>();
  private readonly conns = new Map<string, Conn>();
  private readonly retiredIds = new Set<string>();
  private readonly reported = new Map<string, Reported>();
  private readonly timeoutMs: number;
  private readonly helloMs: number;
  private readonly reconnectWaitMs: number;
  private readonly droppedAt = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly db: Database.Database | undefined;
  /**
   * Called on connect / disconnect / retire / refusal, and when the agent's database access is cut
   * ('access-cut': reported false after true or never reported) or comes back ('access-restored')
   * (for audit and the dashboard).
   */
  onEvent: (practiceId: string, event: ConnectorHubEvent) => void = () => undefined;

  constructor(opts: ConnectorHubOptions = {}) {
    this.path = opts.path ?? '/connector';
    this.timeoutMs = opts.requestTimeoutMs ?? 15_000;
    this.helloMs = opts.helloTimeoutMs ?? 10_000;
    this.reconnectWaitMs = opts.reconnectWaitMs ?? 3000;
    this.db = opts.db;
    if (this.db) {
      this.db.exec(HUB_SCHEMA);
      const rows = this.db.prepare('SELECT practice, hash, retired_at AS retiredAt FROM connector_token').all() as { practice: string; hash: Buffer | null; retiredAt: string | null }[];
      for (const r of rows) {
        if (r.retiredAt !== null) this.retiredIds.add(r.practice);
        else if (r.hash && r.hash.length === 32) this.tokens.set(r.practice, Buffer.from(r.hash));
      }
    }
  }

  /** Registers (or rotates) a practice's token; only its SHA-256 is kept. */
  setToken(practiceId: string, token: string): void {
    this.setTokenHash(practiceId, hashToken(token));
  }

  setTokenHash(practiceId: string, hash: Buffer): void {
    if (hash.length !== 32) throw new Error('a Connector token hash is 32 bytes (SHA-256)');
    if (this.retiredIds.has(practiceId)) throw new ConnectorError('retired', 'The Connector of this practice has been retired.');
    this.tokens.set(practiceId, Buffer.from(hash));
    this.db?.prepare('INSERT INTO connector_token (practice, hash, retired_at) VALUES (?, ?, NULL) ON CONFLICT(practice) DO UPDATE SET hash = excluded.hash')
      .run(practiceId, Buffer.from(hash));
  }

  /** Hands the server's upgrade requests on `path` to the hub. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== this.path) { socket.destroy(); return; }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  isOnline(practiceId: string): boolean {
    return this.conns.get(practiceId)?.ws.readyState === WebSocket.OPEN;
  }

  /** Whether a Connector was ever registered for the practice (a token set, or retired). */
  isRegistered(practiceId: string): boolean {
    return this.tokens.has(practiceId) || this.retiredIds.has(practiceId);
  }

  isRetired(practiceId: string): boolean {
    return this.retiredIds.has(practiceId);
  }

  /** The practice's Connector: connected, retired, and what it last reported. */
  info(practiceId: string): ConnectorInfo {
    const r = this.reported.get(practiceId);
    return {
      online: this.isOnline(practiceId),
      retired: this.isRetired(practiceId),
      pmsVersion: r?.pmsVersion ?? null,
      databaseAccess: r?.databaseAccess ?? null,
      lastSeenAt: r?.lastSeenAt ?? null,
    };
  }

  /**
   * Records what the agent reported (absent fields keep their last value) and when; returns the
   * access event to fire, if access changed, so callers fire it after their own event.
   */
  private report(practiceId: string, got: { pmsVersion?: string; databaseAccess?: boolean }): 'access-cut' | 'access-restored' | undefined {
    let r = this.reported.get(practiceId);
    if (!r) { r = { pmsVersion: null, databaseAccess: null, lastSeenAt: null }; this.reported.set(practiceId, r); }
    r.lastSeenAt = new Date().toISOString();
    if (got.pmsVersion !== undefined) r.pmsVersion = got.pmsVersion;
    if (got.databaseAccess === undefined || got.databaseAccess === r.databaseAccess) return undefined;
    const before = r.databaseAccess;
    r.databaseAccess = got.databaseAccess;
    if (!got.databaseAccess) return 'access-cut';
    return before === false ? 'access-restored' : undefined;
  }

  private verify(practiceId: string, token: string): boolean {
    const want = this.tokens.get(practiceId);
    const got = hashToken(token);
    // Compare against a dummy when the practice is unknown so timing does not tell either apart.
    const ok = timingSafeEqual(want ?? Buffer.alloc(32), got);
    return want !== undefined && ok && !this.retiredIds.has(practiceId);
  }

  private accept(ws: WebSocket): void {
    let practiceId: string | undefined;
    const helloTimer = setTimeout(() => ws.close(CLOSE_UNAUTHORISED, 'no hello'), this.helloMs);
    ws.on('message', (data: RawData) => {
      let msg: AgentMessage;
      try {
        const p = AgentMessageSchema.safeParse(JSON.parse(String(data)));
        if (!p.success) return;
        msg = p.data;
      } catch {
        return;
      }
      if (practiceId === undefined) {
        if (msg.kind !== 'hello') return;
        clearTimeout(helloTimer);
        if (msg.version !== PROTOCOL_VERSION || !this.verify(msg.practiceId, msg.token)) {
          this.onEvent(msg.practiceId, 'refused');
          ws.close(CLOSE_UNAUTHORISED, 'unauthorised');
          return;
        }
        practiceId = msg.practiceId;
        const old = this.conns.get(practiceId);
        if (old) { old.ws.close(1000, 'replaced'); this.failAll(old, new ConnectorError('lost', 'The Connector reconnected before answering.')); }
        this.conns.set(practiceId, { ws, pending: new Map() });
        this.droppedAt.delete(practiceId);
        for (const w of this.waiters.get(practiceId) ?? []) w();
        this.waiters.delete(practiceId);
        const access = this.report(practiceId, msg);
        ws.send(JSON.stringify({ kind: 'welcome', practiceId }));
        this.onEvent(practiceId, 'online');
        if (access) this.onEvent(practiceId, access);
        return;
      }
      const conn = this.conns.get(practiceId);
      if (!conn || conn.ws !== ws) return;
      const denied = msg.kind === 'response' && msg.error?.number === LOGIN_FAILED_NUMBER;
      // A refused login means access is cut even if the agent (an older one) sent no status.
      const access = this.report(practiceId, msg.kind === 'status' ? msg : denied ? { databaseAccess: false } : {});
      if (access) this.onEvent(practiceId, access);
      if (msg.kind === 'response') {
        const p = conn.pending.get(msg.id);
        if (!p) return;
        conn.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new ConnectorError(denied ? 'denied' : 'database', msg.error.message, msg.error.number));
        else p.resolve({ rows: msg.rows ?? [], rowsAffected: msg.rowsAffected ?? -1, returnValue: msg.returnValue ?? null, output: msg.output ?? {} });
      } else if (msg.kind === 'retired' && msg.practiceId === practiceId) {
        conn.retired?.(msg.databaseClosed);
      }
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (practiceId === undefined) return;
      const conn = this.conns.get(practiceId);
      if (conn?.ws !== ws) return;
      this.conns.delete(practiceId);
      this.droppedAt.set(practiceId, Date.now());
      this.report(practiceId, {}); // last seen: when its connection ended
      this.failAll(conn, new ConnectorError('lost', 'The Connector at the practice disconnected before answering.'));
      conn.retired?.(false);
      this.onEvent(practiceId, 'offline');
    });
    ws.on('error', () => undefined);
  }

  private failAll(conn: Conn, e: Error): void {
    for (const p of conn.pending.values()) { clearTimeout(p.timer); p.reject(e); }
    conn.pending.clear();
  }

  /** Sends one command to the practice's Connector and waits for its answer. */
  async request(practiceId: string, req: HubRequest, timeoutMs = this.timeoutMs): Promise<HubResult> {
    if (this.retiredIds.has(practiceId)) throw new ConnectorError('retired', 'The Connector of this practice has been retired.');
    const conn = this.live(practiceId) ?? (await this.reconnected(practiceId));
    if (!conn) throw new ConnectorError('offline', 'The Connector at the practice is not connected.');
    const id = randomUUID();
    return new Promise<HubResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.pending.delete(id);
        reject(new ConnectorError('timeout', 'The Connector at the practice took too long to answer.'));
      }, timeoutMs);
      conn.pending.set(id, { resolve, reject, timer });
      conn.ws.send(JSON.stringify({ kind: 'request', id, text: req.text, type: req.type ?? 'text', parameters: req.parameters ?? [] }));
    });
  }

  private live(practiceId: string): Conn | undefined {
    const conn = this.conns.get(practiceId);
    return conn?.ws.readyState === WebSocket.OPEN ? conn : undefined;
  }

  /** The connection of a Connector that dropped in the last 10 s, once it is back (undefined if not within reconnectWaitMs). */
  private async reconnected(practiceId: string): Promise<Conn | undefined> {
    const dropped = this.droppedAt.get(practiceId);
    if (dropped === undefined || Date.now() - dropped > 10_000 || this.reconnectWaitMs <= 0) return undefined;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(practiceId) ?? new Set<() => void>();
      this.waiters.set(practiceId, set);
      const done = (): void => { clearTimeout(timer); set.delete(done); resolve(); };
      const timer = setTimeout(done, this.reconnectWaitMs);
      set.add(done);
    });
    return this.live(practiceId);
  }

  /**
   * Switches the practice's Connector off: it closes its database and confirms `retired`; the hub
   * records the retirement, then acknowledges with CLOSE_RETIRED and the agent exits. Resolves true
   * only when the agent confirmed with its database closed. The token is forgotten so the agent can
   * never reconnect.
   */
  async retire(practiceId: string, reason = 'Moved to Conduit', timeoutMs = this.timeoutMs): Promise<boolean> {
    const conn = this.conns.get(practiceId);
    if (!conn || conn.ws.readyState !== WebSocket.OPEN) return false;
    const confirmed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      conn.retired = (closed) => { clearTimeout(timer); resolve(closed); };
      conn.ws.send(JSON.stringify({ kind: 'shutdown', reason }));
    });
    if (!confirmed) {
      // The agent opens its database again when the connection ends without our acknowledgement.
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(1000, 'retirement not confirmed');
      return false;
    }
    // Recorded first, then acknowledged: an agent whose retirement was not recorded (a crash in
    // between) never sees CLOSE_RETIRED and resumes, so both sides agree.
    this.retiredIds.add(practiceId);
    this.tokens.delete(practiceId);
    this.db?.prepare('INSERT INTO connector_token (practice, hash, retired_at) VALUES (?, NULL, ?) ON CONFLICT(practice) DO UPDATE SET hash = NULL, retired_at = excluded.retired_at')
      .run(practiceId, new Date().toISOString());
    conn.ws.close(CLOSE_RETIRED, 'retired');
    this.onEvent(practiceId, 'retired');
    return true;
  }

  close(): void {
    for (const set of this.waiters.values()) for (const w of set) w();
    for (const conn of this.conns.values()) {
      this.failAll(conn, new ConnectorError('lost', 'The booking server closed before the Connector answered.'));
      conn.ws.terminate();
    }
    this.conns.clear();
    this.wss.close();
  }
}

// The Connector agent: opens the practice database directly with its own credentials (here the
// simulated Bp database file), holds one outbound WebSocket to the product's connector endpoint,
// answers the product's requests, reconnects with backoff, and retires itself on `shutdown`.
//
// Like the real thing it gets into the database with a login of its own (`loginName`), which the
// practice controls with the integration's tick box in Bp's "Setup third-party integrations". Before
// each request, and every `statusIntervalMs`, it checks that the login is still let in; when the
// practice has unticked it, requests are answered with SQL Server's error 18456 and not run, and the
// change is reported to the product (`status`) together with the practice's Bp Premier version.
import { WebSocket, type RawData } from 'ws';
import { BpSimDatabase, SqlServerError, integrationLoginEnabled, readPracticeInfo, type SimParam } from '@conduit/bp-sim';
import {
  CLOSE_RETIRED, CLOSE_UNAUTHORISED, LOGIN_FAILED_NUMBER, PROTOCOL_VERSION, ServerMessageSchema,
  type AgentMessage, type ConnectorParameter, type ConnectorRequest, type ConnectorResponse,
} from './protocol.js';

/** The database login of the booking product's integration, as the practice sees it in Bp. */
export const DEFAULT_LOGIN_NAME = 'Bookwell Connector';
export const DEFAULT_STATUS_INTERVAL_MS = 5000;
/** How long a closing agent waits for the server to acknowledge the close before dropping the socket. */
const CLOSE_GRACE_MS = 2000;
/** How long a retiring agent waits for the product's acknowledgement before it gives the retirement up. */
const RETIRE_ACK_MS = 15_000;

/** What the agent knows about its access to the practice database. */
export interface AgentStatus {
  /** False when the practice has unticked the integration, so SQL Server refuses the login. */
  databaseAccess: boolean;
  /** PRACTICE.PMSVERSION as last read (only readable while the login is let in). */
  pmsVersion?: string;
}

export interface ConnectorAgentOptions {
  /** ws:// or wss:// URL of the product's connector endpoint. */
  url: string;
  practiceId: string;
  token: string;
  /** The practice database (the simulated BPSPatients file). */
  databaseFile: string;
  backoff?: { initialMs?: number; maxMs?: number };
  log?: (msg: string) => void;
  /** The agent's own database login, ticked or unticked by the practice (default 'Bookwell Connector'). */
  loginName?: string;
  /** How often database access is re-checked while the agent runs (default 5000 ms). */
  statusIntervalMs?: number;
  /** Called on every change of `state`. */
  onStateChange?: (state: AgentState) => void;
  /** Called when database access or the PMS version changes (the first check included). */
  onStatusChange?: (status: AgentStatus) => void;
}

/**
 * `retiring`: told to shut down, its database closed and `retired` sent; waiting for the product to
 * acknowledge (close code 4410). A retirement the product never acknowledged is undone: the database
 * is opened again and the agent reconnects, so both sides always agree on whether it is retired.
 */
export type AgentState = 'idle' | 'connecting' | 'online' | 'waiting' | 'retiring' | 'unauthorised' | 'retired' | 'stopped';

const INT_TYPES = new Set(['int', 'bigint', 'smallint', 'tinyint']);
const NUM_TYPES = new Set(['decimal', 'float', 'real', 'money', 'numeric']);

/** Halo-style parameters (string values typed by name) to the simulator's typed values. */
export function toSimParams(params: ConnectorParameter[]): SimParam[] {
  return params.map((p) => {
    const t = (p.type ?? '').toLowerCase();
    let value: unknown = p.value ?? null;
    if (typeof value === 'string' && (INT_TYPES.has(t) || NUM_TYPES.has(t)) && value.trim() !== '') value = Number(value);
    if (t === 'bit' && typeof value === 'string') value = value === '1' || value.toLowerCase() === 'true';
    return { name: p.name, direction: p.direction ?? 'input', value, ...(p.type ? { sqlType: p.type } : {}) };
  });
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

export class ConnectorAgent {
  state: AgentState = 'idle';
  /** Requests answered since start. */
  answered = 0;
  private db: BpSimDatabase | undefined;
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private access: boolean | undefined;
  private version: string | undefined;
  private finished: Promise<AgentState>;
  private finish!: (s: AgentState) => void;
  private readonly log: (msg: string) => void;
  readonly loginName: string;

  constructor(private readonly opts: ConnectorAgentOptions) {
    this.log = opts.log ?? (() => undefined);
    this.loginName = opts.loginName ?? DEFAULT_LOGIN_NAME;
    this.finished = new Promise((r) => { this.finish = r; });
  }

  /** Opens the database and connects (the connection itself is made asynchronously). */
  start(): void {
    if (this.state !== 'idle') return;
    this.db = BpSimDatabase.open(this.opts.databaseFile);
    this.refreshStatus(true);
    const every = this.opts.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
    if (every > 0) {
      this.statusTimer = setInterval(() => this.refreshStatus(true), every);
      this.statusTimer.unref();
    }
    this.connect();
  }

  /** Whether the practice still lets the agent's login in (undefined before start). */
  get databaseAccess(): boolean | undefined {
    return this.access;
  }

  /** The practice's Bp Premier version as last read (undefined if never readable). */
  get pmsVersion(): string | undefined {
    return this.version;
  }

  /** Resolves when the agent stops for good: 'retired', 'unauthorised' or 'stopped'. */
  done(): Promise<AgentState> {
    return this.finished;
  }

  get databaseOpen(): boolean {
    return this.db !== undefined;
  }

  /** Stops locally (service stop): closes the socket and the database, no reconnect. */
  stop(): void {
    this.end('stopped');
  }

  private setState(state: AgentState): void {
    if (this.state === state) return;
    this.state = state;
    this.opts.onStateChange?.(state);
  }

  /** Stops for good; `done()` resolves once the socket has closed (or after a short grace). */
  private end(state: AgentState): void {
    if (this.state === 'retired' || this.state === 'stopped' || this.state === 'unauthorised') return;
    this.setState(state);
    clearTimeout(this.timer);
    clearInterval(this.statusTimer);
    this.closeDb();
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      ws.once('close', () => { clearTimeout(grace); this.finish(state); });
      ws.close(state === 'retired' ? CLOSE_RETIRED : 1000);
    } else {
      this.finish(state);
    }
  }

  /**
   * Re-checks the login (a one-row lookup on the open database) and, when the login is let in and
   * `readVersion` is set or access has just come back, the practice's PMS version. Reports a change
   * to the server (when connected) and to `onStatusChange`.
   */
  private refreshStatus(readVersion: boolean): void {
    const db = this.db;
    if (!db) return;
    let access: boolean;
    try {
      access = integrationLoginEnabled(db, this.loginName);
    } catch (e) {
      this.log(`connector: could not check the database login: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    let version = this.version;
    if (access && (readVersion || this.access !== true)) {
      try { version = readPracticeInfo(db).pmsVersion; } catch { /* keep the last one read */ }
    }
    if (access === this.access && version === this.version) return;
    this.access = access;
    this.version = version;
    const status = this.status();
    this.opts.onStatusChange?.(status);
    if (this.state === 'online') this.send({ kind: 'status', ...status });
  }

  private status(): AgentStatus {
    return { databaseAccess: this.access ?? false, ...(this.version !== undefined ? { pmsVersion: this.version } : {}) };
  }

  private closeDb(): void {
    try { this.db?.close(); } catch { /* already closed */ }
    this.db = undefined;
  }

  private connect(): void {
    this.setState('connecting');
    const ws = new WebSocket(this.opts.url, { handshakeTimeout: 10_000, maxPayload: 8 * 1024 * 1024 });
    this.ws = ws;
    ws.on('open', () => {
      this.refreshStatus(true);
      this.send({ kind: 'hello', practiceId: this.opts.practiceId, token: this.opts.token, version: PROTOCOL_VERSION, agent: 'conduit-connector/0.1.0', ...this.status() });
    });
    ws.on('message', (data: RawData) => this.onMessage(ws, data));
    ws.on('error', (e) => this.log(`connector: ${e.message}`));
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (code === CLOSE_UNAUTHORISED) { this.log('connector: refused (practice id or token)'); this.end('unauthorised'); return; }
      if (code === CLOSE_RETIRED) { this.end('retired'); return; }
      if (this.state === 'retired' || this.state === 'stopped') return;
      if (this.state === 'retiring') {
        // The product did not acknowledge (it may have crashed before recording it): not retired after all.
        this.log('connector: the product did not acknowledge the retirement; opening the database again and reconnecting');
        clearTimeout(this.timer);
        this.db = BpSimDatabase.open(this.opts.databaseFile);
        this.access = undefined;
        this.refreshStatus(true);
      }
      this.setState('waiting');
      const initial = this.opts.backoff?.initialMs ?? 500;
      const max = this.opts.backoff?.maxMs ?? 30_000;
      const delay = Math.min(max, initial * 2 ** Math.min(this.attempt++, 16));
      this.timer = setTimeout(() => this.connect(), Math.round(delay * (0.75 + Math.random() * 0.5)));
    });
  }

  private send(msg: AgentMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private onMessage(ws: WebSocket, data: RawData): void {
    let parsed;
    try {
      parsed = ServerMessageSchema.safeParse(JSON.parse(String(data)));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.kind === 'welcome') { this.setState('online'); this.attempt = 0; return; }
    if (msg.kind === 'request') { this.send(this.answer(msg)); return; }
    // shutdown: close the database first, confirm, then wait for the product to record it and close
    // with CLOSE_RETIRED (see the 'close' handler); without that acknowledgement the retirement is undone.
    if (this.state === 'retiring') return;
    this.closeDb();
    this.setState('retiring');
    ws.send(JSON.stringify({ kind: 'retired', practiceId: this.opts.practiceId, databaseClosed: this.db === undefined } satisfies AgentMessage));
    this.timer = setTimeout(() => ws.terminate(), RETIRE_ACK_MS);
  }

  private answer(req: ConnectorRequest): ConnectorResponse {
    this.answered++;
    if (!this.db) return { kind: 'response', id: req.id, error: { message: 'The practice database is closed.' } };
    // Cut login: SQL Server would refuse the connection, so nothing runs. The status goes out first.
    this.refreshStatus(false);
    if (this.access === false) return { kind: 'response', id: req.id, error: { message: `Login failed for user '${this.loginName}'.`, number: LOGIN_FAILED_NUMBER } };
    try {
      const out = this.db.execute({ text: req.text, type: req.type, params: toSimParams(req.parameters) });
      const rows = Array.from(out.rows, (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
      const output = Object.fromEntries(Object.entries(out.output).map(([k, v]) => [k, plain(v)]));
      return { kind: 'response', id: req.id, rows, rowsAffected: out.rowsAffected, returnValue: out.returnValue, output };
    } catch (e) {
      return { kind: 'response', id: req.id, error: { message: e instanceof Error ? e.message : String(e), ...(e instanceof SqlServerError ? { number: e.number } : {}) } };
    }
  }
}

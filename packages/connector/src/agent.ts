// The Connector agent: opens the practice database directly with its own credentials (here the
// simulated Bp database file), holds one outbound WebSocket to the product's connector endpoint,
// answers the product's requests, reconnects with backoff, and retires itself on `shutdown`.
import { WebSocket, type RawData } from 'ws';
import { BpSimDatabase, SqlServerError, type SimParam } from '@conduit/bp-sim';
import {
  CLOSE_RETIRED, CLOSE_UNAUTHORISED, PROTOCOL_VERSION, ServerMessageSchema,
  type AgentMessage, type ConnectorParameter, type ConnectorRequest, type ConnectorResponse,
} from './protocol.js';

export interface ConnectorAgentOptions {
  /** ws:// or wss:// URL of the product's connector endpoint. */
  url: string;
  practiceId: string;
  token: string;
  /** The practice database (the simulated BPSPatients file). */
  databaseFile: string;
  backoff?: { initialMs?: number; maxMs?: number };
  log?: (msg: string) => void;
}

export type AgentState = 'idle' | 'connecting' | 'online' | 'waiting' | 'unauthorised' | 'retired' | 'stopped';

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
  private attempt = 0;
  private finished: Promise<AgentState>;
  private finish!: (s: AgentState) => void;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: ConnectorAgentOptions) {
    this.log = opts.log ?? (() => undefined);
    this.finished = new Promise((r) => { this.finish = r; });
  }

  /** Opens the database and connects; resolves once the first attempt has been made. */
  start(): void {
    if (this.state !== 'idle') return;
    this.db = BpSimDatabase.open(this.opts.databaseFile);
    this.connect();
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

  private end(state: AgentState): void {
    if (this.state === 'retired' || this.state === 'stopped' || this.state === 'unauthorised') return;
    this.state = state;
    clearTimeout(this.timer);
    this.closeDb();
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(state === 'retired' ? CLOSE_RETIRED : 1000);
    this.finish(state);
  }

  private closeDb(): void {
    try { this.db?.close(); } catch { /* already closed */ }
    this.db = undefined;
  }

  private connect(): void {
    this.state = 'connecting';
    const ws = new WebSocket(this.opts.url, { handshakeTimeout: 10_000, maxPayload: 8 * 1024 * 1024 });
    this.ws = ws;
    ws.on('open', () => {
      this.send({ kind: 'hello', practiceId: this.opts.practiceId, token: this.opts.token, version: PROTOCOL_VERSION, agent: 'conduit-connector/0.1.0' });
    });
    ws.on('message', (data: RawData) => this.onMessage(ws, data));
    ws.on('error', (e) => this.log(`connector: ${e.message}`));
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (code === CLOSE_UNAUTHORISED) { this.log('connector: refused (practice id or token)'); this.end('unauthorised'); return; }
      if (code === CLOSE_RETIRED) { this.end('retired'); return; }
      if (this.state === 'retired' || this.state === 'stopped') return;
      this.state = 'waiting';
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
    if (msg.kind === 'welcome') { this.state = 'online'; this.attempt = 0; return; }
    if (msg.kind === 'request') { this.send(this.answer(msg)); return; }
    // shutdown: close the database first, confirm, then close for good.
    this.closeDb();
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ kind: 'retired', practiceId: this.opts.practiceId, databaseClosed: this.db === undefined } satisfies AgentMessage));
    this.end('retired');
  }

  private answer(req: ConnectorRequest): ConnectorResponse {
    this.answered++;
    if (!this.db) return { kind: 'response', id: req.id, error: { message: 'The practice database is closed.' } };
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

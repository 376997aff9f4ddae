// One authenticated Link connection: signs everything it sends, and matches result chunks and
// completions to the queries waiting on them.
import type { WebSocket } from 'ws';
import type { KeyObject } from 'node:crypto';
import { signFrame, macFrame, PROTOCOL_VERSION, type CloudMessage, type QueryCompleted, type QueryFailed, type QueryPage } from '@conduit/protocol';
import type { PracticeKey } from '../store/types.js';

export type DispatchOutcome =
  | { kind: 'completed'; msg: QueryCompleted; data: Buffer; startedAt: number | null; uploadingAt: number | null; completedAt: number }
  | { kind: 'failed'; msg: QueryFailed; startedAt: number | null; completedAt: number }
  | { kind: 'offline' }
  /** In a cluster: the bus to the node holding the site's Link failed (the Link itself may be fine). */
  | { kind: 'clusterDown' }
  | { kind: 'disconnected'; startedAt: number | null }
  | { kind: 'timeout'; startedAt: number | null }
  | { kind: 'tooLarge'; startedAt: number | null }
  | { kind: 'cancelled'; reason: string; revoked: boolean; startedAt: number | null }
  | { kind: 'storeFailed'; message: string; startedAt: number | null };

/** Where a paged (async) result goes as it arrives, instead of memory. */
export interface PageSink {
  chunk(page: number, payload: Buffer): void;
  /** The page is complete: store it; the Link gets page.ack when this resolves. */
  page(meta: QueryPage): Promise<void>;
}

export interface Pending {
  qid: string;
  integratorId: string;
  paged?: PageSink;
  chunks: Buffer[];
  bytes: number;
  maxBytes: number;
  startedAt: number | null;
  uploadingAt: number | null;
  /** When the Cloud sent the query (Cloud clock): bounds the Link-reported start of an immediate query. */
  sentAt: number;
  timer?: NodeJS.Timeout;
  onStarted?: (at: number) => void;
  onUploading?: (at: number) => void;
  resolve: (o: DispatchOutcome) => void;
}

export class LinkSession {
  readonly pending = new Map<string, Pending>();
  lastHeard = Date.now();
  private seq = 0;
  /** Late or unknown replies, dropped and counted. */
  droppedReplies = 0;

  constructor(
    readonly ws: WebSocket,
    readonly linkId: string,
    readonly siteId: string,
    readonly linkPublicKey: string,
    private readonly cloudKey: KeyObject,
    readonly practice: PracticeKey,
    public authoritative: boolean,
    private readonly macKey: Buffer,
    /** The largest frame this Link takes (by its version); a bigger one would make it drop the connection. */
    readonly maxFrameBytes: number,
  ) {}

  /**
   * The welcome is signed with the Cloud's Ed25519 key; every later frame carries an HMAC under the
   * session key both sides agreed in the signed handshake.
   */
  send(msg: DistributiveOmit<CloudMessage, 'v' | 'id'>): boolean {
    const json = JSON.stringify({ v: PROTOCOL_VERSION, id: `c${++this.seq}`, ...msg });
    const frame = msg.type === 'welcome' ? signFrame(this.cloudKey, this.linkPublicKey, json) : macFrame(this.macKey, json);
    // Not sent, rather than cost the practice its connection (and every query in flight on it). A UTF-8
    // byte is at most 3 per UTF-16 unit, so only a frame near the limit is measured.
    if (frame.length * 3 > this.maxFrameBytes && Buffer.byteLength(frame) > this.maxFrameBytes) return false;
    this.corkUntilIdle();
    this.ws.send(frame);
    return true;
  }

  private corked = false;
  /**
   * Holds the socket's writes until the code running now and its promise reactions are done: the queries
   * sent together at the end of a turn (a turn's HTTP requests, queries/service.ts) reach the Link in one write, and one wake-up of
   * the Link, instead of one each. process.nextTick from here runs after the microtask queue has drained,
   * so a lone query's frame leaves in the same turn rather than after another pass of the event loop
   * (setImmediate, as before, cost a lone query an extra loop iteration). ws keeps its socket as `_socket`.
   */
  private corkUntilIdle(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  settle(qid: string, outcome: DispatchOutcome): void {
    const p = this.pending.get(qid);
    if (!p) return;
    this.pending.delete(qid);
    clearTimeout(p.timer);
    p.resolve(outcome);
  }

  failAll(make: (p: Pending) => DispatchOutcome): void {
    for (const p of [...this.pending.values()]) this.settle(p.qid, make(p));
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

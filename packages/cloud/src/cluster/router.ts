// The asking side of the cluster: a query for a site whose Link is held here goes straight to the
// gateway; otherwise it goes over the bus to the node that holds it, and the outcome comes back to this
// node's inbox. A request never waits on a dead node: a PUBLISH that reaches nobody fails at once, a
// node that stops listening is noticed within livenessCheckMs, and every request has a deadline.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import { encodeFrame } from '../bus/frame.js';
import type { Dispatcher, DispatchRequest, Gateway, Reach } from '../gateway/gateway.js';
import type { DispatchOutcome, LinkSession } from '../gateway/session.js';
import type { QueryRecord } from '../store/types.js';
import type { Wire, WireAsync, WireOutcome } from './wire.js';

export interface RouterOptions {
  /** How long a site's holder is remembered before Redis is asked again (a wrong guess costs one retry). */
  holderCacheMs: number;
  /** How often nodes with requests outstanding are checked for still listening. */
  livenessCheckMs: number;
  /** Extra wait past a request's deadline for the holder's own deadline outcome to arrive. */
  graceMs: number;
  /** How long a hand-over of an async query may take. */
  handoverMs: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = { holderCacheMs: 5_000, livenessCheckMs: 500, graceMs: 5_000, handoverMs: 10_000 };

type Reply = Extract<Wire, { t: 'outcome' | 'accepted' }>;

interface Waiting {
  node: string;
  done(reply: Reply | undefined, payload: Buffer): void;
}

const NODE_GONE: WireOutcome = { kind: 'disconnected', startedAt: null };
/**
 * The bus failed (Redis down, or not answering within its command timeout). Not retried: asking the bus
 * again would wait as long again, and the integrator is told the fault is the Cloud's, not the site's.
 */
const CLUSTER_DOWN = { kind: 'clusterDown' } as const;

export class ClusterRouter implements Dispatcher {
  private readonly waiting = new Map<string, Waiting>();
  private readonly holders = new Map<string, { node: string; until: number }>();
  private readonly checker: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly bus: Bus,
    private readonly gateway: Gateway,
    private readonly log: Logger,
    private readonly opts: RouterOptions = DEFAULT_ROUTER_OPTIONS,
  ) {
    this.checker = setInterval(() => void this.checkLiveness(), opts.livenessCheckMs);
    this.checker.unref();
  }

  /** The local session only: async bookkeeping runs where the Link is. */
  session(siteId: string): LinkSession | undefined {
    return this.gateway.session(siteId);
  }

  reachable(siteId: string): Reach | Promise<Reach> {
    if (this.gateway.reachable(siteId)) return true;
    return this.remoteHolder(siteId).then((n) => n !== undefined, () => 'clusterDown' as const);
  }

  /** The other node holding the site's Link, if any. */
  private async remoteHolder(siteId: string, fresh = false): Promise<string | undefined> {
    const hit = this.holders.get(siteId);
    if (!fresh && hit && hit.until > Date.now()) return hit.node;
    const node = await this.bus.holder(siteId);
    if (!node || node === this.bus.nodeId) {
      // Ours but not connected here: a presence key the last session left behind; it lapses by itself.
      this.holders.delete(siteId);
      return undefined;
    }
    this.holders.set(siteId, { node, until: Date.now() + this.opts.holderCacheMs });
    return node;
  }

  dispatch(req: DispatchRequest): { outcome: Promise<DispatchOutcome>; cancel: (reason: string) => void } {
    if (this.gateway.reachable(req.siteId)) return this.gateway.dispatch(req);
    const rid = randomUUID();
    const cancel = (reason: string): void => {
      const w = this.waiting.get(rid);
      if (w) void this.bus.send(w.node, encodeFrame({ t: 'cancel', from: this.bus.nodeId, rid, reason } satisfies Wire)).catch(() => undefined);
    };
    return { outcome: this.remote(rid, req), cancel };
  }

  private async remote(rid: string, req: DispatchRequest, retried = false): Promise<DispatchOutcome> {
    let node: string | undefined;
    try {
      node = await this.remoteHolder(req.siteId, retried);
    } catch {
      return CLUSTER_DOWN;
    }
    if (!node) return { kind: 'offline' };
    const frame = encodeFrame({ t: 'exec', from: this.bus.nodeId, rid, siteId: req.siteId, deadline: req.deadline, exec: req.exec } satisfies Wire);
    const { reply, payload } = await this.ask(node, rid, frame, req.deadline - Date.now() + this.opts.graceMs);
    let o: WireOutcome;
    if (!reply) {
      // The holder said nothing before the deadline: give up here and tell it to stop.
      void this.bus.send(node, encodeFrame({ t: 'cancel', from: this.bus.nodeId, rid, reason: 'deadline passed' } satisfies Wire)).catch(() => undefined);
      o = { kind: 'timeout', startedAt: null };
    } else o = reply.t === 'outcome' ? reply.outcome : NODE_GONE;
    if (o.notHere) {
      // The Link moved (or its node died before its presence lapsed): look again once.
      this.holders.delete(req.siteId);
      return retried ? { kind: 'offline' } : this.remote(rid, req, true);
    }
    if (o.kind === 'completed') return { ...o, data: payload };
    return o;
  }

  /** Hands an async query to the node holding its site's Link: its record as that node queued it, undefined (no node has the Link), or 'clusterDown'. */
  async submitAsync(q: QueryRecord, req: WireAsync, retried = false): Promise<QueryRecord | undefined | 'clusterDown'> {
    let node: string | undefined;
    try {
      node = await this.remoteHolder(q.siteId, retried);
    } catch {
      return 'clusterDown';
    }
    if (!node) return undefined;
    const rid = randomUUID();
    const { reply } = await this.ask(node, rid, encodeFrame({ t: 'async', from: this.bus.nodeId, rid, q, req } satisfies Wire), this.opts.handoverMs);
    if (reply?.t === 'accepted' && reply.record) return reply.record;
    if (reply?.t === 'outcome' && reply.outcome.kind === 'clusterDown') return 'clusterDown';
    const moved = reply?.t === 'accepted' || (reply?.t === 'outcome' && reply.outcome.notHere);
    if (moved && !retried) {
      this.holders.delete(q.siteId);
      return this.submitAsync(q, req, true);
    }
    return undefined;
  }

  /** Asks another node to re-send a site's registered queries to its Link. */
  async syncRegistered(siteId: string): Promise<void> {
    const node = await this.remoteHolder(siteId);
    if (node) await this.bus.send(node, encodeFrame({ t: 'registered.sync', siteId } satisfies Wire));
  }

  /** Sends a request and waits for its reply; no reply (node gone, or timeout) gives undefined. */
  private ask(node: string, rid: string, frame: Buffer, timeoutMs: number): Promise<{ reply: Reply | undefined; payload: Buffer }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined, Buffer.alloc(0)), Math.max(0, timeoutMs));
      const finish = (reply: Reply | undefined, payload: Buffer): void => {
        if (!this.waiting.delete(rid)) return;
        clearTimeout(timer);
        resolve({ reply, payload });
      };
      this.waiting.set(rid, { node, done: finish });
      this.bus.send(node, frame).then(
        (heard) => {
          if (!heard) finish({ t: 'outcome', rid, outcome: { kind: 'offline', notHere: true } }, Buffer.alloc(0));
        },
        (e: Error) => {
          this.log.warn({ err: e.message }, 'bus send failed');
          finish({ t: 'outcome', rid, outcome: CLUSTER_DOWN }, Buffer.alloc(0));
        },
      );
    });
  }

  /** A reply from another node's host side. */
  onReply(reply: Reply, payload: Buffer): void {
    this.waiting.get(reply.rid)?.done(reply, payload);
  }

  /** Ends requests waiting on nodes that stopped listening (killed, or cut off from Redis). */
  private async checkLiveness(): Promise<void> {
    if (this.checking || this.waiting.size === 0) return;
    this.checking = true;
    try {
      const nodes = new Set([...this.waiting.values()].map((w) => w.node));
      for (const node of nodes) {
        if (await this.bus.listening(node)) continue;
        this.log.warn({ node }, 'cloud node stopped listening; its requests fail');
        for (const [rid, w] of [...this.waiting]) {
          if (w.node === node) w.done({ t: 'outcome', rid, outcome: NODE_GONE }, Buffer.alloc(0));
        }
        for (const [site, h] of [...this.holders]) if (h.node === node) this.holders.delete(site);
      }
    } catch {
      // Redis unreachable: deadlines still end every request.
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    clearInterval(this.checker);
    for (const [rid, w] of [...this.waiting]) w.done({ t: 'outcome', rid, outcome: NODE_GONE }, Buffer.alloc(0));
  }
}

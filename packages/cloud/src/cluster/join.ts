// Cluster mode for one node: the router the query services send through, the host side that serves
// other nodes, presence and the reaper, all on one bus. server.ts composes this; nothing else does.
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import { decodeFrame } from '../bus/frame.js';
import type { Gateway } from '../gateway/gateway.js';
import type { AsyncQueries } from '../queries/async.js';
import type { RegisteredQueries } from '../queries/registered.js';
import type { Store } from '../store/types.js';
import type { AuditLog } from '../audit/log.js';
import type { PageStore } from '../results/page-store.js';
import type { LinkSession } from '../gateway/session.js';
import { ClusterRouter, DEFAULT_ROUTER_OPTIONS, type RouterOptions } from './router.js';
import { ClusterHost } from './host.js';
import { Presence, DEFAULT_PRESENCE, type PresenceOptions } from './presence.js';
import { Reaper } from './reaper.js';
import type { Wire } from './wire.js';

export interface ClusterOptions {
  router: RouterOptions;
  presence: PresenceOptions;
}

export const DEFAULT_CLUSTER: ClusterOptions = { router: DEFAULT_ROUTER_OPTIONS, presence: DEFAULT_PRESENCE };

export interface ClusterParts {
  bus: Bus;
  gateway: Gateway;
  store: Store;
  audit: AuditLog;
  files: PageStore;
  log: Logger;
}

export class ClusterNode {
  readonly router: ClusterRouter;
  private presence: Presence;
  private reaper: Reaper;
  private host?: ClusterHost;

  constructor(private readonly parts: ClusterParts, opts: Partial<ClusterOptions> = {}) {
    const o = { ...DEFAULT_CLUSTER, ...opts };
    this.router = new ClusterRouter(parts.bus, parts.gateway, parts.log, o.router);
    this.presence = new Presence(parts.bus, parts.gateway, parts.log, o.presence);
    this.reaper = new Reaper(parts.bus, parts.store, parts.files, parts.audit, parts.log);
    this.reaperMs = o.presence.refreshMs;
  }

  private readonly reaperMs: number;

  get nodeId(): string {
    return this.parts.bus.nodeId;
  }

  /** Joins: ends what this node's previous life left in flight, then listens and announces itself. */
  async start(asyncQueries: AsyncQueries, registered: RegisteredQueries): Promise<void> {
    const { bus, gateway, log } = this.parts;
    this.host = new ClusterHost(bus, gateway, asyncQueries, registered, log);
    gateway.clustered = true;
    asyncQueries.remote = this.router;
    registered.remoteSync = (siteId) => this.router.syncRegistered(siteId);
    await this.reaper.reap(bus.nodeId);
    await bus.start((frame) => this.onFrame(frame));
    await this.presence.start();
    this.reaper.start(this.reaperMs);
  }

  private onFrame(frame: Buffer): void {
    let w: Wire;
    let payload: Buffer;
    try {
      ({ header: w, payload } = decodeFrame<Wire>(frame));
    } catch {
      this.parts.log.warn('unreadable bus frame');
      return;
    }
    // A frame this node cannot act on (another release's, during a rolling upgrade, or a damaged one) is
    // dropped with a warning, never thrown into the bus client: it must not take the node down.
    try {
      if (typeof w !== 'object' || w === null || typeof w.t !== 'string') throw new Error('no frame type');
      if (w.t === 'outcome' || w.t === 'accepted') this.router.onReply(w, payload);
      else this.host?.handle(w);
    } catch (e) {
      this.parts.log.warn({ err: (e as Error).message, t: typeof w?.t === 'string' ? w.t.slice(0, 32) : undefined }, 'bus frame not handled');
    }
  }

  welcomed(session: LinkSession): void {
    this.presence.claimed(session.siteId);
  }

  closed(session: LinkSession): void {
    this.presence.released(session.siteId);
  }

  /** Gives up this node's sites at once (a clean stop), so requests go elsewhere as soon as the Links reconnect. */
  async leave(): Promise<void> {
    this.presence.stop();
    await Promise.allSettled(this.parts.gateway.connectedSites.map((id) => this.parts.bus.release(id)));
  }

  async close(): Promise<void> {
    this.presence.stop();
    this.reaper.stop();
    this.router.close();
    await this.parts.bus.close();
  }
}

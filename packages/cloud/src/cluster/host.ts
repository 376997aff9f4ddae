// The holding side of the cluster: requests other nodes send for sites whose Link is connected here.
// Immediate queries run through the local gateway and their outcome (result bytes as the payload) goes
// back to the asking node; async queries are taken over whole, so their pages are stored here, where
// the result arrives, and any node serves them from the shared store.
import type { Logger } from 'pino';
import { CLOSE } from '@conduit/protocol';
import type { Bus } from '../bus/types.js';
import { encodeFrame } from '../bus/frame.js';
import type { Gateway } from '../gateway/gateway.js';
import type { AsyncQueries } from '../queries/async.js';
import type { RegisteredQueries } from '../queries/registered.js';
import type { Wire } from './wire.js';

export class ClusterHost {
  /** Immediate queries run here for other nodes: "<node> <rid>" -> cancel. */
  private readonly running = new Map<string, (reason: string) => void>();

  constructor(
    private readonly bus: Bus,
    private readonly gateway: Gateway,
    private readonly asyncQueries: AsyncQueries,
    private readonly registered: RegisteredQueries,
    private readonly log: Logger,
  ) {}

  private reply(node: string, header: Wire, payload?: Buffer): void {
    this.bus.send(node, encodeFrame(header, payload)).catch((e: Error) => this.log.warn({ err: e.message, node }, 'could not reply over the bus'));
  }

  handle(w: Exclude<Wire, { t: 'outcome' | 'accepted' }>): void {
    switch (w.t) {
      case 'exec': {
        if (!this.gateway.reachable(w.siteId)) return this.reply(w.from, { t: 'outcome', rid: w.rid, outcome: { kind: 'offline', notHere: true } });
        const key = `${w.from} ${w.rid}`;
        const { outcome, cancel } = this.gateway.dispatch({ siteId: w.siteId, deadline: w.deadline, exec: w.exec });
        this.running.set(key, cancel);
        void outcome.then((o) => {
          this.running.delete(key);
          if (o.kind === 'completed') {
            const { data, ...rest } = o;
            this.reply(w.from, { t: 'outcome', rid: w.rid, outcome: rest }, data);
          } else this.reply(w.from, { t: 'outcome', rid: w.rid, outcome: o });
        });
        return;
      }
      case 'cancel':
        this.running.get(`${w.from} ${w.rid}`)?.(w.reason);
        return;
      case 'async': {
        if (!this.gateway.reachable(w.q.siteId)) return this.reply(w.from, { t: 'accepted', rid: w.rid, record: null });
        // This node runs it now, so the record names this node (a survivor ends it if this node dies).
        void this.asyncQueries.run({ ...w.q, node: this.bus.nodeId }, { ...w.req, siteId: w.q.siteId }).then(
          ({ record }) => this.reply(w.from, { t: 'accepted', rid: w.rid, record }),
          (e: Error) => {
            this.log.error({ err: e.message, queryId: w.q.id }, 'could not take over an async query');
            this.reply(w.from, { t: 'accepted', rid: w.rid, record: null });
          },
        );
        return;
      }
      case 'registered.sync':
        if (!this.gateway.session(w.siteId)) return;
        void this.registered.syncSite(w.siteId).catch((e: Error) => this.log.warn({ err: e.message }, 'registered sync failed'));
        return;
      case 'drop':
        // The Link connected to another node (this session is a stale one, e.g. after a network split).
        this.gateway.session(w.siteId)?.ws.close(CLOSE.replaced, 'replaced by a newer connection');
        return;
    }
  }
}

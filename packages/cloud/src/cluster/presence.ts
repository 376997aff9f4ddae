// This node's presence on the bus: a key per held site (a new connection claims it, and tells the node
// that held it before to drop its stale session), refreshed for all held sites every refreshMs with a
// TTL of several refreshes, so a dead node's sites lapse by themselves; and the node's own liveness key.
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import { encodeFrame } from '../bus/frame.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Wire } from './wire.js';

export interface PresenceOptions {
  refreshMs: number;
  /** Site presence TTL; a site whose node died is unreachable at most this long unless its Link reconnects sooner. */
  siteTtlMs: number;
  /** Node liveness TTL; a dead node's in-flight queries are ended after it. */
  nodeTtlMs: number;
}

// The site TTL is generous: a dead node's sites are found at once by its missing inbox subscriber
// (a request that reaches nobody) and taken over by the Link's reconnect, so the TTL only bounds stale
// keys; a short one let a busy node's keys lapse while it held the Links (cluster bench, 10,000 Links).
export const DEFAULT_PRESENCE: PresenceOptions = { refreshMs: 2_000, siteTtlMs: 30_000, nodeTtlMs: 6_000 };

export class Presence {
  private timer?: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    private readonly bus: Bus,
    private readonly gateway: Gateway,
    private readonly log: Logger,
    private readonly opts: PresenceOptions = DEFAULT_PRESENCE,
  ) {}

  async start(): Promise<void> {
    await this.bus.beat(this.opts.nodeTtlMs);
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      await this.bus.beat(this.opts.nodeTtlMs);
      await this.bus.refresh(this.gateway.connectedSites, this.opts.siteTtlMs);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not refresh cluster presence');
    } finally {
      this.refreshing = false;
    }
  }

  /** A Link was welcomed here. */
  claimed(siteId: string): void {
    void this.bus.claim(siteId, this.opts.siteTtlMs).then(
      (before) => {
        if (before && before !== this.bus.nodeId) void this.bus.send(before, encodeFrame({ t: 'drop', siteId } satisfies Wire)).catch(() => undefined);
      },
      (e: Error) => this.log.warn({ err: e.message, siteId }, 'could not record presence'),
    );
  }

  /** The site's session here ended. */
  released(siteId: string): void {
    void this.bus.release(siteId).catch(() => undefined);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// Ends the queries a dead node left in flight. Each query record names the node that runs it
// (queries/lifecycle.ts newQueryRecord); when a node's liveness key lapses, exactly one survivor (a SET NX lock) has
// the store fail that node's open queries with a Halo status, so no query stays "executing" forever.
// A node restarted under the same id does this for its previous life at start.
import type { Logger } from 'pino';
import type { ErrorDetails } from '@conduit/protocol';
import type { Bus } from '../bus/types.js';
import type { Store } from '../store/types.js';
import type { AuditLog } from '../audit/log.js';
import type { PageStore } from '../results/page-store.js';

const NODE_DIED: ErrorDetails = {
  errorType: 'haloLink', errorCode: 503,
  errorMessage: 'The Cloud node running the query stopped while it was in flight. It may or may not have run at the site; check before retrying a write.',
};

export class Reaper {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly files: PageStore,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let n = 0;
    try {
      for (const node of await this.bus.lapsedNodes()) {
        // A lapsed liveness key alone can be a live node whose event loop stalled past the TTL (seen in
        // a reconnect storm); a killed node's inbox subscription is gone at once, so require both.
        if (await this.bus.listening(node)) continue;
        if (await this.bus.claimReap(node)) n += await this.reap(node);
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'reaper sweep failed');
    } finally {
      this.running = false;
    }
    return n;
  }

  /** Fails every open query the node had in flight; returns how many. */
  async reap(node: string): Promise<number> {
    let n = 0;
    for (const id of await this.store.failInterrupted(NODE_DIED, new Date().toISOString(), node)) {
      const q = await this.store.query(id);
      if (!q) continue;
      if (q.mode === 'async') {
        await this.files.remove(q.id);
        await this.store.deletePages(q.id);
      }
      this.audit.record({
        kind: 'query', actor: 'cloud', siteId: q.siteId, integratorId: q.integratorId, outcome: 'failed',
        details: { queryId: q.id, mode: q.mode, status: q.status, errorType: NODE_DIED.errorType, errorCode: NODE_DIED.errorCode, reapedFrom: node },
      });
      n++;
    }
    await this.bus.forgetNode(node);
    if (n > 0) this.log.warn({ node, queries: n }, 'ended the queries a stopped node left in flight');
    return n;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

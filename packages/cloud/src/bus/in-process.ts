// The single node's bus: everything is local, so presence is this node's own sessions and the only
// reachable inbox is its own. It lets the cluster code run unchanged on one node and in unit tests.
import type { Bus, FrameHandler, SharedFailures } from './types.js';

/** One node: each limiter's own copy is the whole truth, so there is nothing to share. */
const LOCAL_FAILURES: SharedFailures = { add: () => undefined, subscribe: () => undefined };

export class InProcessBus implements Bus {
  private handler?: FrameHandler;
  private readonly held = new Map<string, number>();
  readonly failures: SharedFailures = LOCAL_FAILURES;

  constructor(readonly nodeId = 'local') {}

  async start(onFrame: FrameHandler): Promise<void> {
    this.handler = onFrame;
  }

  async send(node: string, frame: Buffer): Promise<boolean> {
    if (node !== this.nodeId || !this.handler) return false;
    const h = this.handler;
    queueMicrotask(() => h(frame));
    return true;
  }

  async listening(node: string): Promise<boolean> {
    return node === this.nodeId && this.handler !== undefined;
  }

  async claim(siteId: string, ttlMs: number): Promise<string | undefined> {
    const before = await this.holder(siteId);
    this.held.set(siteId, Date.now() + ttlMs);
    return before;
  }

  async refresh(siteIds: string[], ttlMs: number): Promise<void> {
    const until = Date.now() + ttlMs;
    for (const id of siteIds) this.held.set(id, until);
  }

  async release(siteId: string): Promise<void> {
    this.held.delete(siteId);
  }

  async holder(siteId: string): Promise<string | undefined> {
    const until = this.held.get(siteId);
    return until !== undefined && until > Date.now() ? this.nodeId : undefined;
  }

  async beat(): Promise<void> {}
  async lapsedNodes(): Promise<string[]> {
    return [];
  }
  async claimReap(): Promise<boolean> {
    return false;
  }
  async forgetNode(): Promise<void> {}

  async connected(): Promise<void> {}
  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.handler = undefined;
  }
}

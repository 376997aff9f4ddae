// The bus between Cloud nodes: which node holds a site's Link (presence, kept alive by heartbeats and
// lapsing on its own when a node dies), one inbox per node for requests and their replies, and
// counters every node shares. Embedded default: in-process; cluster: Redis.

/** A frame that reached this node's inbox. */
export type FrameHandler = (frame: Buffer) => void;

export interface Bus {
  /** This node's id; other nodes send to it by this name. */
  readonly nodeId: string;
  /** Starts receiving frames for this node. */
  start(onFrame: FrameHandler): Promise<void>;
  /** Sends a frame to one node's inbox; false when no such node is listening. */
  send(node: string, frame: Buffer): Promise<boolean>;
  /** True while the node is listening on its inbox. */
  listening(node: string): Promise<boolean>;

  /** Records that this node now holds the site (a newer connection wins); returns the node that held it before. */
  claim(siteId: string, ttlMs: number): Promise<string | undefined>;
  /** Refreshes this node's presence for these sites, unless another node has claimed one since. */
  refresh(siteIds: string[], ttlMs: number): Promise<void>;
  /** Forgets that this node holds the site (only if it still does). */
  release(siteId: string): Promise<void>;
  /** The node that holds the site's Link, if any. */
  holder(siteId: string): Promise<string | undefined>;

  /** Marks this node alive for ttlMs and lists it among the cluster's nodes. */
  beat(ttlMs: number): Promise<void>;
  /** Nodes that were once listed but whose liveness has lapsed. */
  lapsedNodes(): Promise<string[]>;
  /** Takes over a lapsed node's clean-up; true for exactly one caller. */
  claimReap(node: string): Promise<boolean>;
  /** Forgets a node after its clean-up. */
  forgetNode(node: string): Promise<void>;

  /** Shared sliding-window failure counters (pairing-code guesses). */
  failures: SharedFailures;

  /** Resolves once the bus answers (start-up waits on it, with a deadline); rejects naming the bus otherwise. */
  connected(): Promise<void>;
  /** One round trip to the bus: health checks. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** Failure timestamps shared by every node; the owner keeps a local copy so checks stay synchronous. */
export interface SharedFailures {
  /** Records a failure under `name`/`key` at `at` on every node. */
  add(name: string, key: string, at: number, windowMs: number): void;
  /** Called with failures recorded by any node (this one included, once). */
  subscribe(name: string, onFailure: (key: string, at: number) => void): void;
}

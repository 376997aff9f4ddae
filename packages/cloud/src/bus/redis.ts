// The cluster bus on Redis (ioredis). Presence is a key per site holding the node id, with a TTL the
// holding node refreshes; each node subscribes to its own inbox channel, and a PUBLISH that reaches no
// subscriber tells the sender at once that the node is gone. Keys:
//   <p>site:<siteId> -> node (PX ttl)       <p>node:<id> -> alive (PX ttl)     <p>nodes -> set of node ids
//   <p>reap:<node> -> clean-up lock         <p>fail:<name>:<key> -> zset of times
// Channels: <p>inbox:<node> (frames), <p>fail:<name> (failures as they happen).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Bus, FrameHandler, SharedFailures } from './types.js';
import { describeStore } from '../store/open.js';

export interface RedisBusOptions {
  url: string;
  nodeId: string;
  /** Key and channel prefix, so several clusters (or tests) can share one Redis. */
  prefix?: string;
}

function ready(r: Redis, where: string): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the bus ${where} did not answer within 10 s`)), 10_000);
    r.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** How long a bus command may go unanswered before it fails. */
export const COMMAND_TIMEOUT_MS = 5_000;

// Refresh only what is still ours (or lapsed): a node with a stale session must not take a site back.
const REFRESH = `local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisBus implements Bus {
  readonly nodeId: string;
  readonly failures: SharedFailures;
  private readonly p: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  /** The bus URL without its password, for messages. */
  private readonly where: string;
  private readonly failureSubs = new Map<string, (key: string, at: number) => void>();
  private onFrame?: FrameHandler;
  private corked?: NodeJS.Immediate;

  constructor(opts: RedisBusOptions) {
    this.nodeId = opts.nodeId;
    this.p = opts.prefix ?? 'conduit:';
    // Auto-pipelining batches the commands of one tick into one write: the bus stays cheap under load.
    // PUBLISH (a request or reply frame, one at a time on the query path) is sent directly: a pipeline
    // object per frame cost ~60 µs of CPU each (profile in bench/RESULTS.md, Cluster findings).
    // A command that gets no answer fails after COMMAND_TIMEOUT_MS: a Redis that accepts connections but does
    // not answer (stopped, or its network) must fail requests with 503, not hold them (seen: 10-28 s).
    this.cmd = new Redis(opts.url, { enableAutoPipelining: true, autoPipeliningIgnoredCommands: ['publish'], maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS });
    this.sub = new Redis(opts.url, { maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS });
    this.where = describeStore(opts.url);
    this.cmd.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message));
    this.failures = {
      add: (name, key, at, windowMs) => this.addFailure(name, key, at, windowMs),
      subscribe: (name, fn) => this.subscribeFailures(name, fn),
    };
  }

  private inbox(node: string): string {
    return `${this.p}inbox:${node}`;
  }

  async start(onFrame: FrameHandler): Promise<void> {
    this.onFrame = onFrame;
    await this.connected();
    await this.sub.subscribe(this.inbox(this.nodeId));
  }

  private onMessage(channel: string, message: Buffer): void {
    if (channel === this.inbox(this.nodeId)) {
      this.onFrame?.(message);
      return;
    }
    const name = channel.slice(`${this.p}fail:`.length);
    const fn = this.failureSubs.get(name);
    if (!fn) return;
    const [node, at, ...key] = message.toString().split('\n');
    if (node === this.nodeId) return;
    fn(key.join('\n'), Number(at));
  }

  async send(node: string, frame: Buffer): Promise<boolean> {
    this.cork();
    return (await this.cmd.publish(this.inbox(node), frame)) > 0;
  }

  /**
   * The frames sent in one turn of the event loop leave in one write: the socket is corked until the turn's
   * check phase. Under load a node relays several requests or results per turn, and each PUBLISH written on
   * its own was a system call here, a wake-up and a read in Redis, and a reply read back (profile: the
   * writes were 8-12 % of a node's time). A lone frame waits for nothing: the check phase follows at once.
   */
  private cork(): void {
    if (this.corked || this.cmd.status !== 'ready') return;
    const stream = this.cmd.stream;
    stream.cork();
    this.corked = setImmediate(() => {
      this.corked = undefined;
      stream.uncork();
    });
  }

  async listening(node: string): Promise<boolean> {
    const r = (await this.cmd.pubsub('NUMSUB', this.inbox(node))) as [string, number];
    return Number(r[1]) > 0;
  }

  async claim(siteId: string, ttlMs: number): Promise<string | undefined> {
    return (await this.cmd.set(`${this.p}site:${siteId}`, this.nodeId, 'PX', ttlMs, 'GET')) ?? undefined;
  }

  async refresh(siteIds: string[], ttlMs: number): Promise<void> {
    for (let i = 0; i < siteIds.length; i += 1000) {
      const m = this.cmd.pipeline();
      for (const id of siteIds.slice(i, i + 1000)) m.eval(REFRESH, 1, `${this.p}site:${id}`, this.nodeId, ttlMs);
      await m.exec();
    }
  }

  async release(siteId: string): Promise<void> {
    await this.cmd.eval(RELEASE, 1, `${this.p}site:${siteId}`, this.nodeId);
  }

  async holder(siteId: string): Promise<string | undefined> {
    return (await this.cmd.get(`${this.p}site:${siteId}`)) ?? undefined;
  }

  async beat(ttlMs: number): Promise<void> {
    await Promise.all([this.cmd.set(`${this.p}node:${this.nodeId}`, '1', 'PX', ttlMs), this.cmd.sadd(`${this.p}nodes`, this.nodeId)]);
  }

  async lapsedNodes(): Promise<string[]> {
    const nodes = (await this.cmd.smembers(`${this.p}nodes`)).filter((n) => n !== this.nodeId);
    if (nodes.length === 0) return [];
    const alive = await Promise.all(nodes.map((n) => this.cmd.exists(`${this.p}node:${n}`)));
    return nodes.filter((_, i) => alive[i] === 0);
  }

  async claimReap(node: string): Promise<boolean> {
    return (await this.cmd.set(`${this.p}reap:${node}`, this.nodeId, 'PX', 60_000, 'NX')) === 'OK';
  }

  async forgetNode(node: string): Promise<void> {
    await this.cmd.srem(`${this.p}nodes`, node);
  }

  private addFailure(name: string, key: string, at: number, windowMs: number): void {
    const k = `${this.p}fail:${name}:${key}`;
    const m = this.cmd.multi();
    m.zadd(k, at, `${at}:${randomUUID()}`);
    m.zremrangebyscore(k, '-inf', at - windowMs);
    m.pexpire(k, windowMs);
    m.publish(`${this.p}fail:${name}`, `${this.nodeId}\n${at}\n${key}`);
    void m.exec().catch(() => undefined);
  }

  /** Subscribes to a counter's failures and loads those already recorded within their windows. */
  private subscribeFailures(name: string, fn: (key: string, at: number) => void): void {
    this.failureSubs.set(name, fn);
    void (async () => {
      await this.sub.subscribe(`${this.p}fail:${name}`);
      const prefix = `${this.p}fail:${name}:`;
      let cursor = '0';
      do {
        const [next, keys] = await this.cmd.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const k of keys) for (const member of await this.cmd.zrange(k, 0, -1)) fn(k.slice(prefix.length), Number(member.split(':')[0]));
      } while (cursor !== '0');
    })().catch(() => undefined);
  }

  async connected(): Promise<void> {
    await Promise.all([ready(this.cmd, this.where), ready(this.sub, this.where)]);
  }

  async ping(): Promise<void> {
    await this.cmd.ping();
  }

  async close(): Promise<void> {
    this.onFrame = undefined;
    // QUIT waits for an answer: a client that is not connected is dropped instead, or close would wait on it.
    const end = async (r: Redis): Promise<void> => {
      if (r.status === 'ready') await r.quit();
      else r.disconnect();
    };
    await Promise.allSettled([end(this.sub), end(this.cmd)]);
  }
}

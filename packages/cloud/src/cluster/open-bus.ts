// Chooses the bus from its URL: redis:// or rediss:// for a cluster; none for a cluster of one (the
// in-process bus), which runs the same cluster code on a single machine.
import type { Bus } from '../bus/types.js';
import { InProcessBus } from '../bus/in-process.js';
import { RedisBus } from '../bus/redis.js';

export function openBus(url: string | undefined, nodeId: string, prefix?: string): Bus {
  if (url === undefined || url === '') return new InProcessBus(nodeId);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the bus URL is not a URL (expected redis://host:port)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`unsupported bus ${parsed.protocol.slice(0, -1)}: expected redis:// or rediss://`);
  return new RedisBus({ url, nodeId, prefix });
}

// Which executors a Link runs by default: threads, unless the simulator's statements could not be
// stopped on a thread (its interrupt extension was not built), in which case processes (killed to stop).
import { interruptSupported } from '@conduit/bp-sim';
import type { DriverConfig } from './ipc.js';
import type { Transport } from './handles.js';

export type { Transport };

export function defaultTransport(driver: DriverConfig): Transport {
  return driver.kind === 'sqlite' && !interruptSupported() ? 'process' : 'thread';
}

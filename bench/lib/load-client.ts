// `--client wrk|node`: which load generator a suite uses. wrk by default when it is installed (its
// own CPU per 1-row answer ~20-80 µs, the node client's ~130-390 µs, both taken from the system under
// test on one machine); the node client otherwise, with a note saying so.
import type { LoadGenerator } from './load-generator.js';
import { nodeGenerator } from './http-load.js';
import { findWrk, wrkGenerator, wrkVersion } from './wrk-load.js';

export type ClientName = 'wrk' | 'node';

export const CLIENT_HELP = `  --client <wrk|node>    load generator (default wrk when \`wrk\` is on PATH or at /usr/bin/wrk, else node):
                         wrk = its own C process (~20-80 µs of CPU per 1-row answer, script included);
                         node = a node:http keep-alive client in the benchmark process (~130-390 µs).
                         Both take that CPU from the system under test on one machine. Every HTTP case
                         of a run (bare server included) uses the same one; the report names it.
  --wrk-threads <n>      wrk threads at concurrencies above 1 (default 1; 1 at concurrency 1)`;

export function parseClient(v: string | undefined): ClientName | undefined {
  if (v === undefined) return undefined;
  if (v !== 'wrk' && v !== 'node') throw new Error(`--client must be wrk or node, got "${v}"`);
  return v;
}

export interface ClientOptions {
  client?: ClientName;
  wrkThreads: number;
  timeoutMs: number;
  /** Where wrk's per-window files and logs go. */
  dir: string;
}

export async function chooseGenerator(o: ClientOptions, log: (s: string) => void): Promise<LoadGenerator> {
  if (o.client === 'node') return nodeGenerator(o.timeoutMs);
  const bin = findWrk();
  if (!bin) {
    if (o.client === 'wrk') throw new Error('--client wrk: wrk is not installed (not on PATH, not /usr/bin/wrk)');
    log('NOTE: wrk is not installed (not on PATH, not /usr/bin/wrk), so the load comes from the node:http client in this process, ' +
      'which uses ~130-390 µs of CPU per 1-row answer on the machine the system under test runs on. Install wrk (Debian: apt-get install wrk) for the default generator.');
    return nodeGenerator(o.timeoutMs);
  }
  const threads = (c: number): number => (c === 1 ? 1 : o.wrkThreads);
  return wrkGenerator({ bin, dir: o.dir, timeoutMs: o.timeoutMs, threads, version: await wrkVersion(bin) });
}

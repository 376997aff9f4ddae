// A child process holding a share of the simulated Links (bench/lib/fake-link.ts), so that thousands
// of sockets are spread over a few processes (file-descriptor limits, one event loop each). Driven by
// its parent over IPC: start (open `count` Links, at most `parallel` handshakes at a time), stats, stop.
import { FakeLink } from './fake-link.js';

export type ChildCommand =
  | { cmd: 'start'; urls: string[]; first: number; count: number; parallel: number; tag: string }
  | { cmd: 'stats'; withSites?: boolean }
  | { cmd: 'stop' };

export interface ChildStats {
  up: number;
  /** Links up per node (index into urls). */
  perNode: number[];
  welcomes: number;
  drops: number;
  failures: number;
  /** Failed attempts by why (close code during the handshake, or never opened). */
  failedWhy: Record<string, number>;
  /** Epoch ms of the latest welcome. */
  lastWelcomeAt: number;
  /** Sites the Cloud assigned to the Links that are up (when asked for). */
  sites?: string[];
}

export type ChildEvent = { ev: 'started'; ms: number; stats: ChildStats } | { ev: 'stats'; stats: ChildStats };

const links: FakeLink[] = [];
let urls: string[] = [];
let welcomes = 0;
let drops = 0;
let failures = 0;
const failedWhy: Record<string, number> = {};
let lastWelcomeAt = 0;

const events = {
  welcomed: (): void => {
    welcomes++;
    lastWelcomeAt = Date.now();
  },
  dropped: (): void => void drops++,
  failed: (_: FakeLink, why: string): void => {
    failures++;
    failedWhy[why] = (failedWhy[why] ?? 0) + 1;
  },
};

function stats(withSites = false): ChildStats {
  const perNode = urls.map(() => 0);
  const sites: string[] = [];
  let up = 0;
  for (const l of links) {
    if (!l.up) continue;
    up++;
    perNode[l.node]!++;
    sites.push(l.siteId!);
  }
  return { up, perNode, welcomes, drops, failures, failedWhy: { ...failedWhy }, lastWelcomeAt, ...(withSites ? { sites } : {}) };
}

const reply = (e: ChildEvent): void => void process.send!(e);

async function start(c: Extract<ChildCommand, { cmd: 'start' }>): Promise<void> {
  urls = c.urls;
  const t0 = performance.now();
  for (let i = 0; i < c.count; i++) {
    const g = c.first + i;
    links.push(new FakeLink(urls, g % urls.length, `bench-${c.tag}-${g}`, events));
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < links.length) await links[next++]!.start();
  };
  await Promise.all(Array.from({ length: Math.min(c.parallel, links.length) }, () => worker()));
  reply({ ev: 'started', ms: performance.now() - t0, stats: stats() });
}

process.on('message', (m: ChildCommand) => {
  if (m.cmd === 'start') void start(m);
  else if (m.cmd === 'stats') reply({ ev: 'stats', stats: stats(m.withSites) });
  else {
    for (const l of links) l.stop();
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));

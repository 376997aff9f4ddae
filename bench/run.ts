// Benchmark dispatcher: `npm run bench -- <suite> [options]`. Each suite is its own module, loaded only
// when asked for; a suite writes its own section of bench/RESULTS.md and prints it.
import type { Suite } from './lib/suite.js';

const SUITES: Record<string, { description: string; load: () => Promise<Suite> }> = {
  immediate: {
    description: 'immediate queries through Cloud and Link vs the same query on the database, plus a bare HTTP ceiling (load from wrk when installed)',
    load: async () => (await import('./immediate.js')).suite,
  },
  async: {
    description: 'a ≥ 1 M-row async extraction through Cloud and Link vs reading it directly; peak RSS; immediate latency meanwhile',
    load: async () => (await import('./async.js')).suite,
  },
  backends: {
    description: "the booking product's reads and an add/cancel write through the Connector, Conduit and shadow vs the same calls direct on the database",
    load: async () => (await import('./backends.js')).suite,
  },
  cluster: { description: 'cluster nodes on Redis: cross-node immediate overhead, throughput over 3 nodes, idle Links per node, a node kill', load: async () => (await import('./cluster.js')).suite },
};

function usage(): string {
  const lines = Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(12)} ${s.description}`);
  return `usage: npm run bench [-- <suite>] [options]    (default suite: immediate; npm run bench -- <suite> --help for its options)\n\nsuites:\n${lines.join('\n')}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // `npm run bench` alone (or with only options) runs the immediate suite: what integrators send.
  const [name, ...rest] = argv.length === 0 || argv[0]!.startsWith('--') && argv[0] !== '--help' ? ['immediate', ...argv] : argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    process.exit(0);
  }
  const entry = SUITES[name];
  if (!entry) {
    console.error(`unknown suite "${name}"\n\n${usage()}`);
    process.exit(2);
  }
  const suite = await entry.load();
  await suite.run(rest);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);

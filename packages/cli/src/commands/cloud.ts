// `conduit cloud`: the hosted Cloud on its own, or one node of a cluster (--cluster).
import { Command } from 'commander';
import { startCloud, DEFAULT_MAX_HANDSHAKES } from '@conduit/cloud';
import { envInt, envStr, parseIntOption, PORT, POSITIVE } from '../env.js';
import { onShutdown } from '../shutdown.js';

interface CloudFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  heartbeatMs?: number;
  maxHandshakes?: number;
  auditCommandText?: boolean;
  cluster?: boolean;
  bus?: string;
  nodeId?: string;
  store?: string;
}

export function cloudCommand(): Command {
  return new Command('cloud')
    .description('run the Conduit Cloud (Integrator API and Link gateway)')
    .option('--port <n>', 'HTTP port (env PORT or CONDUIT_PORT)', (v) => parseIntOption(v, '--port', PORT))
    .option('--host <addr>', 'address to listen on (env CONDUIT_HOST)')
    .option('--data-dir <dir>', 'folder for the embedded store (env CONDUIT_DATA_DIR)')
    .option('--heartbeat-ms <n>', 'Link heartbeat interval (env CONDUIT_HEARTBEAT_MS)', (v) => parseIntOption(v, '--heartbeat-ms', POSITIVE))
    .option('--max-handshakes <n>', 'Link handshakes in progress at once; more upgrades get 503 + Retry-After (env CONDUIT_MAX_HANDSHAKES; default 64)', (v) => parseIntOption(v, '--max-handshakes', POSITIVE))
    .option('--audit-command-text', 'keep query command text in the audit log (env CONDUIT_AUDIT_COMMAND_TEXT=1; default: only its SHA-256)')
    .option('--store <url>', 'the store: postgres://user:pass@host/db for a cluster (env CONDUIT_STORE_URL; default: the SQLite file in --data-dir)')
    .option('--cluster', 'run as one node of a cluster: Links and integrators may reach any node (env CONDUIT_CLUSTER=1)')
    .option('--bus <url>', 'the cluster bus, redis://host:port (env CONDUIT_BUS_URL; default with --cluster: a cluster of one, in-process)')
    .option('--node-id <id>', 'this node\'s name on the bus, stable across restarts (env CONDUIT_NODE_ID; default: host name and a random suffix)')
    .action(async (o: CloudFlags) => {
      const cluster = o.cluster ?? envStr('CONDUIT_CLUSTER') === '1';
      const busUrl = o.bus ?? envStr('CONDUIT_BUS_URL');
      const node = o.nodeId ?? envStr('CONDUIT_NODE_ID');
      const storeUrl = o.store ?? envStr('CONDUIT_STORE_URL');
      if (!cluster && (busUrl || node)) throw new Error('--bus and --node-id need --cluster');
      const maxHandshakes = o.maxHandshakes ?? envInt('CONDUIT_MAX_HANDSHAKES', DEFAULT_MAX_HANDSHAKES, POSITIVE);
      if (maxHandshakes < 1) throw new Error('--max-handshakes (CONDUIT_MAX_HANDSHAKES) must be at least 1');
      const cloud = await startCloud({
        port: o.port ?? envInt('PORT', envInt('CONDUIT_PORT', 8080, PORT), PORT),
        host: o.host ?? envStr('CONDUIT_HOST', '127.0.0.1'),
        dataDir: o.dataDir ?? envStr('CONDUIT_DATA_DIR', '.conduit/cloud'),
        storeUrl,
        heartbeatIntervalMs: o.heartbeatMs ?? envInt('CONDUIT_HEARTBEAT_MS', 60_000, POSITIVE),
        maxHandshakes,
        logLevel: envStr('CONDUIT_LOG_LEVEL', 'info'),
        auditCommandText: o.auditCommandText ?? envStr('CONDUIT_AUDIT_COMMAND_TEXT') === '1',
        ...(cluster ? { cluster: { busUrl, nodeId: node } } : {}),
      });
      console.log(`Conduit Cloud listening on ${cloud.url}${cloud.nodeId ? ` as cluster node ${cloud.nodeId}` : ''}`);
      console.log(`Cloud public key (pin it on Links with --cloud-key): ${cloud.publicKey}`);
      onShutdown(() => cloud.close());
    });
}

// `conduit cloud`: the hosted Cloud on its own.
import { Command } from 'commander';
import { startCloud } from '@conduit/cloud';
import { envInt, envStr, parseIntOption } from '../env.js';
import { onShutdown } from '../shutdown.js';

export function cloudCommand(): Command {
  return new Command('cloud')
    .description('run the Conduit Cloud (Integrator API and Link gateway)')
    .option('--port <n>', 'HTTP port (env PORT or CONDUIT_PORT)', (v) => parseIntOption(v, '--port'))
    .option('--host <addr>', 'address to listen on (env CONDUIT_HOST)')
    .option('--data-dir <dir>', 'folder for the embedded store (env CONDUIT_DATA_DIR)')
    .option('--heartbeat-ms <n>', 'Link heartbeat interval (env CONDUIT_HEARTBEAT_MS)', (v) => parseIntOption(v, '--heartbeat-ms'))
    .option('--audit-command-text', 'keep query command text in the audit log (env CONDUIT_AUDIT_COMMAND_TEXT=1; default: only its SHA-256)')
    .action(async (o: { port?: number; host?: string; dataDir?: string; heartbeatMs?: number; auditCommandText?: boolean }) => {
      const cloud = await startCloud({
        port: o.port ?? envInt('PORT', envInt('CONDUIT_PORT', 8080)),
        host: o.host ?? envStr('CONDUIT_HOST', '127.0.0.1'),
        dataDir: o.dataDir ?? envStr('CONDUIT_DATA_DIR', '.conduit/cloud'),
        heartbeatIntervalMs: o.heartbeatMs ?? envInt('CONDUIT_HEARTBEAT_MS', 60_000),
        logLevel: envStr('CONDUIT_LOG_LEVEL', 'info'),
        auditCommandText: o.auditCommandText ?? envStr('CONDUIT_AUDIT_COMMAND_TEXT') === '1',
      });
      console.log(`Conduit Cloud listening on ${cloud.url}`);
      console.log(`Cloud public key (pin it on Links with --cloud-key): ${cloud.publicKey}`);
      onShutdown(() => cloud.close());
    });
}

#!/usr/bin/env node
// The Connector as a standalone process at the practice:
//   node --import tsx packages/connector/src/main.ts --url ws://HOST/connector --practice ID --database FILE
// with the token in CONDUIT_CONNECTOR_TOKEN (or --token). See CONNECTOR_USAGE and EXIT_CODES in run.ts,
// and docs/booking/connector.md.
import { CONNECTOR_USAGE, ConnectorUsageError, EXIT_CODES, parseConnectorArgs, runConnector } from './run.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${CONNECTOR_USAGE}\n`);
  process.exit(EXIT_CODES.ok);
}
try {
  const settings = parseConnectorArgs(argv, process.env);
  process.exit(await runConnector(settings));
} catch (e) {
  if (e instanceof ConnectorUsageError) {
    for (const p of e.problems) process.stderr.write(`conduit-connector: ${p}\n`);
    process.stderr.write('Run with --help for the options.\n');
    process.exit(EXIT_CODES.usage);
  }
  process.stderr.write(`conduit-connector: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT_CODES.failure);
}

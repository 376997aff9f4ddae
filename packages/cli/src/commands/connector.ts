// `conduit connector`: the legacy booking-product Connector (packages/connector) as a service at the
// practice, the same agent and settings as `node packages/connector/src/main.ts`.
import { Command } from 'commander';
import { ConnectorUsageError, EXIT_CODES, resolveConnectorSettings, runConnector, type ConnectorFlags, type ConnectorSettings } from '@conduit/connector';

function settingsOrExit(o: ConnectorFlags): ConnectorSettings {
  try {
    return resolveConnectorSettings(o, process.env);
  } catch (e) {
    if (!(e instanceof ConnectorUsageError)) throw e;
    for (const p of e.problems) console.error(`conduit connector: ${p}`);
    console.error('Run `conduit connector --help` for the options.');
    return process.exit(EXIT_CODES.usage);
  }
}

export function connectorCommand(): Command {
  return new Command('connector')
    .description("run the booking product's legacy Connector at a practice (token in CONDUIT_CONNECTOR_TOKEN; see docs/booking/connector.md)")
    .option('--url <url>', "the product's connector endpoint, ws:// or wss:// (env CONDUIT_CONNECTOR_URL)")
    .option('--practice <id>', "this practice's id at the product (env CONDUIT_CONNECTOR_PRACTICE)")
    .option('--token <token>', 'the Connector token; prefer env CONDUIT_CONNECTOR_TOKEN (a flag shows in the process list)')
    .option('--database <file>', 'the practice database file (env CONDUIT_CONNECTOR_DATABASE)')
    .option('--login-name <name>', "the Connector's database login as ticked in Bp (env CONDUIT_CONNECTOR_LOGIN_NAME; default \"Bookwell Connector\")")
    .option('--status-interval-ms <ms>', 'how often database access is re-checked (env CONDUIT_CONNECTOR_STATUS_INTERVAL_MS; default 5000)')
    .addHelpText('after', `\nExit codes: ${EXIT_CODES.ok} retired or stopped, ${EXIT_CODES.failure} failure, ${EXIT_CODES.unauthorised} refused by the product, ${EXIT_CODES.usage} bad settings.`)
    // Bad or unknown options are usage errors (64) here, as in the standalone process.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_CODES.usage))
    .action(async (o: ConnectorFlags) => {
      process.exit(await runConnector(settingsOrExit(o)));
    });
}

#!/usr/bin/env node
// The `conduit` command.
import { Command } from 'commander';
import { demoCommand } from './commands/demo.js';
import { cloudCommand } from './commands/cloud.js';
import { linkCommand } from './commands/link.js';
import { adminCommand } from './commands/admin.js';
import { bpSimCommand } from './commands/bp-sim.js';
import { bookingCommand } from './commands/booking.js';
import { connectorCommand } from './commands/connector.js';

const program = new Command('conduit')
  .description('Conduit: connect clinic PMS databases to cloud integrators (Halo Connect compatible)')
  .showHelpAfterError()
  .enablePositionalOptions();
program.addCommand(demoCommand());
program.addCommand(cloudCommand());
program.addCommand(linkCommand());
program.addCommand(adminCommand());
program.addCommand(bpSimCommand());
program.addCommand(bookingCommand());
program.addCommand(connectorCommand());

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`conduit: ${e.message}`);
  process.exit(1);
});

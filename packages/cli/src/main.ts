#!/usr/bin/env node
// The `conduit` command.
import { Command } from 'commander';
import { stopWithSupervisor } from './supervised.js';
import { tuneCloudHeap } from './v8-flags.js';

// Only the command asked for is loaded (all of them for help or an unknown name): each part the
// demo starts, and each quick practice command, then loads just the packages it uses.
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.js')).demoCommand(),
  cloud: async () => (await import('./commands/cloud.js')).cloudCommand(),
  link: async () => (await import('./commands/link.js')).linkCommand(),
  admin: async () => (await import('./commands/admin.js')).adminCommand(),
  'bp-sim': async () => (await import('./commands/bp-sim.js')).bpSimCommand(),
  booking: async () => (await import('./commands/booking.js')).bookingCommand(),
  connector: async () => (await import('./commands/connector.js')).connectorCommand(),
};

const program = new Command('conduit')
  .description('Conduit: connect clinic PMS databases to cloud integrators (Halo Connect compatible)')
  .showHelpAfterError()
  .enablePositionalOptions();
const asked = process.argv[2];
if (asked === 'cloud') tuneCloudHeap();
const chosen = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [COMMANDS[asked]!] : Object.values(COMMANDS);
for (const make of chosen) program.addCommand(await make());

stopWithSupervisor();
program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`conduit: ${e.message}`);
  process.exit(1);
});

// `conduit booking`: the reference online-booking product, built only on @conduit/sdk.
import { Command } from 'commander';
import { main } from '@conduit/booking';
import { onShutdown } from '../shutdown.js';

export function bookingCommand(): Command {
  return new Command('booking')
    .description('run the reference online-booking product: --conduit-url URL --api-key KEY [--port 8780 --data booking.db --product-name N --public-url URL --monitor-frequency 60 --webhook-secret S] (or CONDUIT_URL, CONDUIT_API_KEY, BOOKING_*)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const running = await main(args);
      console.log(`Booking product listening on ${running.url}`);
      onShutdown(running.close);
    });
}

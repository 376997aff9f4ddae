// `conduit booking`: the reference online-booking product, built only on @conduit/sdk.
import { Command } from 'commander';
import { main } from '@conduit/booking';
import { onShutdown } from '../shutdown.js';

const USAGE = `Usage: conduit booking --conduit-url URL --api-key KEY [options]

Runs the reference online-booking product (built only on @conduit/sdk).

  --conduit-url <url>         the Conduit Cloud (env CONDUIT_URL)
  --api-key <key>             the booking product's integrator API key (env CONDUIT_API_KEY)
  --port <n>                  HTTP port (env BOOKING_PORT; default 8780)
  --host <address>            address to listen on (env BOOKING_HOST; default 127.0.0.1)
  --data <file>               its SQLite file (env BOOKING_DATA; default booking.db)
  --product-name <name>       shown to patients (env BOOKING_PRODUCT_NAME)
  --public-url <url>          its address as patients reach it (env BOOKING_PUBLIC_URL)
  --monitor-frequency <s>     registered-query frequency (env BOOKING_MONITOR_FREQUENCY_S; default 60)
  --webhook-secret <secret>   Conduit webhook secret (env BOOKING_WEBHOOK_SECRET)
  --migration                 the Connector migration dashboard (env BOOKING_MIGRATION=1; token in BOOKING_OPERATOR_TOKEN)
  --wave-interval <s>, --shadow-soak-hours <h>, --conduit-soak-hours <h>   migration waves
                              (env BOOKING_WAVE_INTERVAL_S, BOOKING_SHADOW_SOAK_HOURS, BOOKING_CONDUIT_SOAK_HOURS)`;

export function bookingCommand(): Command {
  return new Command('booking')
    .description('run the reference online-booking product: --conduit-url URL --api-key KEY [--port 8780 --data booking.db --product-name N --public-url URL --monitor-frequency 60 --webhook-secret S] (or CONDUIT_URL, CONDUIT_API_KEY, BOOKING_*)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      // Its flags are the booking product's own (parsed there), so commander's help is off: answer it here.
      if (args.includes('--help') || args.includes('-h')) {
        console.log(USAGE);
        return;
      }
      const running = await main(args);
      console.log(`Booking product listening on ${running.url}`);
      onShutdown(running.close);
    });
}

// What the cluster benchmark needs of the operator's admin commands, on any store (the SQLite file of a data
// dir or a postgres:// URL): `create <store> <name>`, `webhook <store> <integrator> <url>`, `verify <store>`,
// `stats <store>`. Prints JSON. The cluster benchmark (bench/lib/cluster-*.ts) uses it; tests use the real
// `conduit admin … --store <location>` commands instead.
import { createIntegrator, configureWebhook, verifyAudit } from '@conduit/cloud';
import { openStore } from '../../packages/cloud/src/store/open.js';
import { outboxFor } from '../../packages/cloud/src/webhooks/pg-store.js';

const [cmd, location, ...rest] = process.argv.slice(2);
const store = await openStore(location!);
try {
  if (cmd === 'create') {
    const i = await createIntegrator(store, rest[0]!);
    console.log(JSON.stringify({ id: i.id, apiKey: i.apiKey }));
  } else if (cmd === 'webhook') {
    await configureWebhook(store, rest[0]!, rest[1]!);
    console.log('{}');
  } else if (cmd === 'verify') {
    console.log(JSON.stringify(await verifyAudit(store)));
  } else if (cmd === 'stats') {
    console.log(JSON.stringify(await outboxFor(store).stats()));
  } else throw new Error(`unknown command ${cmd}`);
} finally {
  await store.close();
}

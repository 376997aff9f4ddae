// Pair with a practice, then find its site.
//   npx tsx docs/integrators/examples/pair.ts [PAIRING-CODE]
// The practice ticks your integration in "Setup third-party integrations", generates a pairing code
// and gives you its Bp Site ID and the code. (In the demo, the practice screen's URL is in
// .conduit/demo.json as practiceScreenUrl; the demo integrator is already paired.)
import { ConduitApiError } from '@conduit/sdk';
import { exampleClient, loadConfig } from './demo-config.js';

const config = loadConfig();
const client = exampleClient(config);
const practice = { practiceManagementSiteId: config.practiceManagementSiteId, practiceManagementName: 'Best Practice' as const };
const code = process.argv[2];

try {
  if (code) {
    const site = await client.pairSite({ ...practice, pairingCode: code });
    console.log(`paired with ${site.practiceMetadata?.practiceName ?? site.name}: Halo GUID ${site.id}`);
  }
  // The Halo GUID to use in every site-scoped call. Look it up again whenever a 403 says
  // guidChanged or nonAuthoritative: the practice moved its Link to another server.
  const sites = await client.listSites(practice);
  if (sites.length === 0) console.log('not paired with this practice yet (or the practice unticked the integration): pass a pairing code');
  for (const s of sites) console.log(`site ${s.id}: ${s.availability}, ${s.status}, PMS ${s.practiceManagementVersion ?? '?'}`);
} catch (e) {
  if (e instanceof ConduitApiError && e.kind === 'forbidden' && e.reason === 'badPairingCode') {
    console.error('the code is wrong, expired, used or replaced: ask the practice for a new one');
  } else if (e instanceof ConduitApiError && e.kind === 'rateLimited') {
    console.error(`too many failed attempts: try again in ${Math.ceil((e.retryAfterMs ?? 0) / 1000)} s`);
  } else {
    throw e;
  }
  process.exitCode = 1;
}

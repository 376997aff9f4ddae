// Where the examples find the API: environment variables, or the file `npm start` writes
// (.conduit/demo.json; CONDUIT_DEMO_FILE points elsewhere). Against a real Halo or Conduit
// deployment, set CONDUIT_BASE_URL, CONDUIT_API_KEY and CONDUIT_SITE_ID instead.
import { existsSync, readFileSync } from 'node:fs';
import { ConduitClient } from '@conduit/sdk';

export interface ExampleConfig {
  baseUrl: string;
  apiKey: string;
  /** Halo GUID of the practice's site. */
  siteId: string;
  /** The practice's Bp Site ID. */
  practiceManagementSiteId: string;
  integratorId?: string;
}

export function loadConfig(): ExampleConfig {
  const file = process.env.CONDUIT_DEMO_FILE ?? '.conduit/demo.json';
  const demo = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Partial<ExampleConfig>;
  const config = {
    baseUrl: process.env.CONDUIT_BASE_URL ?? demo.baseUrl,
    apiKey: process.env.CONDUIT_API_KEY ?? demo.apiKey,
    siteId: process.env.CONDUIT_SITE_ID ?? demo.siteId,
    practiceManagementSiteId: process.env.CONDUIT_PMS_SITE_ID ?? demo.practiceManagementSiteId,
    integratorId: demo.integratorId,
  };
  if (!config.baseUrl || !config.apiKey || !config.siteId || !config.practiceManagementSiteId) {
    console.error(`No API settings: run \`npm start\` (writes ${file}) or set CONDUIT_BASE_URL, CONDUIT_API_KEY, CONDUIT_SITE_ID and CONDUIT_PMS_SITE_ID.`);
    process.exit(2);
  }
  return config as ExampleConfig;
}

export function exampleClient(config: ExampleConfig = loadConfig()): ConduitClient {
  return new ConduitClient({ baseUrl: config.baseUrl, apiKey: config.apiKey, retry: { onRetry: (i) => console.error(`retrying ${i.method} ${i.path} in ${i.delayMs} ms (${i.reason})`) } });
}

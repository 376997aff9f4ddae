// Where the replay suite runs: by default a real Cloud and a real Link started for the test
// (test/support/system.ts); with CONDUIT_REPLAY_DEMO=<path to .conduit/demo.json>, the running
// `npm start` demo, whose base URL, API key, site and practice database that file names.
import { readFileSync } from 'node:fs';
import { System } from '../system.js';
import { HaloClient } from './halo.js';
import { PracticeDb } from './practice.js';

export interface ReplayTarget {
  kind: 'system' | 'demo';
  halo: HaloClient;
  practice: PracticeDb;
  close(): Promise<void>;
}

export async function openReplayTarget(): Promise<ReplayTarget> {
  const demoFile = process.env.CONDUIT_REPLAY_DEMO;
  if (demoFile) {
    const info = JSON.parse(readFileSync(demoFile, 'utf8')) as Record<string, unknown>;
    for (const k of ['baseUrl', 'apiKey', 'siteId', 'databaseFile']) {
      if (typeof info[k] !== 'string' || info[k] === '') throw new Error(`${demoFile} has no ${k}: is it a demo.json written by \`npm start\`?`);
    }
    const practice = new PracticeDb(info.databaseFile as string);
    return { kind: 'demo', halo: new HaloClient(info.baseUrl as string, info.apiKey as string, info.siteId as string), practice, close: async () => practice.close() };
  }
  const sys = await System.start();
  const practice = new PracticeDb(sys.database);
  return {
    kind: 'system',
    halo: new HaloClient(sys.cloud.url, sys.apiKey, sys.siteId),
    practice,
    close: async () => {
      practice.close();
      await sys.close();
    },
  };
}

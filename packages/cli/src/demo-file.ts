// .conduit/demo.json: what `conduit demo` writes for integrators and for the practice's own commands,
// and how those commands find it (CONDUIT_DEMO_DIR, else a .conduit/ in this folder or one above).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface DemoInfo {
  baseUrl: string;
  apiKey: string;
  integratorId: string;
  practiceManagementSiteId: string;
  siteId: string;
  databaseFile: string;
  /** The state file of the practice's Link (its "Setup third-party integrations" API: `<file>.ui.json`). */
  linkStateFile: string;
  practiceScreenUrl: string;
  bookingUrl: string;
  /** The second practice, on the legacy Connector: its Bp Site ID, database, Link state, screen and migration page. */
  connectorPracticeName: string;
  connectorPracticeSiteId: string;
  connectorPracticeDatabaseFile: string;
  connectorPracticeLinkStateFile: string;
  secondPracticeScreenUrl: string;
  connectorPracticeUrl: string;
  /** The booking product's migration dashboard (its operator token is printed, never written). */
  operatorDashboardUrl: string;
}

export const DEMO_FILE = 'demo.json';

/** The demo's folder: --data-dir, else CONDUIT_DEMO_DIR, else .conduit in the current folder. */
export function demoDir(dataDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dataDir ?? (env.CONDUIT_DEMO_DIR || '.conduit'));
}

/** The demo.json of a demo that has run here: CONDUIT_DEMO_DIR's, else the nearest .conduit/ upwards. */
export function findDemoFile(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONDUIT_DEMO_DIR) {
    const file = join(resolve(cwd, env.CONDUIT_DEMO_DIR), DEMO_FILE);
    return existsSync(file) ? file : undefined;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, '.conduit', DEMO_FILE);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

export function readDemoFile(file: string): Partial<DemoInfo> & { booking?: { id: string; apiKey: string } } {
  return JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoInfo>;
}

const samePath = (a: string, b: string): boolean => {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
};

/** The demo's Link state file for one of its practice databases (or its first practice's when none is named). */
export function demoLinkState(demo: Partial<DemoInfo>, database?: string): string | undefined {
  if (database === undefined) return demo.linkStateFile;
  if (demo.databaseFile && samePath(database, demo.databaseFile)) return demo.linkStateFile;
  if (demo.connectorPracticeDatabaseFile && samePath(database, demo.connectorPracticeDatabaseFile)) return demo.connectorPracticeLinkStateFile;
  return undefined;
}

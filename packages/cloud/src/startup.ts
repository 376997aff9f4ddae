// What a Cloud start settles before it serves: the work the last stop interrupted, and (in a cluster)
// the one signing key every node shares.
import type { Logger } from 'pino';
import { exportPrivateKey, newIdentity } from '@conduit/protocol';
import type { AnyStore } from './store/open.js';
import type { PageStore } from './results/page-store.js';

const RESTARTED = { errorType: 'haloLink', errorCode: 503, errorMessage: 'The Cloud restarted while the query was in flight. It may or may not have run at the site; check before retrying a write.' } as const;

/**
 * A single node owns everything in flight and every open session, so its start ends them all. A cluster
 * node does not call this: the other nodes' queries and sessions are live, and the reaper
 * (cluster/reaper.ts) ends only what a dead node left.
 */
export async function endInterrupted(store: AnyStore, files: PageStore, log: Logger): Promise<void> {
  const interrupted = await store.failInterrupted({ ...RESTARTED }, new Date().toISOString());
  if (interrupted.length > 0) log.warn({ interrupted: interrupted.length }, 'queries interrupted by the last stop were marked failed');
  for (const id of interrupted) {
    await files.remove(id);
    await store.deletePages(id);
  }
  for (const s of await store.listSites()) if (s.session === 'open') await store.updateSite(s.id, { session: 'dropped' });
}

/** Nodes starting together on a new store must agree on one signing key (Links pin it): the first insert wins, every node reads that one. */
export async function agreeSigningKey(store: AnyStore): Promise<void> {
  if (!(await store.getSetting('cloud.privateKey'))) await store.setSettingOnce('cloud.privateKey', exportPrivateKey(newIdentity().privateKey));
}

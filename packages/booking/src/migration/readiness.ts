// A practice's readiness facts, as Conduit and its Connector tell them: its Bp version, whether the
// integration lets us in, pairing, Link online.
import { ConduitApiError, type ConduitClient } from '@conduit/sdk';
import type { ConnectorHub } from '../pms/connector-hub.js';
import type { BookingSide } from './booking-side.js';
import type { ReadinessFacts } from './stages.js';

/**
 * Readiness from the practice's Conduit site. Before the practice pairs, Conduit cannot tell us about
 * it: the version comes from its Connector and the one blocker is the pairing (which itself needs the
 * integration ticked). The last version seen is kept for when neither answers.
 */
export function conduitReadiness(d: { client: ConduitClient; connectors: ConnectorHub; booking: Pick<BookingSide, 'practiceBySite'> }): (key: string) => Promise<ReadinessFacts> {
  const lastVersion = new Map<string, string>();
  return async (key) => {
    const p = d.booking.practiceBySite(key);
    const conduitSite = p ? p.conduitSiteId : key;
    const viaConnector = d.connectors.info(key).pmsVersion;
    if (!conduitSite) return { pmsVersion: viaConnector ?? lastVersion.get(key) ?? null, integrationTicked: true, paired: false, siteOnline: true };
    try {
      const site = await d.client.getSite(conduitSite, { retry: false, timeoutMs: 5000 });
      const version = site.practiceMetadata?.practiceManagementVersion ?? site.practiceManagementVersion ?? viaConnector ?? null;
      if (version) lastVersion.set(key, version);
      return { pmsVersion: version, integrationTicked: site.status !== 'removed' && site.status !== 'uninstalled', paired: true, siteOnline: site.availability === 'online' };
    } catch (e) {
      const pmsVersion = viaConnector ?? lastVersion.get(key) ?? null;
      if (e instanceof ConduitApiError && e.kind === 'forbidden') return { pmsVersion, integrationTicked: false, paired: e.reason !== 'notPaired', siteOnline: true };
      if (e instanceof ConduitApiError && e.kind === 'notFound') return { pmsVersion, integrationTicked: true, paired: false, siteOnline: true };
      return { pmsVersion, integrationTicked: true, paired: true, siteOnline: false };
    }
  };
}

// How a site looks to an integrator: the Halo SiteForIntegrator object, with availability derived
// from the live session and the last time the Link was heard.
import { LIMITS } from '@conduit/protocol';
import type { SiteRecord } from './store/types.js';

export type Availability = 'online' | 'offline' | 'unreachable';

export const PMS_NAMES: Record<SiteRecord['pmsType'], 'Best Practice' | 'Zedmed' | 'D4w'> = {
  BestPractice: 'Best Practice', Zedmed: 'Zedmed', D4w: 'D4w',
};
export const PMS_TYPES_BY_NAME: Record<string, SiteRecord['pmsType']> = {
  'Best Practice': 'BestPractice', Zedmed: 'Zedmed', D4w: 'D4w',
};

/**
 * online: a session is open and the Link was heard within the unreachable window;
 * offline: the Link closed its session itself; unreachable: otherwise (silent, or the socket died).
 */
export function availabilityOf(site: SiteRecord, lastHeardMs: number | null, now = Date.now(), unreachableAfterMs: number = LIMITS.unreachableAfterMs): Availability {
  if (lastHeardMs !== null) return now - lastHeardMs <= unreachableAfterMs ? 'online' : 'unreachable';
  return site.session === 'closed' ? 'offline' : 'unreachable';
}

export function siteForIntegrator(site: SiteRecord, availability: Availability): Record<string, unknown> {
  return {
    id: site.id,
    pmsType: site.pmsType,
    availability,
    status: site.status,
    haloLinkVersion: site.linkVersion,
    enrichedAt: site.enrichedAt,
    catalogue: site.catalogues,
    practiceMetadata: {
      pmsType: site.pmsType,
      practiceName: site.practiceName,
      practiceManagementSiteId: site.pmsSiteId,
      practiceManagementVersion: site.pmsVersion,
    },
    // Deprecated Halo fields, kept so older integrator clients keep working.
    name: site.practiceName,
    practiceManagementSiteId: site.pmsSiteId,
    practiceManagementName: PMS_NAMES[site.pmsType],
    practiceManagementVersion: site.pmsVersion,
    createdAt: site.createdAt,
    authoritative: site.authoritative,
    ...(site.clientTimestamp ? { clientTimestampUTC: site.clientTimestamp } : {}),
    ...(site.lastHeardAt ? { heartbeatTimestampUTC: site.lastHeardAt } : {}),
  };
}

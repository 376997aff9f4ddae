// Pairing with Conduit: the Site ID and pairing code a practice enters, traded for its Conduit site.
// Used by the practice's "Enable Conduit integration" page and by the migration's practice page.
import { ConduitApiError, type ConduitClient, type Site } from '@conduit/sdk';
import type { BookingStore, Practice } from './store.js';
import { offlineMessage } from './explain.js';

export type PairOutcome = { ok: true; practice: Practice } | { ok: false; error: string; wait?: number };

/** What to tell the practice for each `PairOutcome` error code. */
export function pairErrors(product: string): Record<string, string> {
  return {
    badPairingCode: 'The pairing code is wrong or has expired. Generate a new code in Best Practice (Setup › Configuration › Database › Setup third-party integrations) and enter it straight away.',
    disabled: `${product} (via Conduit) third-party integration has been disabled in Best Practice. Tick it in Setup › Configuration › Database › Setup third-party integrations and Save.`,
    offline: offlineMessage,
    rateLimited: 'Too many failed attempts. Please wait a while and try again.',
    notFound: 'No practice with that Site ID is connected to Conduit. Check the Site ID shown in Best Practice.',
    missing: 'Enter both the Site ID and the pairing code.',
    other: 'We could not connect to your practice. Please try again.',
  };
}

const practiceName = (site: Site, fallback: string): string => site.practiceMetadata?.practiceName ?? site.name ?? fallback;

export interface PairingDeps {
  client: ConduitClient;
  store: BookingStore;
  /** Called with each newly paired practice (the change monitor starts watching it). */
  onPaired(p: Practice): void;
  onError(e: unknown): void;
}

/**
 * Pairs with Conduit using the Site ID and pairing code the practice entered. A practice that reached
 * us through its Connector keeps its record (and its bookings) and gains its Conduit site id.
 */
export async function pair(d: PairingDeps, bpSiteId: string, code: string): Promise<PairOutcome> {
  let site: Site;
  try {
    site = await d.client.pairSite({ practiceManagementSiteId: bpSiteId, pairingCode: code }, { retry: false });
  } catch (e) {
    if (e instanceof ConduitApiError) {
      if (e.kind === 'forbidden') return { ok: false, error: e.reason === 'badPairingCode' || e.reason === 'disabled' ? e.reason : 'badPairingCode' };
      if (e.kind === 'siteOffline') return { ok: false, error: 'offline' };
      if (e.kind === 'rateLimited') return { ok: false, error: 'rateLimited', ...(e.retryAfterMs !== undefined ? { wait: Math.ceil(e.retryAfterMs / 1000) } : {}) };
      if (e.kind === 'notFound') return { ok: false, error: 'notFound' };
    }
    d.onError(e);
    return { ok: false, error: 'other' };
  }
  const legacy = d.store.connectorPracticeByBpSite(bpSiteId) ?? d.store.connectorPracticeByBpSite(site.practiceManagementSiteId ?? bpSiteId);
  const p = legacy ? d.store.setConduitSite(legacy.id, site.id) : d.store.upsertPractice({ siteId: site.id, bpSiteId, name: practiceName(site, bpSiteId) });
  d.onPaired(p);
  return { ok: true, practice: p };
}

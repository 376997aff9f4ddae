// Whether a practice can take bookings right now, for its dashboard: its Connector online, or its
// Conduit site online with the integration still ticked (a cheap query tells).
import { ConduitApiError, type ConduitClient } from '@conduit/sdk';
import type { ConnectorHub } from '../pms/connector-hub.js';
import type { Practice } from './store.js';
import { explain, offlineMessage } from './explain.js';

export interface SiteState { state: string; message?: string }

export async function siteState(d: { client: ConduitClient; connectors: ConnectorHub; product: string }, p: Practice): Promise<SiteState> {
  const { client, connectors, product } = d;
  if (!p.conduitSiteId) {
    return connectors.isOnline(p.siteId) ? { state: 'online' } : { state: 'offline', message: `The ${product} Connector isn't responding at your practice: check that it is running on the practice server.` };
  }
  try {
    const site = await client.getSite(p.conduitSiteId, { retry: false, timeoutMs: 5000 });
    if (site.availability !== 'online') return { state: site.availability, message: offlineMessage };
    try {
      // A cheap query tells whether the practice still has the integration ticked.
      await client.immediate(p.conduitSiteId, 'SELECT 1 AS ok', { retry: false, timeoutMs: 8000, maxTimeInQueue: 5000 });
    } catch (e) {
      const x = explain(e, product);
      return { state: e instanceof ConduitApiError && e.kind === 'forbidden' ? 'disabled' : 'offline', message: x.message };
    }
    return { state: 'online' };
  } catch (e) {
    const x = explain(e, product);
    return { state: e instanceof ConduitApiError && e.kind === 'forbidden' ? 'disabled' : 'offline', message: x.message };
  }
}

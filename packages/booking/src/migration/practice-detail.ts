// One practice's move, as the operator sees it: its stage and what blocks it, its wave, its Connector,
// and the shadow differences (where the answers differed, never the values). Shown as a page
// (views/operator-practice.ts) and as JSON at GET /api/operator/practices/:key.
import type { MigrationStatus } from './control.js';
import type { ShadowDifference } from './stages.js';
import type { MigrationPagesContext } from './context.js';
import { connectorView, type ConnectorView, type StatusCache } from './overview.js';
import type { Practice } from './booking-side.js';

/** How many differences a page or an answer lists (newest first); the total is always given. */
export const DIFFERENCES_SHOWN = 100;

export interface PracticeDetail {
  practice: { id: number; key: string; name: string; bpSiteId: string; pms: string; conduitSiteId: string | null };
  status: MigrationStatus;
  wave: { id: number; name: string; blocker: string | null; checkedAt: string | null } | null;
  connector: ConnectorView;
  differences: { total: number; open: number; shown: ShadowDifference[] };
}

export async function practiceDetail(ctx: MigrationPagesContext, cache: StatusCache, p: Practice): Promise<PracticeDetail> {
  const key = p.siteId;
  const status = await cache.get(key, true);
  const member = ctx.waves.memberOf(key);
  const wave = member ? ctx.waves.wave(member.waveId) : undefined;
  const all = ctx.migrationStore.differences(key);
  return {
    practice: { id: p.id, key, name: p.name, bpSiteId: p.bpSiteId, pms: p.pms, conduitSiteId: p.conduitSiteId },
    status,
    wave: wave && member ? { id: wave.id, name: wave.name, blocker: member.blocker, checkedAt: member.checkedAt } : null,
    connector: connectorView(ctx, key),
    differences: { total: all.length, open: all.filter((d) => !d.resolved).length, shown: all.slice(-DIFFERENCES_SHOWN).reverse() },
  };
}

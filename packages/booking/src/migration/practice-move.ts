// The practice's own page about the move to Conduit: GET /practices/:id/migration shows its stage in
// its own words and the steps it has to take in Best Practice, each done or not (views/practice-move.ts);
// the form posts to POST /practices/:id/migration/connect, which pairs with Conduit (Site ID + pairing
// code) and comes back with ?connected=1 or ?error=<code>[&wait=<seconds>].
import type { ServerResponse } from 'node:http';
import { HttpError } from '../web/http.js';
import { BEST_PRACTICE, type Practice } from './booking-side.js';
import type { MigrationStatus } from './control.js';
import type { MigrationPagesContext } from './context.js';
import { connectorView, type StatusCache } from './overview.js';
import { practiceMoveView } from './views/practice-move.js';

export function practiceOr404(ctx: MigrationPagesContext, id: string | undefined): Practice {
  const p = /^\d{1,12}$/.test(id ?? '') ? ctx.booking.practice(Number(id)) : undefined;
  if (!p) throw new HttpError(404, 'That practice does not use online booking here.');
  return p;
}

function pairMessage(ctx: MigrationPagesContext, p: Practice, q: URLSearchParams): string | undefined {
  const err = q.get('error');
  if (!err) return undefined;
  if (err === 'otherSite') return `That Site ID is not ${p.name}'s. Enter the Site ID Best Practice shows for this practice (${p.bpSiteId}).`;
  const wait = Number(q.get('wait'));
  if (err === 'rateLimited' && wait > 0) return `Too many failed attempts. Please wait ${wait >= 120 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`} and try again.`;
  return ctx.booking.pairErrors[err] ?? ctx.booking.pairErrors.other ?? 'We could not connect to your practice. Please try again.';
}

export async function practiceMigrationPage(ctx: MigrationPagesContext, cache: StatusCache, res: ServerResponse, id: string, q: URLSearchParams): Promise<void> {
  const p = practiceOr404(ctx, id);
  const kind = p.pms !== BEST_PRACTICE ? 'otherPms' : p.siteId === p.conduitSiteId && ctx.migrationStore.since(p.siteId) === null ? 'conduitOnly' : 'moving';
  let st: MigrationStatus | null = null;
  if (kind === 'moving') {
    try {
      st = await cache.get(p.siteId, true);
    } catch (e) {
      ctx.onError(e);
    }
  }
  const stage = st?.stage ?? ctx.migrationStore.stage(p.siteId);
  ctx.show(res, practiceMoveView({
    product: ctx.booking.product, minimum: ctx.minimum, practice: p, kind, stage, status: st, connector: connectorView(ctx, p.siteId), query: q,
    pairMessage: pairMessage(ctx, p, q),
  }));
}

/** POST /practices/:id/migration/connect: pairs with the Site ID and code, back to the page either way. */
export async function practiceMigrationConnect(ctx: MigrationPagesContext, cache: StatusCache, res: ServerResponse, id: string, form: URLSearchParams): Promise<void> {
  const p = practiceOr404(ctx, id);
  const back = `/practices/${p.id}/migration`;
  if (p.pms !== BEST_PRACTICE) return ctx.redirect(res, back);
  const siteId = (form.get('siteId') ?? '').trim();
  const code = (form.get('code') ?? '').trim();
  if (!siteId || !code) return ctx.redirect(res, `${back}?${new URLSearchParams({ error: 'missing', ...(siteId ? { siteId } : {}) })}`);
  if (siteId.toLowerCase() !== p.bpSiteId.toLowerCase()) return ctx.redirect(res, `${back}?${new URLSearchParams({ error: 'otherSite', siteId })}`);
  const r = await ctx.booking.pair(siteId, code);
  cache.forget(p.siteId);
  if (!r.ok) return ctx.redirect(res, `${back}?${new URLSearchParams({ error: r.error, siteId, ...(r.wait !== undefined ? { wait: String(r.wait) } : {}) })}`);
  ctx.redirect(res, `/practices/${r.practice.id}/migration?connected=1`);
}

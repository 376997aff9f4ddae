// The operator's pages (authenticated by routes.ts): the dashboard and one practice's page, and the
// dashboard's forms. Each form posts, then comes back to the page it came from with its outcome
// (a flash message: kept server-side for a few minutes under a random id, so no message text travels
// in the address).
import type { ServerResponse } from 'node:http';
import type { Flash } from '../web/chrome.js';
import { TransitionRefused, type Stage } from './stages.js';
import { WaveError } from './waves.js';
import { BEST_PRACTICE, type Practice } from './booking-side.js';
import type { MigrationPagesContext } from './context.js';
import { buildOverview, type StatusCache } from './overview.js';
import { practiceDetail } from './practice-detail.js';
import { safeNext } from './views/operator-chrome.js';
import { dashboardView } from './views/dashboard.js';
import { practiceDetailView } from './views/operator-practice.js';

export async function dashboardPage(ctx: MigrationPagesContext, cache: StatusCache, flash: Flash, res: ServerResponse, q: URLSearchParams): Promise<void> {
  ctx.show(res, dashboardView(await buildOverview(ctx, cache), flash.take(q.get('flash'))));
}

export async function practicePage(ctx: MigrationPagesContext, cache: StatusCache, flash: Flash, res: ServerResponse, p: Practice, q: URLSearchParams): Promise<void> {
  ctx.show(res, practiceDetailView(await practiceDetail(ctx, cache, p), flash.take(q.get('flash'))));
}

/** The dashboard's forms; each answers with a redirect to the dashboard and its outcome. */
export async function dashboardForm(ctx: MigrationPagesContext, cache: StatusCache, flash: Flash, res: ServerResponse, rest: string[], form: URLSearchParams): Promise<boolean> {
  const to = safeNext(form.get('next'));
  const back = (ok: boolean, text: string): void => ctx.redirect(res, `${to}?flash=${flash.put(ok, text)}`);
  const [what, id, action] = rest;
  if (what === 'tick' && rest.length === 1) {
    const r = await ctx.runner.tick();
    cache.forget();
    back(true, `Checked: ${r.started.length} wave(s) started, ${r.advanced.length} practice(s) moved on, ${r.blocked.length} blocked.`);
    return true;
  }
  if (what === 'waves' && rest.length === 1) {
    const name = (form.get('name') ?? '').trim();
    const iso = (form.get('startsAtIso') ?? '').trim();
    const local = (form.get('startsAt') ?? '').trim();
    // The browser converts the operator's local date and time; without script it counts in the server's zone.
    const startsAt = iso && !Number.isNaN(Date.parse(iso)) ? iso : local;
    const percentText = (form.get('percent') ?? '').trim();
    const percent = /^\d{1,3}$/.test(percentText) ? Number(percentText) : NaN;
    if (!startsAt || Number.isNaN(Date.parse(startsAt))) { back(false, 'Choose the date and time the wave starts.'); return true; }
    if (!Number.isInteger(percent)) { back(false, 'The share must be a whole number from 1 to 100 (% of the practices).'); return true; }
    try {
      const w = ctx.waves.schedule({ name, startsAt, percent });
      back(true, `Wave "${w.name}" scheduled: ${w.percent} % of the practices from ${new Date(w.startsAt).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short' })}.`);
    } catch (e) {
      if (!(e instanceof WaveError)) throw e;
      back(false, e.message);
    }
    return true;
  }
  if (what === 'waves' && id !== undefined && action === 'cancel' && rest.length === 3) {
    const w = /^\d{1,12}$/.test(id) ? ctx.waves.wave(Number(id)) : undefined;
    if (!w) { back(false, 'There is no such wave.'); return true; }
    try {
      ctx.waves.cancel(w.id);
      back(true, `Wave "${w.name}" cancelled.`);
    } catch (e) {
      if (!(e instanceof WaveError)) throw e;
      back(false, e.message);
    }
    return true;
  }
  if (what === 'practices' && id !== undefined && action !== undefined && rest.length === 3) {
    const p = ctx.booking.practiceBySite(id);
    if (!p) { back(false, `There is no practice with the key "${id}".`); return true; }
    if (p.pms !== BEST_PRACTICE) { back(false, `${p.name} uses ${p.pms}: it stays on the Connector.`); return true; }
    const verb: Record<string, () => Promise<{ stage: Stage }>> = {
      advance: () => ctx.migration.advance(p.siteId, 'operator', 'advanced by the operator'),
      revert: () => ctx.migration.revert(p.siteId, undefined, 'operator', 'moved back by the operator'),
      'resolve-differences': async () => {
        ctx.migrationStore.resolveDifferences(p.siteId, 'operator');
        return { stage: ctx.migrationStore.stage(p.siteId) };
      },
    };
    const run = verb[action];
    if (!run) return false;
    try {
      const st = await run();
      back(true, action === 'resolve-differences' ? `${p.name}: shadow differences marked resolved.` : `${p.name} is now on ${st.stage}.`);
    } catch (e) {
      if (!(e instanceof TransitionRefused)) throw e;
      back(false, `${p.name} cannot move: ${e.check.reason}.`);
    } finally {
      cache.forget(p.siteId);
    }
    return true;
  }
  return false;
}

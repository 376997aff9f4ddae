// The practice's pages: GET /practices, GET/POST /practices/connect (pair with Conduit),
// GET /practices/:id (the dashboard), POST /practices/:id/bookings/:bid/confirm.
import { isoDate } from '../pms/pms.js';
import { HttpError, readForm, type Route } from '../web/http.js';
import { BEST_PRACTICE, type Practice } from './store.js';
import type { BookingContext } from './context.js';
import { siteState } from './site-state.js';
import { connectView, dashboardView, practicesView } from './views/practice.js';

export function practiceOr404(ctx: BookingContext, id: string | undefined): Practice {
  const p = ctx.store.practice(Number(id));
  if (!p) throw new HttpError(404, 'That practice does not use online booking here.');
  return p;
}

function every(s: number): string {
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export function practiceRoutes(ctx: BookingContext): Route {
  const { store, pages } = ctx;

  function connectPage(q: URLSearchParams): ReturnType<typeof connectView> {
    const err = q.get('error');
    const wait = Number(q.get('wait'));
    const message = err === 'rateLimited' && wait > 0 ? `Too many failed attempts. Please wait ${wait >= 120 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`} and try again.`
      : err ? (ctx.pairErrors[err] ?? ctx.pairErrors.other!) : undefined;
    return connectView({ product: ctx.product, error: err, message, siteId: q.get('siteId') ?? '' });
  }

  async function connect(form: URLSearchParams): Promise<string> {
    const siteId = (form.get('siteId') ?? '').trim();
    const code = (form.get('code') ?? '').trim();
    if (!siteId || !code) return `/practices/connect?${new URLSearchParams({ error: 'missing', siteId })}`;
    const r = await ctx.pair(siteId, code);
    if (!r.ok) return `/practices/connect?${new URLSearchParams({ error: r.error, siteId, ...(r.wait !== undefined ? { wait: String(r.wait) } : {}) })}`;
    return r.practice.siteId !== r.practice.conduitSiteId ? `/practices/${r.practice.id}/migration?connected=1` : `/practices/${r.practice.id}?connected=1`;
  }

  async function dashboard(id: string, q: URLSearchParams): Promise<ReturnType<typeof dashboardView>> {
    const p = practiceOr404(ctx, id);
    const today = isoDate(new Date());
    const state = await siteState(ctx, p);
    return dashboardView({
      product: ctx.product, practice: p, state, connected: Boolean(q.get('connected')),
      changesWithin: p.conduitSiteId ? every(ctx.monitor.frequencyS) : null,
      moving: p.siteId !== p.conduitSiteId && p.pms === BEST_PRACTICE,
      review: store.bookingsWithStatus(p.id, 'needsReview'),
      todays: store.bookingsOn(p.id, today),
      upcoming: store.upcoming(p.id, today).filter((b) => b.date !== today),
    });
  }

  return async (req, res, url, parts) => {
    const get = req.method === 'GET' || req.method === 'HEAD';
    const post = req.method === 'POST';
    const [a, b, c] = parts;
    if (a !== 'practices') return false;
    if (get && parts.length === 1) {
      pages.show(res, practicesView(store.practices()));
      return true;
    }
    if (b === 'connect' && parts.length === 2) {
      if (get) {
        pages.show(res, connectPage(url.searchParams));
        return true;
      }
      if (post) {
        pages.redirect(res, await connect(await readForm(req)));
        return true;
      }
    }
    if (get && b && parts.length === 2) {
      pages.show(res, await dashboard(b, url.searchParams));
      return true;
    }
    if (post && b && c === 'bookings' && parts[4] === 'confirm' && parts.length === 5) {
      const p = practiceOr404(ctx, b);
      const bk = store.booking(Number(parts[3]));
      if (!bk || bk.practiceId !== p.id) throw new HttpError(404, 'No such booking.');
      if (bk.status === 'needsReview') store.updateBooking(bk.id, { status: 'booked', note: null });
      pages.redirect(res, `/practices/${p.id}`);
      return true;
    }
    return false;
  };
}

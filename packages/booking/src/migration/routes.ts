// The migration's pages and operator API, served ahead of the booking server's own routes:
//   GET  /practices/:id/migration            the practice's stage and its steps (practice-move.ts)
//   POST /practices/:id/migration/connect    pairs with Conduit from that page
//   GET  /operator/sign-in, POST /operator/sign-in, POST /operator/sign-out
//   GET  /operator/migration, POST /operator/migration/...   the dashboard and its forms (operator-pages.ts)
//   GET  /operator/migration/practices/:key                   one practice: differences, stage changes (operator-pages.ts)
//   /api/operator/...                        the JSON API (operator-api.ts)
// Everything under /operator and /api/operator needs the operator token (operator-auth.ts):
// 503 when none is configured, 401 without it, 403 for a cross-site request that changes something.
import { html } from '../web/html.js';
import type { MigrationPagesContext } from './context.js';
import { HttpError, readForm, type Route } from '../web/http.js';
import { StatusCache, kindOf } from './overview.js';
import { OperatorAuth, sameOrigin } from './operator-auth.js';
import { operatorApi, sendJson } from './operator-api.js';
import { dashboardForm, dashboardPage, practicePage } from './operator-pages.js';
import { practiceMigrationConnect, practiceMigrationPage } from './practice-move.js';
import { DASHBOARD, safeNext } from './views/operator-chrome.js';
import { signInView } from './views/sign-in.js';
import { Flash } from '../web/chrome.js';

const NOT_CONFIGURED = 'The operator pages are switched off: no operator token is configured on this booking server (migration.operatorToken).';

/** Returns a handler that serves the migration routes and answers false for any other request. */
export function migrationRoutes(ctx: MigrationPagesContext): Route {
  const cache = new StatusCache((key) => ctx.migration.status(key));
  const flash = new Flash();
  const auth = ctx.operatorToken ? new OperatorAuth(ctx.operatorToken) : undefined;

  return async (req, res, url, parts) => {
    const get = req.method === 'GET' || req.method === 'HEAD';
    const post = req.method === 'POST';

    if (parts[0] === 'practices' && parts[2] === 'migration') {
      if (get && parts.length === 3) {
        await practiceMigrationPage(ctx, cache, res, parts[1]!, url.searchParams);
        return true;
      }
      if (post && parts.length === 4 && parts[3] === 'connect') {
        await practiceMigrationConnect(ctx, cache, res, parts[1]!, await readForm(req));
        return true;
      }
      return false;
    }

    const api = parts[0] === 'api' && parts[1] === 'operator';
    if (!api && parts[0] !== 'operator') return false;
    const refuse = (status: number, message: string, title: string): true => {
      if (api) {
        if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="operator"');
        sendJson(res, status, { error: message });
      } else ctx.send(res, status, title, html`<h1>${title}</h1><div class="alert error" role="alert" id="operator-error">${message}</div>`);
      return true;
    };
    if (!auth) return refuse(503, NOT_CONFIGURED, 'Operator pages not configured');
    if (!get && !sameOrigin(req)) return refuse(403, 'This request came from another site and was refused.', 'Refused');

    if (!api && parts[1] === 'sign-in' && parts.length === 2) {
      if (get) {
        ctx.show(res, signInView(ctx.booking.product, 200, { next: url.searchParams.get('next') ?? undefined }));
        return true;
      }
      if (post) {
        const form = await readForm(req);
        const next = safeNext(form.get('next'));
        const wait = auth.blockedFor(req);
        if (wait > 0) {
          ctx.show(res, signInView(ctx.booking.product, 429, { error: `Too many wrong tokens. Please wait ${Math.ceil(wait / 60)} minute(s) and try again.`, next }));
          return true;
        }
        if (!auth.matches(form.get('token') ?? '')) {
          auth.failed(req);
          ctx.show(res, signInView(ctx.booking.product, 401, { error: 'That operator token is not right.', next }));
          return true;
        }
        res.setHeader('set-cookie', auth.cookie(req, auth.session()));
        ctx.redirect(res, next);
        return true;
      }
    }
    if (!api && parts[1] === 'sign-out' && parts.length === 2 && post) {
      res.setHeader('set-cookie', auth.cookie(req, '', 0));
      ctx.redirect(res, '/operator/sign-in');
      return true;
    }

    const wait = req.headers.authorization !== undefined ? auth.blockedFor(req) : 0;
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      return refuse(429, 'Too many wrong tokens. Please wait and try again.', 'Too many attempts');
    }
    const who = auth.check(req);
    if (who !== 'ok') {
      if (api) return refuse(401, who === 'missing' ? 'The operator token is required: send Authorization: Bearer <token>.' : 'The operator token is not right.', 'Sign in');
      ctx.show(res, signInView(ctx.booking.product, 401, { next: get ? url.pathname : DASHBOARD, ...(who === 'wrong' ? { error: 'Your sign-in has expired or is no longer valid. Please sign in again.' } : {}) }));
      return true;
    }

    if (api) {
      try {
        if (await operatorApi(ctx, cache, req, res, parts)) return true;
      } catch (e) {
        ctx.onError(e);
        sendJson(res, 500, { error: 'Something went wrong; the operator API could not answer.' });
        return true;
      }
      sendJson(res, 404, { error: `There is no operator API at ${url.pathname}.` });
      return true;
    }
    if (get && parts.length === 1) {
      ctx.redirect(res, DASHBOARD);
      return true;
    }
    if (parts[1] === 'migration') {
      if (get && parts.length === 2) {
        await dashboardPage(ctx, cache, flash, res, url.searchParams);
        return true;
      }
      if (get && parts.length === 4 && parts[2] === 'practices') {
        const p = ctx.booking.practiceBySite(parts[3]!);
        if (!p || kindOf(p, ctx.migrationStore.since(p.siteId) !== null) !== 'migrating') throw new HttpError(404, `There is no practice moving to Conduit with the key "${parts[3]}".`);
        await practicePage(ctx, cache, flash, res, p, url.searchParams);
        return true;
      }
      if (post && (await dashboardForm(ctx, cache, flash, res, parts.slice(2), await readForm(req)))) return true;
    }
    throw new HttpError(404, 'There is no operator page here.');
  };
}

// The operator's sign-in form (the token, once; then a session cookie, operator-auth.ts).
import { html } from '../../web/html.js';
import type { Page } from '../../web/chrome.js';
import { safeNext } from './operator-chrome.js';

export function signInView(product: string, status: number, opts: { error?: string; next?: string } = {}): Page {
  return { status, title: 'Operator sign-in', body: html`<h1>Operator sign-in</h1><p class="lead">The migration dashboard is for ${product}'s operators.</p>
    ${opts.error ? html`<div class="alert error" role="alert" id="sign-in-error">${opts.error}</div>` : ''}
    <form class="card" method="post" action="/operator/sign-in">
      <input type="hidden" name="next" value="${safeNext(opts.next)}">
      <label for="token">Operator token</label><input id="token" name="token" type="password" required autocomplete="current-password">
      <button type="submit" data-busy="Signing in…">Sign in</button>
    </form>` };
}

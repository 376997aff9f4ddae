// The operator's pages (authenticated by migration-pages.ts): the sign-in form and the dashboard at
// GET /operator/migration with the waves, a summary per stage and every practice with its blocker,
// and the forms that schedule or cancel a wave, run the checks now, and move one practice on or back.
// Each form posts, then comes back to the dashboard with its outcome (kept server-side for a few
// minutes under a random id, so no message text travels in the address).
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { html, raw, type Raw } from '../../web/html.js';
import { STAGES, TransitionRefused, type Stage } from '../stages.js';
import { WaveError } from '../waves.js';
import { BEST_PRACTICE } from '../../booking/store.js';
import type { MigrationPagesContext } from '../context.js';
import { buildOverview, type PracticeRow, type StatusCache, type WaveView } from '../overview.js';

/** One practice's page on the dashboard (migration-operator-practice.ts serves it). */
export const practicePath = (key: string): string => `${DASHBOARD}/practices/${encodeURIComponent(key)}`;

export const DASHBOARD = '/operator/migration';

/** Outcomes of the operator's forms, shown once on the next dashboard. */
export class Flash {
  private readonly kept = new Map<string, { ok: boolean; text: string; at: number }>();
  put(ok: boolean, text: string): string {
    const now = Date.now();
    for (const [k, v] of this.kept) if (now - v.at > 10 * 60_000 || this.kept.size > 500) this.kept.delete(k);
    const id = randomBytes(9).toString('base64url');
    this.kept.set(id, { ok, text, at: now });
    return id;
  }
  take(id: string | null): { ok: boolean; text: string } | undefined {
    if (!id) return undefined;
    const v = this.kept.get(id);
    this.kept.delete(id);
    return v;
  }
}

export const when = (iso: string | null): Raw => iso
  ? html`<time datetime="${iso}">${new Date(iso).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short' })}</time>`
  : html`<span class="muted">—</span>`;

/** Shows every <time datetime> in the operator's own time zone. */
export const LOCAL_TIMES = raw(`<script>document.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d))t.textContent=d.toLocaleString(undefined,{dateStyle:'medium',timeStyle:'short'});});
document.addEventListener('submit',function(e){var f=e.target;var m=f.getAttribute('data-confirm');if(m&&!confirm(m)){e.preventDefault();e.stopImmediatePropagation();return;}
var l=f.querySelector('input[name=startsAt]'),i=f.querySelector('input[name=startsAtIso]');if(l&&i&&l.value){var d=new Date(l.value);if(!isNaN(d))i.value=d.toISOString();}},true);</script>`);

export const STYLE = raw(`<style>main{max-width:1320px}table.ops th,table.ops td{font-size:14px;padding:6px 8px;vertical-align:top}td.since,td.stage,td.wave,td.actions small{white-space:nowrap}td.name{min-width:190px}
form.inline{display:inline}form.inline button{margin:2px 4px 2px 0;padding:4px 10px;font-size:13px}
ul.stages{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:8px 18px}td small,td .muted{font-size:12px}
form.schedule{display:flex;flex-wrap:wrap;gap:0 14px;align-items:flex-end}form.schedule label{margin-top:6px}form.schedule input{width:auto}</style>`);

export function signInPage(ctx: MigrationPagesContext, res: ServerResponse, status: number, opts: { error?: string; next?: string } = {}): void {
  ctx.send(res, status, 'Operator sign-in', html`<h1>Operator sign-in</h1><p class="lead">The migration dashboard is for ${ctx.product}'s operators.</p>
    ${opts.error ? html`<div class="alert error" role="alert" id="sign-in-error">${opts.error}</div>` : ''}
    <form class="card" method="post" action="/operator/sign-in">
      <input type="hidden" name="next" value="${safeNext(opts.next)}">
      <label for="token">Operator token</label><input id="token" name="token" type="password" required autocomplete="current-password">
      <button type="submit" data-busy="Signing in…">Sign in</button>
    </form>`);
}

/** Only pages of the operator's own area can be gone back to (after signing in, or after a form). */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/operator\/[\w\-/.%]*$/.test(next) && !next.startsWith('//') && !next.includes('..') ? next : DASHBOARD;
}

function connectorCell(r: PracticeRow): Raw {
  const c = r.connector;
  if (c.retired) return html`<span class="badge online">retired</span>`;
  return html`<span class="badge ${c.online ? 'online' : 'offline'}">${c.online ? 'online' : 'offline'}</span>
    ${c.databaseAccess === false ? html`<br><span class="badge disabled" data-access="refused">access refused</span>` : c.databaseAccess === true ? html`<br><small class="muted" data-access="ok">database access ok</small>` : ''}
    ${c.pmsVersion ? html`<br><small class="muted">${c.pmsVersion}</small>` : ''}${!c.online && c.lastSeenAt ? html`<br><small class="muted">last seen ${when(c.lastSeenAt)}</small>` : ''}`;
}

function actions(r: PracticeRow): Raw {
  const base = `/operator/migration/practices/${encodeURIComponent(r.key)}`;
  const stage = r.stage!;
  return html`${stage !== 'connector-retired' ? html`<form class="inline" method="post" action="${base}/advance" ${stage === 'conduit' ? raw(`data-confirm="Retire the Connector of ${escAttr(r.name)}? This is final."`) : ''}><button type="submit" class="advance" data-busy="Moving…">Advance</button></form>` : ''}
    ${stage !== 'connector' && stage !== 'connector-retired' ? html`<form class="inline" method="post" action="${base}/revert"><button type="submit" class="secondary revert" data-busy="Moving…">Move back</button></form>` : ''}
    ${r.openDifferences > 0 ? html`<form class="inline" method="post" action="${base}/resolve-differences"><button type="submit" class="secondary resolve" data-busy="Saving…">Mark differences resolved</button></form>` : ''}`;
}

const escAttr = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function practiceRow(r: PracticeRow): Raw {
  if (r.kind === 'otherPms') {
    return html`<tr data-practice="${r.key}" data-kind="other-pms"><td class="name">${r.name}<br><small class="muted">${r.key}</small></td><td class="pms">${r.pms}</td><td class="wave"></td>
      <td class="stage" colspan="6">stays on the Connector (${r.pms})</td><td class="connector">${connectorCell(r)}</td></tr>`;
  }
  if (r.kind === 'conduitOnly') {
    return html`<tr data-practice="${r.key}" data-kind="conduit-only"><td class="name">${r.name}<br><small class="muted">${r.key}</small></td><td class="pms">${r.pms}</td><td class="wave"></td>
      <td class="stage" colspan="7">onboarded through Conduit (nothing to move)</td></tr>`;
  }
  const runnerNote = r.runnerBlocker && r.runnerBlocker !== r.blocker
    ? html`<br><small class="muted runner-note">wave runner${r.runnerCheckedAt ? html` (${when(r.runnerCheckedAt)})` : ''}: ${r.runnerBlocker}</small>` : '';
  return html`<tr data-practice="${r.key}" data-kind="migrating" data-stage="${r.stage}">
    <td class="name"><a class="details" href="${practicePath(r.key)}">${r.name}</a><br><small class="muted">${r.key} · Site ID ${r.bpSiteId}${r.paired ? ' · paired' : ''}</small></td>
    <td class="pms">${r.pms}</td><td class="wave">${r.wave?.name ?? html`<span class="muted">—</span>`}</td>
    <td class="stage">${r.stage}</td><td class="since">${when(r.since)}</td>
    <td class="blocker" data-source="${r.blockerSource ?? ''}">${r.blocker ?? (r.stage === 'connector-retired' ? '' : html`<span class="muted">none</span>`)}${r.blockerSource === 'runner' && r.runnerCheckedAt ? html` <small class="muted">(checked ${when(r.runnerCheckedAt)})</small>` : ''}${runnerNote}</td>
    <td class="comparisons">${r.comparisons}</td><td class="differences">${r.openDifferences}</td><td class="actions">${actions(r)}<br><small><a href="/practices/${r.id}/migration">practice's page</a></small></td><td class="connector">${connectorCell(r)}</td></tr>`;
}

function waveRow(w: WaveView): Raw {
  const counts = STAGES.filter((s) => w.stages[s] > 0).map((s) => html`<span data-stage="${s}">${s} ${w.stages[s]}</span>`);
  return html`<tr data-wave="${w.id}" data-state="${w.state}"><td class="name">${w.name}</td><td class="starts">${when(w.startsAt)}</td><td class="percent">${w.percent} %</td>
    <td class="state">${w.state}${w.startedAt ? html`<br><small class="muted">${when(w.startedAt)}</small>` : ''}</td>
    <td class="members" data-count="${w.members.length}">${w.members.length} ${w.members.length === 1 ? 'practice' : 'practices'}${counts.length ? html`: ${counts.map((c, i) => html`${i ? ' · ' : ''}${c}`)}` : ''}</td>
    <td>${w.state === 'scheduled' ? html`<form class="inline" method="post" action="/operator/migration/waves/${w.id}/cancel"><button type="submit" class="secondary cancel" data-busy="Cancelling…">Cancel</button></form>` : ''}</td></tr>`;
}

export async function dashboardPage(ctx: MigrationPagesContext, cache: StatusCache, flash: Flash, res: ServerResponse, q: URLSearchParams): Promise<void> {
  const o = await buildOverview(ctx, cache);
  const note = flash.take(q.get('flash'));
  const migrating = o.practices.filter((r) => r.kind === 'migrating');
  const other = o.practices.filter((r) => r.kind === 'otherPms').length;
  const conduitOnly = o.practices.filter((r) => r.kind === 'conduitOnly').length;
  // Practices whose wave has started but that cannot move on: what the operator should look at first.
  const attention = migrating.filter((r) => r.wave && r.stage !== 'connector-retired' && r.blocker && !/ more before the next stage$/.test(r.blocker));
  ctx.send(res, 200, 'Migration to Conduit', html`${STYLE}
    <h1>Moving practices to Conduit</h1>
    <p class="lead">Operator dashboard · ${migrating.length} Best Practice ${migrating.length === 1 ? 'practice' : 'practices'} moving · as of ${when(o.generatedAt)}</p>
    ${note ? html`<div class="alert ${note.ok ? 'ok' : 'error'}" role="${note.ok ? 'status' : 'alert'}" id="outcome">${note.text}</div>` : ''}
    <div class="card" id="summary"><b>Practices per stage</b>
      <ul class="stages">${STAGES.map((s) => html`<li data-stage="${s}">${s}: <b>${o.stages[s]}</b></li>`)}
        ${other ? html`<li data-stage="other-pms">stay on the Connector (other PMS): <b>${other}</b></li>` : ''}${conduitOnly ? html`<li data-stage="conduit-only">onboarded through Conduit: <b>${conduitOnly}</b></li>` : ''}</ul>
      <form class="inline" method="post" action="/operator/migration/tick"><button type="submit" id="check-now" data-busy="Checking…">Check now</button></form>
      <form class="inline" method="post" action="/operator/sign-out"><button type="submit" class="secondary" id="sign-out">Sign out</button></form></div>
    ${attention.length ? html`<div class="card" id="attention"><b>Needs attention (${attention.length})</b><ul>${attention.map((r) => html`<li data-practice="${r.key}">${r.name} (${r.wave!.name}, ${r.stage}): ${r.blocker}</li>`)}</ul></div>` : ''}
    <h2>Waves</h2>
    ${o.waves.length ? html`<table class="ops" id="waves"><thead><tr><th>Wave</th><th>Starts</th><th>Share (cumulative)</th><th>State</th><th>Members per stage</th><th></th></tr></thead>
      <tbody>${o.waves.map(waveRow)}</tbody></table>` : html`<p class="muted" id="no-waves">No waves scheduled.</p>`}
    <form class="card schedule" id="schedule" method="post" action="/operator/migration/waves">
      <div><label for="wave-name">Wave name</label><input id="wave-name" name="name" required maxlength="80" placeholder="Pilot"></div>
      <div><label for="wave-start">Starts</label><input id="wave-start" name="startsAt" type="datetime-local" required><input type="hidden" name="startsAtIso"></div>
      <div><label for="wave-percent">Share of practices (%, cumulative)</label><input id="wave-percent" name="percent" type="number" min="1" max="100" step="1" required></div>
      <div><button type="submit" data-busy="Scheduling…">Schedule wave</button></div>
    </form>
    <h2>Practices</h2>
    <table class="ops" id="practices"><thead><tr><th>Practice</th><th>PMS</th><th>Wave</th><th>Stage</th><th>Since</th><th>Blocker</th><th>Compared</th><th>Open differences</th><th></th><th>Connector</th></tr></thead>
      <tbody>${o.practices.map(practiceRow)}</tbody></table>
    ${LOCAL_TIMES}`);
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
    const p = ctx.store.practiceBySite(id);
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


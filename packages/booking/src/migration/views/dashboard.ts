// The operator's dashboard at GET /operator/migration, from the overview (overview.ts): the waves, a
// summary per stage and every practice with its blocker, and the forms that schedule or cancel a wave,
// run the checks now, and move one practice on or back (operator-pages.ts answers them).
import { html, raw, type Raw } from '../../web/html.js';
import { flashAlert, type FlashNote, type Page } from '../../web/chrome.js';
import { STAGES } from '../stages.js';
import type { Overview, PracticeRow, WaveView } from '../overview.js';
import { LOCAL_TIMES, STYLE, practicePath, when } from './operator-chrome.js';

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

/** The dashboard, from the overview and the outcome of the last form (if any). */
export function dashboardView(o: Overview, note: FlashNote | undefined): Page {
  const migrating = o.practices.filter((r) => r.kind === 'migrating');
  const other = o.practices.filter((r) => r.kind === 'otherPms').length;
  const conduitOnly = o.practices.filter((r) => r.kind === 'conduitOnly').length;
  // Practices whose wave has started but that cannot move on: what the operator should look at first.
  const attention = migrating.filter((r) => r.wave && r.stage !== 'connector-retired' && r.blocker && !/ more before the next stage$/.test(r.blocker));
  return { title: 'Migration to Conduit', body: html`${STYLE}
    <h1>Moving practices to Conduit</h1>
    <p class="lead">Operator dashboard · ${migrating.length} Best Practice ${migrating.length === 1 ? 'practice' : 'practices'} moving · as of ${when(o.generatedAt)}</p>
    ${flashAlert(note)}
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
    ${LOCAL_TIMES}` };
}

// One practice's move, for the operator: its stage and what blocks it, its Connector, the shadow
// differences and every stage change with who made it and why, with the forms to move it on or back.
import { html, type Raw } from '../../web/html.js';
import { flashAlert, type FlashNote, type Page } from '../../web/chrome.js';
import type { AuditEntry, ShadowDifference } from '../stages.js';
import { DIFFERENCES_SHOWN, type PracticeDetail } from '../practice-detail.js';
import { DASHBOARD, LOCAL_TIMES, STYLE, practicePath, when } from './operator-chrome.js';

function forms(d: PracticeDetail): Raw {
  const base = practicePath(d.practice.key);
  const back = html`<input type="hidden" name="next" value="${base}">`;
  const stage = d.status.stage;
  const retireNote = `Retire the Connector of ${d.practice.name}? This is final.`;
  return html`${stage !== 'connector-retired' ? html`<form class="inline" method="post" action="${base}/advance" ${stage === 'conduit' ? html`data-confirm="${retireNote}"` : ''}>${back}<button type="submit" class="advance" data-busy="Moving…">Advance${d.status.next ? ` to ${d.status.next}` : ''}</button></form>` : ''}
    ${stage !== 'connector' && stage !== 'connector-retired' ? html`<form class="inline" method="post" action="${base}/revert">${back}<button type="submit" class="secondary revert" data-busy="Moving…">Move back</button></form>` : ''}
    ${d.differences.open > 0 ? html`<form class="inline" method="post" action="${base}/resolve-differences">${back}<button type="submit" class="secondary resolve" data-busy="Saving…">Mark differences resolved</button></form>` : ''}`;
}

const differenceRow = (x: ShadowDifference): Raw =>
  html`<tr data-difference="${x.id}" data-resolved="${x.resolved ? 'yes' : 'no'}"><td>${when(x.at)}</td><td class="call">${x.call}</td><td class="detail">${x.detail}</td><td>${x.resolved ? 'resolved' : html`<b>open</b>`}</td></tr>`;

const auditRow = (a: AuditEntry): Raw =>
  html`<tr><td>${when(a.at)}</td><td>${a.from === a.to ? a.to : html`${a.from ?? '—'} → ${a.to}`}</td><td>${a.actor}</td><td>${a.reason}</td></tr>`;

/** One practice's page at /operator/migration/practices/:key; its forms come back to it. */
export function practiceDetailView(d: PracticeDetail, note: FlashNote | undefined): Page {
  const p = d.practice;
  const c = d.connector;
  return { title: `${p.name}: move to Conduit`, body: html`${STYLE}
    <p><a href="${DASHBOARD}">← All practices</a></p>
    <h1>${p.name}</h1>
    <p class="lead">${d.practice.key} · Site ID ${d.practice.bpSiteId} · ${d.practice.pms}${d.wave ? ` · ${d.wave.name}` : ''}${d.practice.conduitSiteId ? ' · paired with Conduit' : ''} · <a href="/practices/${p.id}/migration">the practice's page</a></p>
    ${flashAlert(note)}
    <div class="card" id="stage" data-stage="${d.status.stage}"><dl>
      <dt>Stage</dt><dd><b>${d.status.stage}</b> since ${when(d.status.since)}</dd>
      <dt>Blocker</dt><dd id="blocker">${d.status.blocker ?? html`<span class="muted">none: it can move on</span>`}</dd>
      ${d.status.blockers.length ? html`<dt>Readiness</dt><dd><ul>${d.status.blockers.map((b) => html`<li>${b}</li>`)}</ul></dd>` : ''}
      ${d.wave?.blocker ? html`<dt>Wave runner</dt><dd>${d.wave.blocker} <small class="muted">(${when(d.wave.checkedAt)})</small></dd>` : ''}
      <dt>Shadow</dt><dd>${d.status.comparisons} ${d.status.comparisons === 1 ? 'read' : 'reads'} compared, ${d.differences.open} open ${d.differences.open === 1 ? 'difference' : 'differences'}</dd>
      <dt>Connector</dt><dd id="connector">${c.retired ? html`retired: switched off, its database closed${c.lastSeenAt ? html` (${when(c.lastSeenAt)})` : ''}`
        : html`${c.online ? 'online' : 'offline'}${c.databaseAccess === false ? ' · database access refused' : c.databaseAccess ? ' · database access ok' : ''}${c.pmsVersion ? ` · ${c.pmsVersion}` : ''}${c.lastSeenAt && !c.online ? html` · last seen ${when(c.lastSeenAt)}` : ''}`}</dd>
    </dl>${forms(d)}</div>
    <h2>Shadow differences</h2>
    ${d.differences.total ? html`<p class="muted">Where the Connector's and Conduit's answers differed (values are not kept). ${d.differences.total > DIFFERENCES_SHOWN ? `The newest ${DIFFERENCES_SHOWN} of ${d.differences.total}.` : ''}</p>
      <table class="ops" id="differences"><thead><tr><th>When</th><th>Read</th><th>What differed</th><th></th></tr></thead><tbody>${d.differences.shown.map(differenceRow)}</tbody></table>`
      : html`<p class="muted" id="no-differences">None recorded.</p>`}
    <h2>Stage changes</h2>
    ${d.status.audit.length ? html`<table class="ops" id="audit"><thead><tr><th>When</th><th>Change</th><th>By</th><th>Why</th></tr></thead><tbody>${[...d.status.audit].reverse().map(auditRow)}</tbody></table>`
      : html`<p class="muted">No stage changes yet: the practice is on the Connector.</p>`}
    ${LOCAL_TIMES}` };
}

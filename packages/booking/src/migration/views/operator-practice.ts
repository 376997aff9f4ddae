// One practice's move, for the operator (authenticated by migration-pages.ts): its stage and what
// blocks it, its Connector, the shadow differences (where the answers differed, never the values) and
// every stage change with who made it and why. Served as a page at /operator/migration/practices/:key
// and as JSON at GET /api/operator/practices/:key; the page's forms come back to it.
import type { ServerResponse } from 'node:http';
import { html, type Raw } from '../../web/html.js';
import type { MigrationStatus } from '../control.js';
import type { AuditEntry, ShadowDifference } from '../stages.js';
import type { MigrationPagesContext } from '../context.js';
import { connectorView, type ConnectorView, type StatusCache } from '../overview.js';
import { DASHBOARD, LOCAL_TIMES, STYLE, practicePath, when, type Flash } from './dashboard.js';
import type { Practice } from '../../booking/store.js';

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

export async function practicePage(ctx: MigrationPagesContext, cache: StatusCache, flash: Flash, res: ServerResponse, p: Practice, q: URLSearchParams): Promise<void> {
  const d = await practiceDetail(ctx, cache, p);
  const note = flash.take(q.get('flash'));
  const c = d.connector;
  ctx.send(res, 200, `${p.name}: move to Conduit`, html`${STYLE}
    <p><a href="${DASHBOARD}">← All practices</a></p>
    <h1>${p.name}</h1>
    <p class="lead">${d.practice.key} · Site ID ${d.practice.bpSiteId} · ${d.practice.pms}${d.wave ? ` · ${d.wave.name}` : ''}${d.practice.conduitSiteId ? ' · paired with Conduit' : ''} · <a href="/practices/${p.id}/migration">the practice's page</a></p>
    ${note ? html`<div class="alert ${note.ok ? 'ok' : 'error'}" role="${note.ok ? 'status' : 'alert'}" id="outcome">${note.text}</div>` : ''}
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
    ${LOCAL_TIMES}`);
}

// The practice's own page about the move to Conduit, from a plain view model (../practice-move.ts
// builds it): its stage in its own words and the steps it has to take in Best Practice, each done or
// not, with the pairing form.
import { html, type Raw } from '../../web/html.js';
import type { Page } from '../../web/chrome.js';
import type { MinimumVersion, Stage } from '../stages.js';

const BLOCK_VERSION = 'Bp version older than required';
const BLOCK_INTEGRATION = 'integration not ticked';
const BLOCK_PAIRING = 'pairing code not entered';
const BLOCK_LINK = 'Link unreachable';
const INTEGRATIONS_SCREEN = 'Setup › Configuration › Database › Setup third-party integrations';

/** The stage in the practice's words. */
export function stageWords(stage: Stage, product: string): string {
  switch (stage) {
    case 'connector': return `Bookings reach you through the ${product} Connector.`;
    case 'ready':
    case 'shadow': return 'We are checking that Conduit gives the same answers as your Connector — nothing changes for you.';
    case 'conduit': return 'Bookings now reach you through Conduit; keep the old Connector ticked until this page says the move is complete.';
    case 'connector-retired': return `The move is complete; you can untick '${product} Connector' now.`;
  }
}

/** What the practice's steps are worked out from. */
export interface StepsModel {
  product: string;
  minimum: MinimumVersion;
  practice: { id: number; bpSiteId: string; conduitSiteId: string | null };
  /** The live status, or null when it could not be checked. */
  status: { blockers: string[] } | null;
  connector: { databaseAccess: boolean | null; pmsVersion: string | null };
  /** The page's query: the error of the last attempt and the Site ID entered. */
  query: URLSearchParams;
}

export interface PracticeMoveModel extends StepsModel {
  practice: { id: number; name: string; bpSiteId: string; pms: string; conduitSiteId: string | null };
  /** `otherPms` keeps its Connector; `conduitOnly` came through Conduit; `moving` is on its way. */
  kind: 'otherPms' | 'conduitOnly' | 'moving';
  stage: Stage;
  /** The message for the last pairing attempt, if it failed. */
  pairMessage: string | undefined;
}

export interface Step { n: number; done: boolean; body: Raw }

/** The practice's steps, in order, each done or not (pure: from the status and what the Connector reports). */
export function practiceSteps(m: StepsModel): Step[] {
  const { product, practice: p, status: st, connector: conn, query: q } = m;
  const blockers = st?.blockers ?? [];
  const minimum = `${m.minimum.release}${m.minimum.servicePack > 0 ? ` SP${m.minimum.servicePack}` : ''}`;
  const versionOk = st !== null && !blockers.includes(BLOCK_VERSION);
  const paired = p.conduitSiteId !== null && !blockers.includes(BLOCK_PAIRING);
  const ticked = paired && !blockers.includes(BLOCK_INTEGRATION) && conn.databaseAccess !== false;
  const err = q.get('error');
  return [
    { n: 1, done: versionOk, body: html`Update Best Practice to <b>${minimum}</b> or later. <span class="muted">Help › About shows your version${conn.pmsVersion ? html`; we last saw <b id="bp-version">${conn.pmsVersion}</b>` : ''}.</span>` },
    { n: 2, done: ticked, body: html`In Best Practice open <b>${INTEGRATIONS_SCREEN}</b>, tick both <b>${product} (via Conduit)</b> and <b>${product} Connector</b>, then Save.` },
    { n: 3, done: paired, body: html`In that screen, generate a pairing code for <b>${product} (via Conduit)</b>.` },
    {
      n: 4, done: paired, body: paired ? html`Paste your Site ID and the pairing code below.` : html`Paste your Site ID and the pairing code below.
        <form class="card" id="pair-form" method="post" action="/practices/${p.id}/migration/connect">
          <label for="siteId">Site ID</label><input id="siteId" name="siteId" required autocomplete="off" value="${q.get('siteId') ?? p.bpSiteId}">
          <label for="code">Pairing code</label><input id="code" name="code" required autocomplete="off" placeholder="XXXXX-XXXXX" ${err ? 'autofocus' : ''}>
          <button type="submit" data-busy="Connecting…">Connect</button>
        </form>`,
    },
    { n: 5, done: paired, body: html`Press <b>Connect</b>.` },
  ];
}

/** The practice's page about its move: its stage in its words and what it has left to do. */
export function practiceMoveView(m: PracticeMoveModel): Page {
  const { practice: p, product, query: q, status: st, stage, connector: conn } = m;
  const title = `${p.name}: moving to Conduit`;
  if (m.kind === 'otherPms') {
    return { title, body: html`<h1>${p.name}</h1><p class="lead" id="stage" data-stage="other-pms">Your practice uses ${p.pms}: bookings keep reaching you through the
      ${product} Connector. There is nothing for you to do.</p>` };
  }
  if (m.kind === 'conduitOnly') {
    return { title, body: html`<h1>${p.name}</h1><p class="lead" id="stage" data-stage="conduit-only">Bookings reach you through Conduit. There is nothing to move.</p>
      <a class="button" href="/practices/${p.id}">Dashboard</a>` };
  }
  const steps = practiceSteps(m);
  const left = steps.filter((s) => !s.done).length;
  const msg = m.pairMessage;
  const linkDown = st?.blockers.includes(BLOCK_LINK) ?? false;
  const unticked = conn.databaseAccess === false && stage !== 'connector-retired';
  return { title, body: html`
    <h1>${p.name}</h1><p class="muted">Moving to Conduit · Site ID ${p.bpSiteId}</p>
    <div class="card"><p class="lead" id="stage" data-stage="${stage}">${stageWords(stage, product)}</p></div>
    ${q.get('connected') ? html`<div class="alert ok" role="status" id="connected">Connected: ${p.name} is paired with ${product} (via Conduit). We will move you over step by step; nothing changes for you meanwhile.</div>` : ''}
    ${msg ? html`<div class="alert ${q.get('error') === 'offline' ? 'warn' : 'error'}" role="alert" id="pair-error">${msg}</div>` : ''}
    ${unticked ? html`<div class="alert error" role="alert" id="old-unticked"><b>The old integration was unticked before the move finished.</b> '${product} Connector' is no longer ticked in Best Practice,
      so bookings can't reach you through it. Tick <b>${product} Connector</b> again in ${INTEGRATIONS_SCREEN} and Save. Keep it ticked until this page says the move is complete.</div>` : ''}
    ${linkDown ? html`<div class="alert warn" role="alert" id="link-unreachable">Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server.
      Until it answers, bookings keep coming through your Connector and the move waits.</div>` : ''}
    ${st === null ? html`<div class="alert warn" role="status" id="not-checked">We could not check your practice just now. Please reload this page in a minute.</div>` : ''}
    ${stage === 'connector-retired' ? '' : html`
      <h2 id="steps-heading">${left === 0 ? 'Nothing left for you to do' : `What's left to do (${left} of ${steps.length} steps)`}</h2>
      <ol class="migration-steps" id="steps">${steps.map((s) => html`<li data-step="${s.n}" data-done="${String(s.done)}" class="${s.done ? 'done' : 'todo'}">
        <span class="badge ${s.done ? 'online' : 'moved'}">${s.done ? 'Done' : 'To do'}</span> ${s.body}</li>`)}</ol>`}
    <style>ol.migration-steps{padding-left:22px}ol.migration-steps li{margin:10px 0}ol.migration-steps li.done{color:#4a5565}</style>
    <a class="button" href="/practices/${p.id}">Dashboard</a>` };
}

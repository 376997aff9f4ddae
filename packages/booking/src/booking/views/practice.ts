// The practice's pages, from plain view models: the list of connected practices, "Enable Conduit
// integration" (Site ID + pairing code), and the practice's dashboard of online bookings.
import { html, formatDate, formatTime, type Raw } from '../../web/html.js';
import type { Page } from '../../web/chrome.js';
import { statusLabel } from './status.js';

export function practicesView(practices: { id: number; name: string }[]): Page {
  return { title: 'For practices', body: html`<h1>For practices</h1><p class="lead">Take online bookings straight into Best Practice.</p>
      <a class="button" href="/practices/connect">Enable Conduit integration</a>
      <h2>Connected practices</h2>${practices.length ? html`<ul class="choices">${practices.map((p) => html`<li><a href="/practices/${p.id}">${p.name}<small>Dashboard</small></a></li>`)}</ul>` : html`<p class="muted">None yet.</p>`}` };
}

export interface ConnectModel {
  product: string;
  /** The error code of the last attempt, and its message for the practice. */
  error: string | null;
  message: string | undefined;
  siteId: string;
}

export function connectView(m: ConnectModel): Page {
  const { product } = m;
  return { title: 'Enable Conduit integration', body: html`
      <h1>Enable Conduit integration</h1>
      <p class="lead">Connect your Best Practice database to ${product}. In Best Practice, open Setup › Configuration › Database › Setup third-party integrations,
      tick <b>${product} (via Conduit)</b>, Save, then generate a pairing code and enter it below with your Site ID.</p>
      ${m.message ? html`<div class="alert ${m.error === 'offline' ? 'warn' : 'error'}" role="alert" id="pair-error">${m.message}</div>` : ''}
      <form class="card" method="post" action="/practices/connect">
        <label for="siteId">Site ID</label><input id="siteId" name="siteId" required autocomplete="off" value="${m.siteId}">
        <label for="code">Pairing code</label><input id="code" name="code" required autocomplete="off" placeholder="XXXXX-XXXXX">
        <button type="submit" data-busy="Connecting…">Connect</button>
      </form>` };
}

export interface BookingRow {
  id: number;
  ref: string;
  date: string;
  time: number;
  firstName: string;
  surname: string;
  practitionerName: string;
  appointmentTypeName: string;
  status: string;
  note: string | null;
}

export interface DashboardModel {
  product: string;
  practice: { id: number; name: string; bpSiteId: string };
  /** The site's state (`online`, `disabled`, …) and what to tell the practice about it. */
  state: { state: string; message?: string };
  /** Just paired: say so. */
  connected: boolean;
  /** Changes made in Best Practice show within this (null when the practice is not on Conduit yet). */
  changesWithin: string | null;
  /** Show the way to the practice's migration page. */
  moving: boolean;
  review: BookingRow[];
  todays: BookingRow[];
  upcoming: BookingRow[];
}

function bookingRow(b: BookingRow, practiceId: number, withConfirm = false): Raw {
  return html`<tr data-ref="${b.ref}"><td>${formatDate(b.date)}</td><td>${formatTime(b.time)}</td><td>${b.firstName} ${b.surname}</td><td>${b.practitionerName}</td>
      <td>${b.appointmentTypeName}</td><td><span class="badge ${b.status}">${statusLabel(b.status)}</span>${b.note ? html`<br><small class="muted">${b.note}</small>` : ''}</td>
      ${withConfirm ? html`<td><form method="post" action="/practices/${practiceId}/bookings/${b.id}/confirm"><button type="submit">Confirm</button></form></td>` : ''}</tr>`;
}

export function dashboardView(m: DashboardModel): Page {
  const { practice: p, state, product } = m;
  const table = (rows: BookingRow[], confirm = false): Raw => html`<table><thead><tr><th>Date</th><th>Time</th><th>Patient</th><th>Practitioner</th><th>Type</th><th>Status</th>${confirm ? html`<th></th>` : ''}</tr></thead>
      <tbody>${rows.map((b) => bookingRow(b, p.id, confirm))}</tbody></table>`;
  return { title: `${p.name} dashboard`, body: html`
      <h1>${p.name}</h1><p class="lead">Practice dashboard · Site ID ${p.bpSiteId}</p>
      ${m.connected && state.state === 'online' ? html`<div class="alert ok" role="status" id="connected">Connected: ${p.name} now takes online bookings through ${product}.</div>` : ''}
      ${m.connected && state.state !== 'online' ? html`<div class="alert warn" role="status" id="connected">Paired with ${p.name}, but patients cannot book yet: see Connection below.</div>` : ''}
      <div class="card" id="connection"><b>Connection:</b> <span class="badge ${state.state}" id="site-state">${state.state === 'online' ? 'Online' : state.state === 'disabled' ? 'Integration disabled' : 'Not responding'}</span>
        ${state.message ? html`<div class="alert ${state.state === 'disabled' ? 'error' : 'warn'}" role="alert">${state.message}</div>` : ''}
        <p class="muted">Patients book at <a href="/book/${p.id}">/book/${p.id}</a>.${m.changesWithin ? ` Changes made in Best Practice show here within about ${m.changesWithin}.` : ''}</p>
        ${m.moving ? html`<a class="button" href="/practices/${p.id}/migration" id="migration-link">Moving to Conduit</a>` : ''}</div>
      <h2>Bookings to confirm</h2>${m.review.length ? html`<p class="muted">Several patient records matched these patients; the appointment was made against the first. Check the patient in Best Practice, then confirm.</p>${table(m.review, true)}` : html`<p class="muted">Nothing to confirm.</p>`}
      <h2>Today's online bookings</h2>${m.todays.length ? table(m.todays) : html`<p class="muted">No online bookings today.</p>`}
      <h2>Upcoming</h2>${m.upcoming.length ? table(m.upcoming) : html`<p class="muted">No upcoming online bookings.</p>`}` };
}

// The patient's pages, from plain view models: choose a practice, a practitioner, a type, a time, give
// details, then the booking as it stands (confirming, booked, not booked, cancelled or moved).
import { html, raw, formatDate, formatTime, type Raw } from '../../web/html.js';
import type { Page } from '../../web/chrome.js';
import { statusLabel } from './status.js';

export interface PracticeRef { id: number; name: string }
export interface PractitionerRef { id: number; name: string }
export interface TypeRef { code: number; description: string; length: number }

export const SEX = [{ code: 1, label: 'Male' }, { code: 2, label: 'Female' }, { code: 3, label: 'Other' }];

const steps = (n: number): Raw => html`<div class="steps">Step ${n} of 4</div>`;

export function homeView(practices: PracticeRef[]): Page {
  return { title: 'Book an appointment', body: html`<h1>Book an appointment</h1><p class="lead">Choose your practice.</p>
      ${practices.length ? html`<ul class="choices">${practices.map((p) => html`<li><a href="/book/${p.id}">${p.name}<small>Book online</small></a></li>`)}</ul>` : html`<p class="muted">No practices take online bookings yet.</p>`}` };
}

export function practitionersView(p: PracticeRef, list: PractitionerRef[]): Page {
  return { title: `Book at ${p.name}`, body: html`${steps(1)}<h1>${p.name}</h1><p class="lead">Who would you like to see?</p>
      <ul class="choices">${list.map((u) => html`<li><a href="/book/${p.id}/${u.id}">${u.name}</a></li>`)}</ul>` };
}

export function typesView(p: PracticeRef, u: PractitionerRef, types: TypeRef[]): Page {
  return { title: `Book with ${u.name}`, body: html`${steps(2)}<h1>${u.name}</h1><p class="lead">What kind of appointment?</p>
      <ul class="choices">${types.map((t) => html`<li><a href="/book/${p.id}/${u.id}/${t.code}">${t.description}<small>${Math.round(t.length / 60)} minutes</small></a></li>`)}</ul>` };
}

export interface TimesModel {
  practice: PracticeRef;
  practitioner: PractitionerRef;
  type: TypeRef;
  days: number;
  /** Free times by day, in order. */
  byDay: [string, { date: string; time: number; locationId: number | null }[]][];
  /** The time the patient chose was taken meanwhile. */
  taken: boolean;
}

export function timesView(m: TimesModel): Page {
  const { practice: p, practitioner: u, type: t, days } = m;
  return { title: 'Choose a time', body: html`${steps(3)}
      ${m.taken ? html`<div class="alert error" role="alert" id="taken"><b>Sorry, that time was just taken.</b> Someone booked it a moment before you. Here are the times still free.</div>` : ''}
      <h1>${t.description} with ${u.name}</h1><p class="lead">${p.name} · free times over the next ${days} days</p>
      ${m.byDay.length === 0 ? html`<p class="muted">No free times in the next ${days} days.</p>` : m.byDay.map(([day, list]) => html`<div class="day"><h3>${formatDate(day)}</h3><div class="times">
        ${list.map((s) => html`<a href="/book/${p.id}/${u.id}/${t.code}/${s.date}/${s.time}${s.locationId !== null ? `?loc=${s.locationId}` : ''}" data-time="${s.date}T${s.time}">${formatTime(s.time)}</a>`)}</div></div>`)}` };
}

export interface DetailsModel {
  practice: PracticeRef;
  practitioner: PractitionerRef;
  type: { code: number; description: string };
  day: string;
  time: number;
  /** Where the form posts (the page's own address). */
  action: string;
  /** Today (YYYY-MM-DD): the latest date of birth. */
  today: string;
  error?: string;
}

export function detailsView(m: DetailsModel): Page {
  return { status: m.error ? 400 : 200, title: 'Your details', body: html`${steps(4)}<h1>Your details</h1>
      <p class="lead">${m.type.description} with ${m.practitioner.name} at ${m.practice.name}, ${formatDate(m.day)} at ${formatTime(m.time)}</p>
      ${m.error ? html`<div class="alert error" role="alert">${m.error}</div>` : ''}
      <form class="card" method="post" action="${m.action}">
        <label for="firstName">First name</label><input id="firstName" name="firstName" required autocomplete="given-name">
        <label for="surname">Surname</label><input id="surname" name="surname" required autocomplete="family-name">
        <label for="dob">Date of birth</label><input id="dob" name="dob" type="date" required max="${m.today}">
        <label for="sex">Gender</label><select id="sex" name="sex" required><option value="">Choose…</option>${SEX.map((s) => html`<option value="${s.code}">${s.label}</option>`)}</select>
        <label for="mobile">Mobile</label><input id="mobile" name="mobile" type="tel" required autocomplete="tel" pattern="[0-9 +()-]{8,20}">
        <br><button type="submit" data-busy="Booking…">Book appointment</button>
      </form>` };
}

export interface BookingModel {
  ref: string;
  status: string;
  practitionerId: number;
  practitionerName: string;
  appointmentType: number;
  appointmentTypeName: string;
  date: string;
  time: number;
  firstName: string;
  surname: string;
}

/** The booking as it stands; `cancelled` when the patient has just cancelled it. */
export function bookingView(b: BookingModel, p: PracticeRef, cancelled: boolean): Page {
  if (b.status === 'pending' || b.status === 'notBooked') return unconfirmedView(b, p);
  const active = b.status === 'booked' || b.status === 'needsReview' || b.status === 'moved';
  const heading = active ? 'Your appointment is booked' : b.status === 'cancelled' ? 'Your appointment is cancelled' : 'The practice cancelled this appointment';
  return { title: heading, body: html`<h1>${heading}</h1>
      ${cancelled ? html`<div class="alert ok" role="status">Your appointment has been cancelled. ${p.name} has been told.</div>` : ''}
      ${b.status === 'cancelledInPms' ? html`<div class="alert warn" role="alert" id="practice-cancelled">${p.name} cancelled this appointment. Please book another time or call the practice.</div>` : ''}
      ${b.status === 'moved' ? html`<div class="alert warn" role="alert" id="moved">${p.name} moved this appointment. The new time is shown below.</div>` : ''}
      <div class="card"><dl>
        <dt>Practice</dt><dd>${p.name}</dd><dt>Practitioner</dt><dd>${b.practitionerName}</dd><dt>Appointment</dt><dd>${b.appointmentTypeName}</dd>
        <dt>When</dt><dd id="when">${formatDate(b.date)} at ${formatTime(b.time)}</dd><dt>Patient</dt><dd>${b.firstName} ${b.surname}</dd>
        <dt>Status</dt><dd><span class="badge ${b.status}" id="status">${statusLabel(b.status)}</span></dd><dt>Reference</dt><dd>${b.ref}</dd></dl>
      ${active ? html`<form method="post" action="/bookings/${b.ref}/cancel"><button class="secondary" type="submit" data-busy="Cancelling…">Cancel appointment</button></form>` : html`<a class="button" href="/book/${p.id}">Book another time</a>`}</div>` };
}

/** A booking whose write was not confirmed: being checked (the page looks again every few seconds), or not made. */
function unconfirmedView(b: BookingModel, p: PracticeRef): Page {
  const when = html`${b.appointmentTypeName} with ${b.practitionerName} at ${p.name}, ${formatDate(b.date)} at ${formatTime(b.time)}`;
  if (b.status === 'pending') {
    return { title: 'Confirming your booking', body: html`${raw('<meta http-equiv="refresh" content="3">')}<h1>Confirming your booking</h1>
        <div class="alert warn" role="status" id="confirming">${p.name} has not confirmed your booking yet: we are checking with the practice. This page updates by itself; you do not need to book again.</div>
        <div class="card"><p>${when}</p><p class="muted">Reference ${b.ref}</p></div>` };
  }
  return { title: 'Not booked', body: html`<h1>Your booking did not go through</h1>
      <div class="alert error" role="alert" id="not-booked">${p.name} did not receive this booking, so no appointment was made. Please choose a time again.</div>
      <div class="card"><p>${when}</p><a class="button" href="/book/${p.id}/${b.practitionerId}/${b.appointmentType}">Choose another time</a></div>` };
}

// The patient's pages: GET / (choose a practice), /book/:practice[/:practitioner[/:type[/:day/:time]]]
// step by step, POST the details to book, GET /bookings/:ref and POST /bookings/:ref/cancel.
import { ConduitApiError } from '@conduit/sdk';
import { isoDate, type FreeSlot } from '../pms/pms.js';
import { HttpError, readForm, type Route } from '../web/http.js';
import type { Practice } from './store.js';
import type { BookingContext } from './context.js';
import { practiceOr404 } from './practice-routes.js';
import { SEX, bookingView, detailsView, homeView, practitionersView, timesView, typesView } from './views/patient.js';

type Choice = { p: Practice; u: { id: number; name: string; locationId: number | null }; t: { code: number; description: string; length: number } };

const nowSeconds = (): number => {
  const d = new Date();
  return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
};

function slotFrom(day: string, time: string): { day: string; time: number } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{1,5}$/.test(time) || Number(time) >= 86400) throw new HttpError(404, 'That time is not available.');
  return { day, time: Number(time) };
}

export function patientRoutes(ctx: BookingContext): Route {
  const { store, pms, pages } = ctx;

  async function context(pid: string, uid: string, tid: string): Promise<Choice> {
    const p = practiceOr404(ctx, pid);
    const [users, types] = await Promise.all([pms.practitioners(p.siteId), pms.appointmentTypes(p.siteId)]);
    const u = users.find((x) => x.id === Number(uid));
    const t = types.find((x) => x.code === Number(tid));
    if (!u || !t) throw new HttpError(404, 'That practitioner or appointment type is not available.');
    return { p, u, t };
  }

  async function chooseType(pid: string, uid: string): Promise<ReturnType<typeof typesView>> {
    const p = practiceOr404(ctx, pid);
    const [users, types] = await Promise.all([pms.practitioners(p.siteId), pms.appointmentTypes(p.siteId)]);
    const u = users.find((x) => x.id === Number(uid));
    if (!u) throw new HttpError(404, 'That practitioner does not take online bookings.');
    return typesView(p, u, types);
  }

  async function chooseTime(pid: string, uid: string, tid: string, q: URLSearchParams): Promise<ReturnType<typeof timesView>> {
    const { p, u, t } = await context(pid, uid, tid);
    const slots = await pms.freeSlots(p.siteId, u.id, t.length, isoDate(new Date()), ctx.days, nowSeconds());
    const byDay = new Map<string, FreeSlot[]>();
    for (const s of slots) byDay.set(s.date, [...(byDay.get(s.date) ?? []), s]);
    return timesView({ practice: p, practitioner: u, type: t, days: ctx.days, byDay: [...byDay], taken: q.get('taken') === '1' });
  }

  const details = (c: Choice, day: string, time: number, action: string, error?: string): ReturnType<typeof detailsView> =>
    detailsView({ practice: c.p, practitioner: c.u, type: c.t, day, time, action, today: isoDate(new Date()), error });

  /** Books, answering with the page to go to (or the form again when a field is missing). */
  async function book(parts: string[], q: URLSearchParams, form: URLSearchParams): Promise<string | ReturnType<typeof detailsView>> {
    const [pid, uid, tid, dayS, timeS] = parts as [string, string, string, string, string];
    const c = await context(pid, uid, tid);
    const { day, time } = slotFrom(dayS, timeS);
    const firstName = (form.get('firstName') ?? '').trim();
    const surname = (form.get('surname') ?? '').trim();
    const dob = (form.get('dob') ?? '').trim();
    const sexCode = Number(form.get('sex'));
    const mobile = (form.get('mobile') ?? '').trim();
    const action = `/book/${parts.join('/')}${q.size ? `?${q}` : ''}`;
    if (!firstName || !surname || !/^\d{4}-\d{2}-\d{2}$/.test(dob) || !SEX.some((s) => s.code === sexCode) || !/^[0-9 +()-]{8,20}$/.test(mobile)) {
      return details(c, day, time, action, 'Please fill in every field: first name, surname, date of birth, gender and a mobile number.');
    }
    const loc = q.get('loc');
    const outcome = await ctx.placer.place({
      practice: c.p, practitioner: c.u, type: c.t, date: day, time, locationId: loc && /^\d+$/.test(loc) ? Number(loc) : c.u.locationId,
      patient: { firstName, surname, dob, sexCode, mobile },
    });
    if (outcome.kind === 'taken') return `/book/${c.p.id}/${c.u.id}/${c.t.code}?taken=1`;
    return `/bookings/${outcome.booking.ref}`;
  }

  function confirmation(ref: string, q: URLSearchParams): ReturnType<typeof bookingView> {
    const b = store.bookingByRef(ref);
    if (!b) throw new HttpError(404, 'We could not find that booking.');
    return bookingView(b, store.practice(b.practiceId)!, Boolean(q.get('cancelled')));
  }

  async function cancel(ref: string): Promise<string> {
    const b = store.bookingByRef(ref);
    if (!b) throw new HttpError(404, 'We could not find that booking.');
    if (b.status === 'cancelled' || b.status === 'cancelledInPms' || b.status === 'pending' || b.status === 'notBooked') return `/bookings/${b.ref}`;
    const p = store.practice(b.practiceId)!;
    if (b.pmsRecordId) {
      try {
        await pms.cancelAppointment(p.siteId, b.pmsRecordId);
      } catch (e) {
        // Already cancelled in the PMS: that is what the patient wants.
        if (!(e instanceof ConduitApiError && e.kind === 'queryFailed' && /cancelled/i.test(`${e.message} ${e.errorDetails?.errorMessage ?? ''}`))) throw e;
      }
    }
    store.updateBooking(b.id, { status: 'cancelled' });
    void ctx.monitor.refresh(p.id).catch(ctx.onError);
    return `/bookings/${b.ref}?cancelled=1`;
  }

  return async (req, res, url, parts) => {
    const get = req.method === 'GET' || req.method === 'HEAD';
    const post = req.method === 'POST';
    const [a, b, c] = parts;
    if (get && parts.length === 0) {
      pages.show(res, homeView(store.practices()));
      return true;
    }
    if (a === 'book') {
      const rest = parts.slice(1);
      if (get && rest.length === 1) {
        const p = practiceOr404(ctx, rest[0]);
        pages.show(res, practitionersView(p, await pms.practitioners(p.siteId)));
        return true;
      }
      if (get && rest.length === 2) {
        pages.show(res, await chooseType(rest[0]!, rest[1]!));
        return true;
      }
      if (get && rest.length === 3) {
        pages.show(res, await chooseTime(rest[0]!, rest[1]!, rest[2]!, url.searchParams));
        return true;
      }
      if (rest.length === 5) {
        if (get) {
          const choice = await context(rest[0]!, rest[1]!, rest[2]!);
          const { day, time } = slotFrom(rest[3]!, rest[4]!);
          pages.show(res, details(choice, day, time, `${url.pathname}${url.search}`));
          return true;
        }
        if (post) {
          const r = await book(rest, url.searchParams, await readForm(req));
          if (typeof r === 'string') pages.redirect(res, r);
          else pages.show(res, r);
          return true;
        }
      }
    }
    if (a === 'bookings' && b) {
      if (get && parts.length === 2) {
        pages.show(res, confirmation(b, url.searchParams));
        return true;
      }
      if (post && c === 'cancel' && parts.length === 3) {
        pages.redirect(res, await cancel(b));
        return true;
      }
    }
    return false;
  };
}

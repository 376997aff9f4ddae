// Placing a booking so that none is lost or made twice, whatever happens on the way to the practice.
//
// The booking is recorded first, as `pending`, before anything is written to Best Practice, and the
// patient's id is recorded as soon as it is known. A write whose answer is lost is settled by reading
// the practitioner's time (pms/pms.ts does that at once where it can); when it cannot be settled yet, the
// booking stays `pending` and the patient is shown that it is being confirmed. `settle` then reads
// the practice again every few seconds until the appointment is found (booked) or `settleMs` has
// passed without it (not booked: no statement can still be running by then). Pending bookings left by
// a crash of this server are settled the same way after it starts again.
import { randomBytes } from 'node:crypto';
import type { PmsAccess } from '../pms/access.js';
import { OutcomeUnknownError, sameSex, type NewPatient } from '../pms/pms.js';
import type { Booking, BookingStore, Practice } from './store.js';

export interface BookingRequest {
  practice: Practice;
  practitioner: { id: number; name: string; locationId: number | null };
  type: { code: number; description: string; length: number };
  date: string;
  time: number;
  locationId: number | null;
  patient: NewPatient;
}

/** `taken`: someone else has the time now (nothing was recorded). */
export type BookingOutcome = { kind: 'booked' | 'pending'; booking: Booking } | { kind: 'taken' };

export interface BookingPlacerOptions {
  store: BookingStore;
  pms: PmsAccess;
  /**
   * How long after a booking began an unconfirmed write may still take effect. Past it, a booking
   * whose appointment is not in Best Practice is `notBooked`. Default 150 s: Conduit's longest
   * immediate query (60 s in the queue plus 60 s running) and a margin.
   */
  settleMs?: number;
  /** How often pending bookings are checked (default 3 s). */
  intervalMs?: number;
  /** Called for every booking that reaches the appointment book, at once or when settled. */
  onBooked?: (b: Booking) => void;
  onError: (e: unknown) => void;
}

export class BookingPlacer {
  /** Bookings that `place` is still working on: the settler leaves them alone. */
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly settleMs: number;

  constructor(private readonly o: BookingPlacerOptions) {
    this.settleMs = o.settleMs ?? 150_000;
  }

  /** Matches or adds the patient, then books the time. Throws the PMS's error when nothing was booked. */
  async place(r: BookingRequest): Promise<BookingOutcome> {
    const { store, pms } = this.o;
    const siteId = r.practice.siteId;
    const b = store.addBooking({
      ref: randomBytes(9).toString('base64url'), practiceId: r.practice.id, practitionerId: r.practitioner.id, practitionerName: r.practitioner.name,
      appointmentType: r.type.code, appointmentTypeName: r.type.description, date: r.date, time: r.time, length: r.type.length, ...r.patient,
      patientId: null, pmsRecordId: null, status: 'pending', note: null,
    });
    this.inFlight.add(b.id);
    try {
      const matches = (await pms.findPatients(siteId, r.patient)).filter(sameSex(r.patient.sexCode));
      const patientId = matches.length ? matches[0]!.id : await pms.addPatient(siteId, r.patient);
      const note = matches.length > 1 ? `${matches.length} patient records match (ids ${matches.map((m) => m.id).join(', ')}); booked against ${patientId}.` : null;
      store.updateBooking(b.id, { patientId, note });
      let recordId: number;
      try {
        recordId = await pms.addAppointment(siteId, {
          date: r.date, time: r.time, length: r.type.length, practitionerId: r.practitioner.id, patientId, locationId: r.locationId, type: r.type.code,
        });
      } catch (e) {
        if (!(e instanceof OutcomeUnknownError)) throw e;
        this.start();
        return { kind: 'pending', booking: store.booking(b.id)! };
      }
      if (recordId === 0) {
        store.deleteBooking(b.id);
        return { kind: 'taken' };
      }
      store.updateBooking(b.id, { pmsRecordId: recordId, status: note ? 'needsReview' : 'booked' });
      const booked = store.booking(b.id)!;
      this.o.onBooked?.(booked);
      return { kind: 'booked', booking: booked };
    } catch (e) {
      // Nothing reached the appointment book (a lost new-patient answer included: no appointment was
      // asked for yet), so there is no booking to keep.
      if (store.booking(b.id)?.status === 'pending') store.deleteBooking(b.id);
      throw e;
    } finally {
      this.inFlight.delete(b.id);
    }
  }

  /** Checks pending bookings every `intervalMs` while there are any (also those left by a crash). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.settle().catch(this.o.onError), this.o.intervalMs ?? 3000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over the pending bookings; stops the timer when none is left. */
  settle(): Promise<void> {
    this.checking ??= this.pass().finally(() => { this.checking = undefined; });
    return this.checking;
  }

  private async pass(): Promise<void> {
    const pending = this.o.store.bookingsWithStatusEverywhere('pending').filter((b) => !this.inFlight.has(b.id));
    if (pending.length === 0 && this.inFlight.size === 0) this.stop();
    for (const b of pending) {
      try {
        await this.settleOne(b);
      } catch (e) {
        this.o.onError(e); // could not read the practice now: try again on the next pass
      }
    }
  }

  private async settleOne(b: Booking): Promise<void> {
    const { store } = this.o;
    const practice = store.practice(b.practiceId);
    const age = Date.now() - Date.parse(b.createdAt);
    if (!practice || b.patientId === null) {
      // Stopped before an appointment was asked for.
      return this.finish(b, { status: 'notBooked', note: 'The booking did not reach the practice.' });
    }
    const holders = await this.o.pms.appointmentsAt(practice.siteId, { date: b.date, time: b.time, practitionerId: b.practitionerId });
    const mine = holders.find((h) => h.patientId === b.patientId);
    if (mine) return this.finish(b, { status: b.note ? 'needsReview' : 'booked', pmsRecordId: mine.recordId });
    if (age >= this.settleMs) return this.finish(b, { status: 'notBooked', note: 'The practice did not receive the booking.' });
  }

  private finish(b: Booking, changes: Parameters<BookingStore['updateBooking']>[1]): void {
    this.o.store.updateBooking(b.id, changes);
    const settled = this.o.store.booking(b.id)!;
    if (settled.pmsRecordId !== null) this.o.onBooked?.(settled);
  }
}

// Everything the booking product asks a Best Practice database, written once (BpQueries); `Pms` sends it through @conduit/sdk.
import { ConduitApiError, mayHaveRun, type ConduitClient, type Parameter } from '@conduit/sdk';
import type { PmsAccess, Practitioner, AppointmentType, FreeSlot, PatientMatch, PmsAppointment, PatientQuery, NewPatient, NewAppointment, SlotRef, SlotHolder } from './types.js';

export type { Practitioner, AppointmentType, FreeSlot, PatientMatch, PmsAppointment, PatientQuery, NewPatient, NewAppointment, SlotRef, SlotHolder } from './types.js';

/** A patient record matches a booking's gender when it has the same one, or none recorded. */
export const sameSex = (sexCode: number) => (m: PatientMatch): boolean => m.sexCode === null || m.sexCode === sexCode;

/**
 * A write whose answer never came back and that could not be settled by reading the practice
 * database: it may or may not have been carried out. The caller keeps the booking as pending and
 * settles it later (see bookings.ts); it must not make the write again blindly.
 */
export class OutcomeUnknownError extends Error {
  constructor(readonly call: 'addPatient' | 'addAppointment', override readonly cause: unknown) {
    super(`the practice did not confirm ${call === 'addPatient' ? 'the new patient' : 'the appointment'}, and it could not be checked yet`);
    this.name = 'OutcomeUnknownError';
  }
}

const int = (name: string, value: number | null | undefined): Parameter => ({ name, type: 'Int', value: value === null || value === undefined ? null : String(value) });
const date = (name: string, value: string): Parameter => ({ name, type: 'Date', value });
const text = (name: string, value: string): Parameter => ({ name, type: 'VarChar', value });

/** YYYY-MM-DD of a local date. */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return isoDate(new Date(y, m - 1, d + n));
}

/** True for the simulated/real Bp error that a practitioner is away on the date (no slots, not a failure). */
export function isAwayError(e: unknown): boolean {
  if (!(e instanceof ConduitApiError)) return false;
  const m = `${e.message} ${e.errorDetails?.errorMessage ?? ''}`.toLowerCase();
  return m.includes('away') && m.includes('that date');
}

/** One command to the practice database, in the Halo shape both backends accept. */
export interface PmsCommand { text: string; type?: 'text' | 'storedProcedure'; executionMode?: 'reader' | 'nonQuery' | 'scalar'; parameters?: Parameter[] }
export interface PmsOutcome { rows: Record<string, unknown>[]; returnValue: number | null }

/**
 * Every Best Practice call the booking product makes, written once. A backend supplies `run` (how a
 * command reaches the practice database) and `isAway` (how its transport reports the procedure's
 * "practitioner away" error); the SQL and the mapping of rows are the same for every backend.
 */
export abstract class BpQueries {
  protected abstract run(siteId: string, cmd: PmsCommand): Promise<PmsOutcome>;
  protected abstract isAway(e: unknown): boolean;
  /** Whether a failed command may still have been carried out (its answer was lost or came too late). */
  protected abstract mayHaveRun(e: unknown): boolean;
  /**
   * Whether a read sent after a command sees that command's final effect. True where the practice end
   * runs one request after another (the Connector); false where a lost command could still be queued
   * or running beside the read (Conduit's executors), so a read that does not find it settles nothing.
   */
  protected abstract readonly ordered: boolean;

  async practitioners(siteId: string): Promise<Practitioner[]> {
    const r = await this.run(siteId, { text: 'EXEC BP_GetAppointmentBookUsers' });
    return r.rows.map((u) => ({
      id: Number(u.UserID),
      name: [u.Title, u.Firstname, u.Surname].filter((x) => typeof x === 'string' && x !== '').join(' '),
      locationId: u.LocationID === null || u.LocationID === undefined ? null : Number(u.LocationID),
    }));
  }

  async appointmentTypes(siteId: string): Promise<AppointmentType[]> {
    const r = await this.run(siteId, { text: 'SELECT APPOINTMENTCODE, DESCRIPTION, APPOINTMENTLENGTH FROM APPOINTMENTTYPES WHERE RECORDSTATUS = 1 ORDER BY DESCRIPTION' });
    return r.rows.map((t) => ({ code: Number(t.APPOINTMENTCODE), description: String(t.DESCRIPTION ?? ''), length: Number(t.APPOINTMENTLENGTH) || 900 }));
  }

  async freeSlotsOn(siteId: string, userId: number, day: string): Promise<FreeSlot[]> {
    try {
      const r = await this.run(siteId, {
        text: 'BP_GetFreeAppointments', type: 'storedProcedure', parameters: [int('@userid', userId), date('@aptdate', day)],
      });
      return r.rows.map((s) => ({ date: day, time: Number(s.AppointmentTime), length: Number(s.AppointmentLength), locationId: s.LocationID === null || s.LocationID === undefined ? null : Number(s.LocationID) }));
    } catch (e) {
      if (this.isAway(e)) return [];
      throw e;
    }
  }

  /**
   * Free slots from `from` for `days` days, a few days at a time. A slot shorter than the
   * appointment type needs consecutive free slots, so only slots that fit (start + length within a
   * run of free slots) are offered; today's past times are dropped.
   */
  async freeSlots(siteId: string, userId: number, length: number, from: string, days = 14, nowSeconds?: number): Promise<FreeSlot[]> {
    const dates = Array.from({ length: days }, (_, i) => addDays(from, i));
    const out: FreeSlot[] = [];
    for (let i = 0; i < dates.length; i += 4) {
      const batch = await Promise.all(dates.slice(i, i + 4).map((d) => this.freeSlotsOn(siteId, userId, d)));
      for (const slots of batch) out.push(...fitting(slots, length));
    }
    return out.filter((s) => !(s.date === from && nowSeconds !== undefined && s.time <= nowSeconds));
  }

  async findPatients(siteId: string, p: PatientQuery): Promise<PatientMatch[]> {
    const r = await this.run(siteId, {
      text: 'BP_GetPatientByNameDOB', type: 'storedProcedure',
      parameters: [text('@firstname', p.firstName), text('@surname', p.surname), date('@dob', p.dob)],
    });
    return r.rows.map((x) => ({ id: Number(x.InternalID), sexCode: x.SexCode === null || x.SexCode === undefined ? null : Number(x.SexCode) }));
  }

  /**
   * A new patient's InternalID. When the answer is lost, the patient is looked up: found, it is the
   * one just made; not found on an ordered backend, the command never ran and is sent once more;
   * otherwise OutcomeUnknownError.
   */
  async addPatient(siteId: string, p: NewPatient): Promise<number> {
    return this.settled(siteId, 'addPatient', () => this.insertPatient(siteId, p), async () => {
      const found = (await this.findPatients(siteId, p)).filter(sameSex(p.sexCode));
      return found.length ? Math.max(...found.map((m) => m.id)) : undefined;
    });
  }

  /**
   * The new RECORDID, or 0 when the time was taken meanwhile. When the answer is lost, the
   * practitioner's time is read: held by this patient, that is the appointment just made; free on an
   * ordered backend, the command never ran and is sent once more; otherwise OutcomeUnknownError.
   */
  async addAppointment(siteId: string, a: NewAppointment): Promise<number> {
    return this.settled(siteId, 'addAppointment', () => this.insertAppointment(siteId, a), async () => {
      const holders = await this.appointmentsAt(siteId, { date: a.date, time: a.time, practitionerId: a.practitionerId });
      return holders.find((h) => h.patientId === a.patientId)?.recordId;
    });
  }

  /** Runs a write; if its outcome is unknown, settles it with `find` (see addPatient / addAppointment). */
  private async settled(siteId: string, call: 'addPatient' | 'addAppointment', write: () => Promise<number>, find: () => Promise<number | undefined>): Promise<number> {
    try {
      return await write();
    } catch (e) {
      if (!this.mayHaveRun(e)) throw e;
      let found: number | undefined;
      try {
        found = await find();
      } catch {
        throw new OutcomeUnknownError(call, e);
      }
      if (found !== undefined) return found;
      if (!this.ordered) throw new OutcomeUnknownError(call, e);
      try {
        return await write();
      } catch (again) {
        if (this.mayHaveRun(again)) throw new OutcomeUnknownError(call, again);
        throw again;
      }
    }
  }

  private async insertPatient(siteId: string, p: NewPatient): Promise<number> {
    const r = await this.run(siteId, {
      text: 'BP_AddPatient', type: 'storedProcedure', executionMode: 'nonQuery',
      parameters: [text('@firstname', p.firstName), text('@surname', p.surname), date('@dob', p.dob), int('@sexcode', p.sexCode),
        text('@mobilephone', p.mobile), { name: '@RETURN_VALUE', direction: 'returnValue', type: 'Int' }],
    });
    const id = Number(r.returnValue);
    if (!(id > 0)) throw new Error('Best Practice did not return the new patient id');
    return id;
  }

  private async insertAppointment(siteId: string, a: NewAppointment): Promise<number> {
    const r = await this.run(siteId, {
      text: 'BP_AddAppointment', type: 'storedProcedure', executionMode: 'nonQuery',
      parameters: [date('@aptdate', a.date), int('@apttime', a.time), int('@aptlen', a.length), int('@practitionerid', a.practitionerId),
        int('@patientid', a.patientId), int('@locationid', a.locationId), int('@appointmenttype', a.type),
        { name: '@RETURN_VALUE', direction: 'returnValue', type: 'Int' }],
    });
    return Number(r.returnValue ?? 0) || 0;
  }

  /** The live appointments starting at a practitioner's time (RECORDSTATUS 1), with their patients. */
  async appointmentsAt(siteId: string, slot: SlotRef): Promise<SlotHolder[]> {
    const r = await this.run(siteId, {
      text: 'SELECT RECORDID, INTERNALID FROM APPOINTMENTS WHERE APPOINTMENTDATE = @date AND APPOINTMENTTIME = @time AND USERID = @userid AND RECORDSTATUS = 1 ORDER BY RECORDID',
      parameters: [date('@date', slot.date), int('@time', slot.time), int('@userid', slot.practitionerId)],
    });
    return r.rows.map((x) => ({ recordId: Number(x.RECORDID), patientId: Number(x.INTERNALID) }));
  }

  async cancelAppointment(siteId: string, recordId: number): Promise<void> {
    await this.run(siteId, {
      text: 'BP_CancelAppointment', type: 'storedProcedure', executionMode: 'nonQuery',
      parameters: [int('@aptid', recordId), text('@reason', 'Cancelled by the patient online')],
    });
  }

  /** The current state in the PMS of the given appointments (the monitor's query, read once). */
  async appointments(siteId: string, recordIds: number[]): Promise<PmsAppointment[]> {
    const r = await this.run(siteId, { text: Pms.monitorSql(recordIds) });
    return r.rows.map((a) => ({ RECORDID: Number(a.RECORDID), APPOINTMENTDATE: String(a.APPOINTMENTDATE), APPOINTMENTTIME: Number(a.APPOINTMENTTIME), USERID: Number(a.USERID), RECORDSTATUS: Number(a.RECORDSTATUS) }));
  }
}

/** The booking product's Best Practice calls through Conduit (@conduit/sdk immediate queries). */
/** A Conduit call for a practice that has not paired with Conduit yet (it is on the Connector only). */
export class NotPairedError extends Error {
  constructor(readonly practice: string) {
    super('the practice has not paired with Conduit yet');
    this.name = 'NotPairedError';
  }
}

export class Pms extends BpQueries implements PmsAccess {
  /**
   * @param siteOf maps the practice key callers pass to its Conduit site id (null: not paired yet).
   *   Default: the key is the Conduit site id.
   */
  constructor(private readonly client: ConduitClient, private readonly siteOf: (key: string) => string | null = (k) => k) {
    super();
  }

  protected async run(key: string, cmd: PmsCommand): Promise<PmsOutcome> {
    const siteId = this.siteOf(key);
    if (!siteId) throw new NotPairedError(key);
    const r = await this.client.immediate<Record<string, unknown>>(siteId, cmd);
    const rv = r.parameters.find((x) => x.direction === 'returnValue')?.value;
    return { rows: r.rows, returnValue: rv === undefined || rv === null ? null : Number(rv) };
  }

  protected isAway(e: unknown): boolean {
    return isAwayError(e);
  }

  protected mayHaveRun(e: unknown): boolean {
    return !(e instanceof NotPairedError) && mayHaveRun(e);
  }

  protected readonly ordered = false;

  /** The SQL the change monitor registers: the status of the appointments booked through the product. */
  static monitorSql(recordIds: number[]): string {
    const ids = recordIds.filter((n) => Number.isInteger(n) && n > 0);
    return `SELECT RECORDID, APPOINTMENTDATE, APPOINTMENTTIME, USERID, RECORDSTATUS FROM APPOINTMENTS WHERE RECORDID IN (${ids.length ? ids.join(', ') : '0'}) ORDER BY RECORDID`;
  }
}

/** Start times from which `length` seconds are covered by back-to-back free slots. */
export function fitting(slots: FreeSlot[], length: number): FreeSlot[] {
  const byTime = new Map(slots.map((s) => [s.time, s]));
  const out: FreeSlot[] = [];
  for (const s of slots) {
    let covered = s.length;
    let t = s.time + s.length;
    while (covered < length) {
      const next = byTime.get(t);
      if (!next) break;
      covered += next.length;
      t += next.length;
    }
    if (covered >= length) out.push({ ...s, length });
  }
  return out;
}

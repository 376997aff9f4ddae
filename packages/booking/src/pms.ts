// Everything the booking product asks a Best Practice database, written once (BpQueries); `Pms` sends it through @conduit/sdk.
import { ConduitApiError, type ConduitClient, type Parameter } from '@conduit/sdk';
import type { PmsAccess } from './access.js';

export interface Practitioner { id: number; name: string; locationId: number | null }
export interface AppointmentType { code: number; description: string; length: number }
export interface FreeSlot { date: string; time: number; length: number; locationId: number | null }
export interface PatientMatch { id: number; sexCode: number | null }
export interface PmsAppointment { RECORDID: number; APPOINTMENTDATE: string; APPOINTMENTTIME: number; USERID: number; RECORDSTATUS: number }

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

  async findPatients(siteId: string, p: { firstName: string; surname: string; dob: string }): Promise<PatientMatch[]> {
    const r = await this.run(siteId, {
      text: 'BP_GetPatientByNameDOB', type: 'storedProcedure',
      parameters: [text('@firstname', p.firstName), text('@surname', p.surname), date('@dob', p.dob)],
    });
    return r.rows.map((x) => ({ id: Number(x.InternalID), sexCode: x.SexCode === null || x.SexCode === undefined ? null : Number(x.SexCode) }));
  }

  async addPatient(siteId: string, p: { firstName: string; surname: string; dob: string; sexCode: number; mobile: string }): Promise<number> {
    const r = await this.run(siteId, {
      text: 'BP_AddPatient', type: 'storedProcedure', executionMode: 'nonQuery',
      parameters: [text('@firstname', p.firstName), text('@surname', p.surname), date('@dob', p.dob), int('@sexcode', p.sexCode),
        text('@mobilephone', p.mobile), { name: '@RETURN_VALUE', direction: 'returnValue', type: 'Int' }],
    });
    const id = Number(r.returnValue);
    if (!(id > 0)) throw new Error('Best Practice did not return the new patient id');
    return id;
  }

  /** The new RECORDID, or 0 when the time was taken meanwhile. */
  async addAppointment(siteId: string, a: { date: string; time: number; length: number; practitionerId: number; patientId: number; locationId: number | null; type: number }): Promise<number> {
    const r = await this.run(siteId, {
      text: 'BP_AddAppointment', type: 'storedProcedure', executionMode: 'nonQuery',
      parameters: [date('@aptdate', a.date), int('@apttime', a.time), int('@aptlen', a.length), int('@practitionerid', a.practitionerId),
        int('@patientid', a.patientId), int('@locationid', a.locationId), int('@appointmenttype', a.type),
        { name: '@RETURN_VALUE', direction: 'returnValue', type: 'Int' }],
    });
    return Number(r.returnValue ?? 0) || 0;
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

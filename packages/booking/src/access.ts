// One data-access interface for the booking product, two backends: Conduit (the SDK, `Pms`) and the
// legacy Connector (the product's own agent at the practice, through the ConnectorHub). Which one
// serves a practice is the caller's choice (by migration stage); both send the same SQL.
import type { Parameter } from '@conduit/sdk';
import { BpQueries, Pms, type AppointmentType, type FreeSlot, type PatientMatch, type PmsAppointment, type PmsCommand, type PmsOutcome, type Practitioner } from './pms.js';
import { ConnectorError, type ConnectorHub, type HubParameter } from './connector-hub.js';

/** Exactly the Best Practice calls the booking product makes. `siteId` names the practice to the backend. */
export interface PmsAccess {
  practitioners(siteId: string): Promise<Practitioner[]>;
  appointmentTypes(siteId: string): Promise<AppointmentType[]>;
  freeSlotsOn(siteId: string, userId: number, day: string): Promise<FreeSlot[]>;
  freeSlots(siteId: string, userId: number, length: number, from: string, days?: number, nowSeconds?: number): Promise<FreeSlot[]>;
  findPatients(siteId: string, p: { firstName: string; surname: string; dob: string }): Promise<PatientMatch[]>;
  addPatient(siteId: string, p: { firstName: string; surname: string; dob: string; sexCode: number; mobile: string }): Promise<number>;
  /** The new RECORDID, or 0 when the time was taken meanwhile. */
  addAppointment(siteId: string, a: { date: string; time: number; length: number; practitionerId: number; patientId: number; locationId: number | null; type: number }): Promise<number>;
  cancelAppointment(siteId: string, recordId: number): Promise<void>;
  appointments(siteId: string, recordIds: number[]): Promise<PmsAppointment[]>;
}

/** Conduit: the existing SDK-based calls, unchanged. */
export const ConduitBackend = Pms;
export type ConduitBackend = Pms;

const toHub = (p: Parameter): HubParameter => ({
  name: p.name, ...(p.type ? { type: p.type } : {}), value: p.value ?? null, ...(p.direction ? { direction: p.direction } : {}),
});

/** True for the procedure error that a practitioner is away on the date, as a Connector reports it. */
export function isConnectorAwayError(e: unknown): boolean {
  if (!(e instanceof ConnectorError) || e.kind !== 'database') return false;
  const m = e.message.toLowerCase();
  return m.includes('away') && m.includes('that date');
}

/**
 * The legacy Connector: the same calls sent to the practice's agent through the hub. `practiceOf`
 * maps the key callers pass (the site id) to the Connector's practice id (default: the same string).
 */
export class ConnectorBackend extends BpQueries implements PmsAccess {
  constructor(private readonly hub: ConnectorHub, private readonly practiceOf: (siteId: string) => string = (s) => s) {
    super();
  }

  protected async run(siteId: string, cmd: PmsCommand): Promise<PmsOutcome> {
    const r = await this.hub.request(this.practiceOf(siteId), { text: cmd.text, type: cmd.type ?? 'text', parameters: (cmd.parameters ?? []).map(toHub) });
    return { rows: r.rows, returnValue: r.returnValue };
  }

  protected isAway(e: unknown): boolean {
    return isConnectorAwayError(e);
  }
}

/** Sends each practice's calls to the backend `choose` names for it (by migration stage). */
export class RoutedAccess implements PmsAccess {
  constructor(private readonly backends: { conduit: PmsAccess; connector: PmsAccess }, public choose: (siteId: string) => 'conduit' | 'connector' = () => 'conduit') {}

  private b(siteId: string): PmsAccess {
    return this.backends[this.choose(siteId)];
  }

  practitioners(siteId: string): Promise<Practitioner[]> { return this.b(siteId).practitioners(siteId); }
  appointmentTypes(siteId: string): Promise<AppointmentType[]> { return this.b(siteId).appointmentTypes(siteId); }
  freeSlotsOn(siteId: string, userId: number, day: string): Promise<FreeSlot[]> { return this.b(siteId).freeSlotsOn(siteId, userId, day); }
  freeSlots(siteId: string, userId: number, length: number, from: string, days?: number, nowSeconds?: number): Promise<FreeSlot[]> {
    return this.b(siteId).freeSlots(siteId, userId, length, from, days, nowSeconds);
  }
  findPatients(siteId: string, p: { firstName: string; surname: string; dob: string }): Promise<PatientMatch[]> { return this.b(siteId).findPatients(siteId, p); }
  addPatient(siteId: string, p: { firstName: string; surname: string; dob: string; sexCode: number; mobile: string }): Promise<number> { return this.b(siteId).addPatient(siteId, p); }
  addAppointment(siteId: string, a: { date: string; time: number; length: number; practitionerId: number; patientId: number; locationId: number | null; type: number }): Promise<number> {
    return this.b(siteId).addAppointment(siteId, a);
  }
  cancelAppointment(siteId: string, recordId: number): Promise<void> { return this.b(siteId).cancelAppointment(siteId, recordId); }
  appointments(siteId: string, recordIds: number[]): Promise<PmsAppointment[]> { return this.b(siteId).appointments(siteId, recordIds); }
}

/** Called once per shadow comparison: `same` false carries a short description of the difference. */
export type ShadowRecorder = (siteId: string, call: string, same: boolean, detail: string) => void;

const stable = (v: unknown): string => JSON.stringify(v);
const REREADS = 2;

/**
 * Shadow stage: the primary (the Connector) serves every call; every read is also made through the
 * shadow (Conduit) at the same time and the two results compared. A shadow failure is a difference,
 * never a failure of the call. Writes go to the primary only.
 */
export class ShadowAccess implements PmsAccess {
  constructor(private readonly primary: PmsAccess, private readonly shadow: PmsAccess, private readonly record: ShadowRecorder) {}

  private async read<T>(siteId: string, call: string, f: (b: PmsAccess) => Promise<T>): Promise<T> {
    const [p, s] = await Promise.allSettled([f(this.primary), f(this.shadow)]);
    if (p.status === 'rejected') {
      this.record(siteId, call, s.status === 'rejected', s.status === 'rejected' ? '' : 'the Connector failed where Conduit answered');
      throw p.reason;
    }
    if (s.status === 'rejected') {
      this.record(siteId, call, false, `Conduit failed: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
      return p.value;
    }
    const a = stable(p.value);
    const b = stable(s.value);
    const same = a === b || (await this.agreeOnReread(f));
    this.record(siteId, call, same, same ? '' : `Connector ${a.slice(0, 1500)} / Conduit ${b.slice(0, 1500)}`);
    return p.value;
  }

  /**
   * The practice database can change between two reads made at the same time (a booking, reception
   * at work), so one mismatch is not yet a difference: the pair is read again, one after the other,
   * up to REREADS times. A real difference between the backends never agrees; a change in between does.
   */
  private async agreeOnReread<T>(f: (b: PmsAccess) => Promise<T>): Promise<boolean> {
    for (let i = 0; i < REREADS; i++) {
      try {
        const a = stable(await f(this.primary));
        if (a === stable(await f(this.shadow))) return true;
      } catch {
        return false;
      }
    }
    return false;
  }

  practitioners(siteId: string): Promise<Practitioner[]> { return this.read(siteId, 'practitioners', (b) => b.practitioners(siteId)); }
  appointmentTypes(siteId: string): Promise<AppointmentType[]> { return this.read(siteId, 'appointmentTypes', (b) => b.appointmentTypes(siteId)); }
  freeSlotsOn(siteId: string, userId: number, day: string): Promise<FreeSlot[]> { return this.read(siteId, 'freeSlotsOn', (b) => b.freeSlotsOn(siteId, userId, day)); }
  freeSlots(siteId: string, userId: number, length: number, from: string, days?: number, nowSeconds?: number): Promise<FreeSlot[]> {
    return this.read(siteId, 'freeSlots', (b) => b.freeSlots(siteId, userId, length, from, days, nowSeconds));
  }
  findPatients(siteId: string, p: { firstName: string; surname: string; dob: string }): Promise<PatientMatch[]> { return this.read(siteId, 'findPatients', (b) => b.findPatients(siteId, p)); }
  appointments(siteId: string, recordIds: number[]): Promise<PmsAppointment[]> { return this.read(siteId, 'appointments', (b) => b.appointments(siteId, recordIds)); }
  addPatient(siteId: string, p: { firstName: string; surname: string; dob: string; sexCode: number; mobile: string }): Promise<number> { return this.primary.addPatient(siteId, p); }
  addAppointment(siteId: string, a: { date: string; time: number; length: number; practitionerId: number; patientId: number; locationId: number | null; type: number }): Promise<number> {
    return this.primary.addAppointment(siteId, a);
  }
  cancelAppointment(siteId: string, recordId: number): Promise<void> { return this.primary.cancelAppointment(siteId, recordId); }
}

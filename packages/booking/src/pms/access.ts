// One data-access interface for the booking product, two backends: Conduit (the SDK, `Pms`) and the
// legacy Connector (the product's own agent at the practice, through the ConnectorHub). Which one
// serves a practice is the caller's choice (by migration stage); both send the same SQL. The
// migration's shadow comparison builds on DelegatingAccess in migration/shadow.ts.
import type { Parameter } from '@conduit/sdk';
import {
  BpQueries, Pms, type AppointmentType, type FreeSlot, type NewAppointment, type NewPatient, type PatientMatch, type PatientQuery, type PmsAppointment,
  type PmsCommand, type PmsOutcome, type Practitioner, type SlotHolder, type SlotRef,
} from './pms.js';
import type { PmsAccess } from './types.js';
import { ConnectorError, type ConnectorHub, type HubParameter } from './connector-hub.js';

export type { PmsAccess } from './types.js';

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

  protected mayHaveRun(e: unknown): boolean {
    return e instanceof ConnectorError && (e.kind === 'lost' || e.kind === 'timeout');
  }

  /** The agent runs its requests one after another, so a later read sees an earlier write's effect. */
  protected readonly ordered = true;
}

/** The reads of `PmsAccess` (safe to repeat) and its writes (never repeated through another backend). */
export type ReadCall = 'practitioners' | 'appointmentTypes' | 'freeSlotsOn' | 'freeSlots' | 'findPatients' | 'appointments' | 'appointmentsAt';
export type WriteCall = 'addPatient' | 'addAppointment' | 'cancelAppointment';

/**
 * A `PmsAccess` that hands every call to `read` or `write` with the backend call to make: routing,
 * shadowing and the migration stages differ only in which backend(s) they give it.
 */
export abstract class DelegatingAccess implements PmsAccess {
  protected abstract read<T>(siteId: string, call: ReadCall, f: (b: PmsAccess) => Promise<T>): Promise<T>;
  protected abstract write<T>(siteId: string, call: WriteCall, f: (b: PmsAccess) => Promise<T>): Promise<T>;

  practitioners(siteId: string): Promise<Practitioner[]> { return this.read(siteId, 'practitioners', (b) => b.practitioners(siteId)); }
  appointmentTypes(siteId: string): Promise<AppointmentType[]> { return this.read(siteId, 'appointmentTypes', (b) => b.appointmentTypes(siteId)); }
  freeSlotsOn(siteId: string, userId: number, day: string): Promise<FreeSlot[]> { return this.read(siteId, 'freeSlotsOn', (b) => b.freeSlotsOn(siteId, userId, day)); }
  freeSlots(siteId: string, userId: number, length: number, from: string, days?: number, nowSeconds?: number): Promise<FreeSlot[]> {
    return this.read(siteId, 'freeSlots', (b) => b.freeSlots(siteId, userId, length, from, days, nowSeconds));
  }
  findPatients(siteId: string, p: PatientQuery): Promise<PatientMatch[]> { return this.read(siteId, 'findPatients', (b) => b.findPatients(siteId, p)); }
  appointments(siteId: string, recordIds: number[]): Promise<PmsAppointment[]> { return this.read(siteId, 'appointments', (b) => b.appointments(siteId, recordIds)); }
  appointmentsAt(siteId: string, slot: SlotRef): Promise<SlotHolder[]> { return this.read(siteId, 'appointmentsAt', (b) => b.appointmentsAt(siteId, slot)); }
  addPatient(siteId: string, p: NewPatient): Promise<number> { return this.write(siteId, 'addPatient', (b) => b.addPatient(siteId, p)); }
  addAppointment(siteId: string, a: NewAppointment): Promise<number> { return this.write(siteId, 'addAppointment', (b) => b.addAppointment(siteId, a)); }
  cancelAppointment(siteId: string, recordId: number): Promise<void> { return this.write(siteId, 'cancelAppointment', (b) => b.cancelAppointment(siteId, recordId)); }
}

/** Sends each practice's calls to the backend `choose` names for it (by migration stage). */
export class RoutedAccess extends DelegatingAccess {
  constructor(private readonly backends: { conduit: PmsAccess; connector: PmsAccess }, public choose: (siteId: string) => 'conduit' | 'connector' = () => 'conduit') {
    super();
  }

  protected read<T>(siteId: string, _call: ReadCall, f: (b: PmsAccess) => Promise<T>): Promise<T> { return f(this.backends[this.choose(siteId)]); }
  protected write<T>(siteId: string, _call: WriteCall, f: (b: PmsAccess) => Promise<T>): Promise<T> { return f(this.backends[this.choose(siteId)]); }
}

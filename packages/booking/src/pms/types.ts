// What the booking product reads and writes in a Best Practice database, and the one interface
// (PmsAccess) every backend offers: Conduit, the legacy Connector, and the migration's routing.
export interface Practitioner { id: number; name: string; locationId: number | null }
export interface AppointmentType { code: number; description: string; length: number }
export interface FreeSlot { date: string; time: number; length: number; locationId: number | null }
export interface PatientMatch { id: number; sexCode: number | null }
export interface PmsAppointment { RECORDID: number; APPOINTMENTDATE: string; APPOINTMENTTIME: number; USERID: number; RECORDSTATUS: number }
export interface PatientQuery { firstName: string; surname: string; dob: string }
export interface NewPatient extends PatientQuery { sexCode: number; mobile: string }
export interface NewAppointment { date: string; time: number; length: number; practitionerId: number; patientId: number; locationId: number | null; type: number }
/** A practitioner's time on a day. */
export interface SlotRef { date: string; time: number; practitionerId: number }
/** A live appointment at a slot, and whose it is. */
export interface SlotHolder { recordId: number; patientId: number }

/** Exactly the Best Practice calls the booking product makes. `siteId` names the practice to the backend. */
export interface PmsAccess {
  practitioners(siteId: string): Promise<Practitioner[]>;
  appointmentTypes(siteId: string): Promise<AppointmentType[]>;
  freeSlotsOn(siteId: string, userId: number, day: string): Promise<FreeSlot[]>;
  freeSlots(siteId: string, userId: number, length: number, from: string, days?: number, nowSeconds?: number): Promise<FreeSlot[]>;
  findPatients(siteId: string, p: PatientQuery): Promise<PatientMatch[]>;
  addPatient(siteId: string, p: NewPatient): Promise<number>;
  /** The new RECORDID, or 0 when the time was taken meanwhile. */
  addAppointment(siteId: string, a: NewAppointment): Promise<number>;
  cancelAppointment(siteId: string, recordId: number): Promise<void>;
  appointments(siteId: string, recordIds: number[]): Promise<PmsAppointment[]>;
  /** The live appointments that hold a practitioner's time (how a write whose answer was lost is checked). */
  appointmentsAt(siteId: string, slot: SlotRef): Promise<SlotHolder[]>;
}
